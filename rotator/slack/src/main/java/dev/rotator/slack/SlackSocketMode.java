package dev.rotator.slack;

import com.slack.api.bolt.App;
import com.slack.api.bolt.socket_mode.SocketModeApp;
import com.slack.api.socket_mode.SocketModeClient;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Socket Mode: rotator opens a WebSocket to Slack (apps.connections.open with the app-level token, scope
 * {@code connections:write}) and receives slash commands over it, so a cluster without ingress can take
 * commands. The same {@link RotatorCommands} answer; Bolt acks each envelope with its {@code envelope_id}.
 * Uses the Java-WebSocket backend.
 */
public final class SlackSocketMode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlackSocketMode.class);
  private final App app;
  private final Secret appToken;
  private SocketModeApp socketApp;

  /** @param app built with {@link SlackApps#socketApp} (its Slack client decides where apps.connections.open goes) */
  public SlackSocketMode(App app, Secret appToken) {
    this.app = Objects.requireNonNull(app, "app");
    this.appToken = Objects.requireNonNull(appToken, "appToken");
  }

  /** Connects and returns; Bolt reconnects by itself when the connection drops. */
  public synchronized void start() throws SlackStartException {
    if (socketApp != null) {
      throw new IllegalStateException("already started");
    }
    try {
      socketApp = new SocketModeApp(appToken.reveal(), SocketModeClient.Backend.JavaWebSocket, app);
      socketApp.startAsync();
    } catch (Exception e) {
      // Bolt's message may quote the request; never the token, but scrub anyway.
      socketApp = null;
      throw new SlackStartException("could not open the Slack Socket Mode connection (app token from "
          + appToken.source() + "): " + Secret.describe(e));
    }
    LOG.info("slack: Socket Mode connected");
  }

  @Override
  public synchronized void close() {
    if (socketApp != null) {
      SocketModeClient client = socketApp.getClient();
      try {
        socketApp.close();
        if (client != null) {
          client.close(); // its session monitor and message processor threads
        }
      } catch (Exception e) {
        LOG.warn("slack: closing Socket Mode: {}", Secret.describe(e));
      }
      socketApp = null;
    }
  }

  /** Socket Mode could not start. */
  public static final class SlackStartException extends Exception {
    public SlackStartException(String message) {
      super(message);
    }
  }
}
