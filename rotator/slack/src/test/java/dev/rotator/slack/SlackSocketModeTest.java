package dev.rotator.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.slack.api.Slack;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.Mode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Socket Mode end to end on loopback: the real Bolt Socket Mode client (Java-WebSocket backend) asks the
 * fake Web API's apps.connections.open for a URL, connects to a local WebSocket server, receives a
 * slash_commands envelope, runs the command and acks it with the envelope_id.
 */
class SlackSocketModeTest {
  static final String APP_TOKEN = "xapp-1-A0ROTATOR-socketSEED";

  FakeSlackApi api;
  Envelopes ws;
  InMemoryStateStore store;
  List<AuditEntry> audit;
  SlackSocketMode socket;
  RotatorCommands commands;
  /** The plan blocks until released: the ack must not wait for it. */
  final CountDownLatch planRelease = new CountDownLatch(1);

  /** A Slack-like Socket Mode server: says hello on connect, records what the client sends. */
  static final class Envelopes extends WebSocketServer {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch connected = new CountDownLatch(1);
    volatile WebSocket client;

    Envelopes() {
      super(new InetSocketAddress("127.0.0.1", 0));
      setReuseAddr(true);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
      client = conn;
      conn.send("{\"type\":\"hello\",\"num_connections\":1,\"debug_info\":{\"host\":\"local\"},\"connection_info\":{\"app_id\":\"A0ROTATOR\"}}");
      connected.countDown();
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {}

    @Override
    public void onMessage(WebSocket conn, String message) {
      received.add(message);
    }

    @Override
    public void onError(WebSocket conn, Exception ex) {}

    @Override
    public void onStart() {
      started.countDown();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    ws = new Envelopes();
    ws.start();
    assertTrue(ws.started.await(5, TimeUnit.SECONDS), "websocket server started");
    api = new FakeSlackApi();
    api.always("apps.connections.open", c ->
        FakeSlackApi.Answer.ok("{\"ok\":true,\"url\":\"ws://127.0.0.1:" + ws.getPort() + "/link\"}"));
    ManualClock clock = new ManualClock();
    store = new InMemoryStateStore(clock);
    audit = new CopyOnWriteArrayList<>();
    Slack slack = SlackApps.slack(Optional.of(api.url()), Duration.ofSeconds(2));
    commands =
        new RotatorCommands(
            new StateStoreBackend(store, () -> {
              try {
                return planRelease.await(10, TimeUnit.SECONDS) ? "plan" : "never released";
              } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted", e);
              }
            }, null),
            new CommandPolicy(Set.of("T0ACME"), Set.of("C0OPS"), Set.of("U0ALICE"), Set.of(), Set.of(), Set.of()),
            g -> Set.of(), audit::add, clock, "/rotator");
    socket = new SlackSocketMode(SlackApps.socketApp(slack, commands), Secret.of(APP_TOKEN, "test"));
  }

  @AfterEach
  void tearDown() throws Exception {
    planRelease.countDown();
    socket.close();
    commands.close();
    ws.stop(1000);
    api.close();
  }

  static String envelope(String id, String user, String text) {
    return envelope(id, user, text, "http://127.0.0.1:9/r");
  }

  static String envelope(String id, String user, String text, String responseUrl) {
    return "{\"envelope_id\":\"" + id + "\",\"type\":\"slash_commands\",\"accepts_response_payload\":true,"
        + "\"payload\":{\"token\":\"legacy\",\"team_id\":\"T0ACME\",\"team_domain\":\"acme\",\"channel_id\":\"C0OPS\","
        + "\"channel_name\":\"ops\",\"user_id\":\"" + user + "\",\"user_name\":\"someone\",\"command\":\"/rotator\","
        + "\"text\":\"" + text + "\",\"api_app_id\":\"A0ROTATOR\",\"response_url\":\"" + responseUrl + "\","
        + "\"trigger_id\":\"1.2.3\"}}";
  }

  JsonObject ackFor(String envelopeId) throws InterruptedException {
    for (int i = 0; i < 10; i++) {
      String m = ws.received.poll(1, TimeUnit.SECONDS);
      if (m == null) {
        continue;
      }
      JsonObject o = JsonParser.parseString(m).getAsJsonObject();
      if (o.has("envelope_id") && o.get("envelope_id").getAsString().equals(envelopeId)) {
        return o;
      }
    }
    return null;
  }

  @Test
  @DisplayName("a slash command over Socket Mode takes effect on the store and is acked with its envelope_id")
  void commandOverSocketMode() throws Exception {
    socket.start();
    FakeSlackApi.Call open = api.next();
    assertEquals("apps.connections.open", open.method());
    assertEquals("Bearer " + APP_TOKEN, open.authorization(), "the app-level token opens the connection");
    assertTrue(ws.connected.await(5, TimeUnit.SECONDS), "client connected to the local WebSocket server");
    ws.client.send(envelope("env-1", "U0ALICE", "freeze from socket mode"));
    JsonObject ack = ackFor("env-1");
    assertNotNull(ack, "ack with envelope_id env-1");
    assertTrue(ack.getAsJsonObject("payload").get("text").getAsString().contains("froze rotation"), ack.toString());
    assertEquals(Mode.FREEZE, store.mode().mode());
    assertEquals("slack:U0ALICE", store.mode().by());
    assertEquals("from socket mode", store.mode().message(), "the reason is the text after the subcommand");
  }

  @Test
  @DisplayName("over Socket Mode too, an unauthorized user is refused (ephemeral, acked) and nothing changes")
  void refusedOverSocketMode() throws Exception {
    socket.start();
    assertTrue(ws.connected.await(5, TimeUnit.SECONDS));
    ws.client.send(envelope("env-2", "U0MALLORY", "freeze nope"));
    JsonObject ack = ackFor("env-2");
    assertNotNull(ack);
    assertEquals("ephemeral", ack.getAsJsonObject("payload").get("response_type").getAsString());
    assertEquals(Mode.ROTATE, store.mode().mode());
    assertEquals(0, store.history().size());
    assertEquals(AuditEntry.Outcome.REFUSED, audit.get(0).outcome());
  }

  @Test
  @DisplayName("plan over Socket Mode is acked while the plan is still blocked, and the plan is then posted to the response_url")
  void planOverSocketMode() throws Exception {
    socket.start();
    assertTrue(ws.connected.await(5, TimeUnit.SECONDS));
    ws.client.send(envelope("env-3", "U0ALICE", "plan", api.responseUrl("sock-1")));
    JsonObject ack = ackFor("env-3");
    assertNotNull(ack, "ack with envelope_id env-3");
    assertTrue(ack.getAsJsonObject("payload").get("text").getAsString().contains("working on the plan"), ack.toString());
    assertEquals(0, api.postedWaiting(), "acked while the plan is still blocked");
    planRelease.countDown();
    FakeSlackApi.Posted p = api.nextPosted();
    assertEquals("sock-1", p.id());
    assertEquals("plan", p.text());
    assertEquals("ephemeral", p.responseType());
  }

  @Test
  @DisplayName("apps.connections.open failing is a clear start error that never shows the app token")
  void startFails() throws Exception {
    api.always("apps.connections.open", c -> FakeSlackApi.Answer.ok("{\"ok\":false,\"error\":\"invalid_auth\"}"));
    SlackSocketMode.SlackStartException e =
        org.junit.jupiter.api.Assertions.assertThrows(SlackSocketMode.SlackStartException.class, socket::start);
    assertTrue(e.getMessage().contains("Socket Mode"), e.getMessage());
    assertTrue(!e.getMessage().contains(APP_TOKEN), e.getMessage());
  }
}
