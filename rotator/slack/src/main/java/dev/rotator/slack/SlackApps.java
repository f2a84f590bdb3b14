package dev.rotator.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.app_backend.SlackSignature;
import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.middleware.Middleware;
import com.slack.api.bolt.middleware.builtin.RequestVerification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the Slack API client and the Bolt apps, the same way in production and tests. */
public final class SlackApps {
  private SlackApps() {}

  /**
   * A Slack client with bounded HTTP timeouts and no background statistics threads.
   *
   * @param apiUrl the Web API base, e.g. {@code https://slack.com/api/}; empty for Slack's own. Tests point it
   *     at a local server.
   */
  public static Slack slack(Optional<String> apiUrl, Duration callTimeout) {
    SlackConfig c = new SlackConfig();
    apiUrl.ifPresent(u -> c.setMethodsEndpointUrlPrefix(u.endsWith("/") ? u : u + "/"));
    c.setStatsEnabled(false);
    c.setPrettyResponseLoggingEnabled(false);
    int ms = (int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis());
    c.setHttpClientCallTimeoutMillis(ms);
    c.setHttpClientReadTimeoutMillis(ms);
    c.setHttpClientWriteTimeoutMillis(ms);
    return Slack.getInstance(c);
  }

  /**
   * A Bolt app for HTTP mode with {@code commands} registered and Bolt's own signature check on (after
   * {@link SlackRequestVerifier}'s stricter one). No authorization middleware: commands need no bot token
   * (they answer in the HTTP response), so starting does not call auth.test.
   */
  public static App httpApp(Slack slack, Secret signingSecret, RotatorCommands commands) {
    AppConfig config =
        AppConfig.builder().signingSecret(signingSecret.reveal()).singleTeamBotToken(null).slack(slack).build();
    List<Middleware> middleware = new ArrayList<>();
    middleware.add(new RequestVerification(new SlackSignature.Verifier(new SlackSignature.Generator(signingSecret.reveal()))));
    App app = new App(config, slack, middleware);
    return commands.register(app);
  }

  /** A Bolt app for Socket Mode: requests arrive over the authenticated WebSocket, not signed. */
  public static App socketApp(Slack slack, RotatorCommands commands) {
    AppConfig config = AppConfig.builder().singleTeamBotToken(null).signingSecret(null).slack(slack).build();
    App app = new App(config, slack, new ArrayList<>());
    return commands.register(app);
  }
}
