package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.slack.api.app_backend.SlackSignature;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.SlackSettings;
import dev.rotator.core.SystemClock;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import dev.rotator.slack.AuditEntry;
import dev.rotator.slack.SlackHttpEndpoint;
import dev.rotator.slack.SlackRuntime;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Hostile input to {@code /rotator} in HTTP mode, through the production wiring: the {@code slack:} section of a
 * rotator.yaml parsed by the config loader, {@link SlackRuntime#start} (Bolt app, {@code SlackRequestVerifier},
 * {@code RotatorCommands} over the StateStore), its handler served on loopback, requests sent over HTTP and
 * signed as Slack signs them (Slack SDK's own generator, wall-clock timestamps). Every hostile request must be
 * refused and leave the persisted mode and its history exactly as they were; an invariant violation is any
 * state change. A correctly signed freeze by an allowed user is the positive control: it must freeze.
 */
@Order(5)
class SlackHostileInputTest {
  static final String SECRET = "reliability-signing-3c9e1f07a2";
  static final String TEAM = "T0ACME";
  static final String CHANNEL = "C0OPS";
  static final String ALICE = "U0ALICE"; // may freeze, not resume
  static final String ROOT = "U0ROOT"; // may resume (and so freeze)
  static final String MALLORY = "U0MALLORY"; // nobody
  private static final String AREA = "slack";
  private static final Results RESULTS = new Results("slack");
  private static final AtomicLong TRIGGER = new AtomicLong();
  /**
   * A signed form with broken percent-escapes: Bolt's parser throws in SlackHttpEndpoint (outside its try), so the
   * JDK server drops the connection without an answer. Nothing changes, but a 400 would be better (reported).
   */
  static final String GARBAGE_BROKEN = "rejected (400)"; // Bolt cannot decode it: the endpoint answers 400
  static final String GARBAGE_CONTROL = "refused (not allowed)"; // "T0ACME\u0000" is not the workspace
  static final String GARBAGE_JSON = "rejected (400)"; // Bolt: not a form

  static final String SLACK_CONFIG = """
      slack:
        enabled: true
        signingSecretEnv: RELIABILITY_SLACK_SIGNING
        alerts: {enabled: false}
        commands:
          enabled: true
          mode: http
          command: /rotator
          teams: [%s]
          channels: [%s]
          freeze: {users: [%s]}
          resume: {users: [%s]}
      """.formatted(TEAM, CHANNEL, ALICE, ROOT);

  private static InMemoryStateStore store;
  private static SlackRuntime runtime;
  private static HttpServer server;
  private static String url;
  private static HttpClient http;
  private static final List<AuditEntry> AUDIT = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    SlackSettings settings = ConfigLoader.parse(HostileInputTest.BASE_CONFIG + SLACK_CONFIG, "slack.yaml").slack();
    store = new InMemoryStateStore(new ManualClock());
    runtime = SlackRuntime.start(settings, name -> name.equals("RELIABILITY_SLACK_SIGNING") ? SECRET : null,
        SystemClock.INSTANCE, store, () -> "nothing to rotate", AUDIT::add);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(SlackHttpEndpoint.PATH, runtime.httpHandler().orElseThrow());
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + SlackHttpEndpoint.PATH;
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop(0);
    }
    if (runtime != null) {
      runtime.close();
    }
    RESULTS.write();
  }

  // ---- requests -----------------------------------------------------------------------------------------------

  static String commandBody(String user, String team, String channel, String text) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("token", "legacy-verification-token");
    f.put("team_id", team);
    f.put("team_domain", "acme");
    f.put("channel_id", channel);
    f.put("channel_name", "ops");
    f.put("user_id", user);
    f.put("user_name", "user-" + user);
    f.put("command", "/rotator");
    f.put("text", text);
    f.put("api_app_id", "A0ROTATOR");
    f.put("response_url", "http://127.0.0.1:9/response");
    f.put("trigger_id", "123.456." + TRIGGER.incrementAndGet());
    return f.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  static String sign(String secret, long ts, String body) {
    return new SlackSignature.Generator(secret).generate(Long.toString(ts), body);
  }

  static long now() {
    return SystemClock.INSTANCE.now().getEpochSecond();
  }

  record Sent(int status, String body) {}

  static Sent post(byte[] body, String signature, String timestamp) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (signature != null) {
      b.header("X-Slack-Signature", signature);
    }
    if (timestamp != null) {
      b.header("X-Slack-Request-Timestamp", timestamp);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Sent(r.statusCode(), r.body());
    } catch (java.io.IOException e) {
      // The endpoint closed the connection without an answer: recorded as such, never hidden.
      return new Sent(-1, String.valueOf(e.getMessage()));
    }
  }

  static Sent post(String body, String signature, String timestamp) throws Exception {
    return post(body.getBytes(StandardCharsets.UTF_8), signature, timestamp);
  }

  /** Signed now with the right secret, as Slack would send it. */
  static Sent signed(String body) throws Exception {
    long ts = now();
    return post(body, sign(SECRET, ts, body), Long.toString(ts));
  }

  static Sent command(String user, String team, String channel, String text) throws Exception {
    return signed(commandBody(user, team, channel, text));
  }

  static String outcome(Sent r) {
    if (r.status() == 200 && r.body().isEmpty()) {
      return "answered as ssl_check (200, empty)";
    }
    if (r.status() == 200 && r.body().contains("\"response_type\":\"ephemeral\"")
        && (r.body().contains(":no_entry:") || r.body().contains(":warning:"))) {
      return "refused (not allowed)";
    }
    if (r.status() == -1) {
      return "connection closed, no answer";
    }
    if (r.status() >= 400) {
      return "rejected (" + r.status() + ")";
    }
    return "answered " + r.status() + ": " + r.body();
  }

  @FunctionalInterface
  interface Hostile {
    Sent send() throws Exception;
  }

  /** Puts the store in {@code mode} directly (as the CLI would), then sends; returns the outcome. */
  static void expectNoChange(String kind, Mode mode, String expected, Hostile request) throws Exception {
    if (mode == Mode.FREEZE && !store.mode().frozen()) {
      store.freeze("MANUAL", "set up by the reliability suite", List.of(), "cli:reliability");
    } else if (mode == Mode.ROTATE && store.mode().frozen()) {
      store.resume("cli:reliability");
    }
    ModeState before = store.mode();
    int history = store.history().size();
    Sent r = request.send();
    ModeState after = store.mode();
    boolean changed = !after.equals(before) || store.history().size() != history;
    String outcome = outcome(r);
    RESULTS.add(AREA, kind, outcome, changed ? 1 : 0);
    assertEquals(before, after, kind + ": the mode changed; response " + r);
    assertEquals(history, store.history().size(), kind + ": the history changed; response " + r);
    assertEquals(expected, outcome, kind + ": " + r);
  }

  // ---- cases --------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a request without X-Slack-Signature, X-Slack-Request-Timestamp or both is 401 and changes nothing")
  void missingHeaders() throws Exception {
    String kind = "missing signature headers";
    String body = commandBody(ALICE, TEAM, CHANNEL, "freeze missing headers");
    long ts = now();
    String sig = sign(SECRET, ts, body);
    expectNoChange(kind, Mode.ROTATE, "rejected (401)", () -> post(body, null, Long.toString(ts)));
    expectNoChange(kind, Mode.ROTATE, "rejected (401)", () -> post(body, sig, null));
    expectNoChange(kind, Mode.ROTATE, "rejected (401)", () -> post(body, null, null));
  }

  @Test
  @DisplayName("a signature made with another secret, or over another body, is 401 and changes nothing")
  void badSignature() throws Exception {
    String kind = "bad signature";
    String resume = commandBody(ROOT, TEAM, CHANNEL, "resume");
    long ts = now();
    expectNoChange(kind, Mode.FREEZE, "rejected (401)",
        () -> post(resume, sign("another-secret-0000000", ts, resume), Long.toString(ts)));
    String status = commandBody(ALICE, TEAM, CHANNEL, "status");
    expectNoChange(kind, Mode.FREEZE, "rejected (401)",
        () -> post(commandBody(ROOT, TEAM, CHANNEL, "resume"), sign(SECRET, ts, status), Long.toString(ts)));
  }

  @Test
  @DisplayName("a correctly signed request with a timestamp 6 minutes old is 401 and changes nothing")
  void staleTimestamp() throws Exception {
    String body = commandBody(ALICE, TEAM, CHANNEL, "freeze stale");
    long ts = now() - 360;
    expectNoChange("timestamp 6 min old", Mode.ROTATE, "rejected (401)",
        () -> post(body, sign(SECRET, ts, body), Long.toString(ts)));
  }

  @Test
  @DisplayName("a correctly signed request with a timestamp 6 minutes in the future is 401 and changes nothing")
  void futureTimestamp() throws Exception {
    String body = commandBody(ALICE, TEAM, CHANNEL, "freeze future");
    long ts = now() + 360;
    expectNoChange("timestamp 6 min in the future", Mode.ROTATE, "rejected (401)",
        () -> post(body, sign(SECRET, ts, body), Long.toString(ts)));
  }

  @Test
  @DisplayName("replaying a freeze that was accepted, after a resume, is 401 and does not freeze again")
  void replay() throws Exception {
    store.resume("cli:reliability");
    String body = commandBody(ALICE, TEAM, CHANNEL, "freeze first time");
    long ts = now();
    String sig = sign(SECRET, ts, body);
    assertEquals(200, post(body, sig, Long.toString(ts)).status());
    assertEquals(Mode.FREEZE, store.mode().mode(), "the original request froze");
    expectNoChange("replayed request", Mode.ROTATE, "rejected (401)", () -> post(body, sig, Long.toString(ts)));
  }

  @Test
  @DisplayName("commands from another workspace are refused, even from a user allowed to resume")
  void wrongTeam() throws Exception {
    expectNoChange("wrong team", Mode.FREEZE, "refused (not allowed)", () -> command(ROOT, "T0OTHER", CHANNEL, "resume"));
    expectNoChange("wrong team", Mode.ROTATE, "refused (not allowed)",
        () -> command(ALICE, "T0OTHER", CHANNEL, "freeze other team"));
  }

  @Test
  @DisplayName("commands from another channel are refused, even from a user allowed to resume")
  void wrongChannel() throws Exception {
    expectNoChange("wrong channel", Mode.FREEZE, "refused (not allowed)", () -> command(ROOT, TEAM, "C0RANDOM", "resume"));
    expectNoChange("wrong channel", Mode.ROTATE, "refused (not allowed)",
        () -> command(ALICE, TEAM, "C0RANDOM", "freeze other channel"));
  }

  @Test
  @DisplayName("a user in no allow-list cannot freeze or resume")
  void userNotAllowed() throws Exception {
    expectNoChange("user not allowed to freeze", Mode.ROTATE, "refused (not allowed)",
        () -> command(MALLORY, TEAM, CHANNEL, "freeze because I can"));
    expectNoChange("user not allowed to freeze", Mode.FREEZE, "refused (not allowed)",
        () -> command(MALLORY, TEAM, CHANNEL, "resume"));
  }

  @Test
  @DisplayName("a user allowed to freeze but not to resume cannot resume")
  void freezeOnlyCannotResume() throws Exception {
    expectNoChange("user allowed to freeze but not to resume", Mode.FREEZE, "refused (not allowed)",
        () -> command(ALICE, TEAM, CHANNEL, "resume"));
  }

  @Test
  @DisplayName("an unsigned command carrying ssl_check is answered as an ssl_check and never runs")
  void sslCheckWithCommand() throws Exception {
    String kind = "ssl_check with a command body";
    expectNoChange(kind, Mode.FREEZE, "answered as ssl_check (200, empty)",
        () -> post("ssl_check=1&" + commandBody(ROOT, TEAM, CHANNEL, "resume"), null, null));
    expectNoChange(kind, Mode.ROTATE, "answered as ssl_check (200, empty)",
        () -> post(commandBody(ALICE, TEAM, CHANNEL, "freeze via ssl_check") + "&ssl_check=1", null, null));
  }

  @Test
  @DisplayName("a correctly signed body over 64 KiB is 413 before anything reads it")
  void oversized() throws Exception {
    String body = commandBody(ALICE, TEAM, CHANNEL, "freeze " + "x".repeat(70 * 1024));
    expectNoChange("oversized body", Mode.ROTATE, "rejected (413)", () -> signed(body));
  }

  @Test
  @DisplayName("garbage form encoding (broken percent-escapes, control bytes, JSON), unsigned or correctly signed, changes nothing")
  void garbageForm() throws Exception {
    String kind = "garbage form encoding";
    String broken = "team_id=" + TEAM + "&channel_id=" + CHANNEL + "&user_id=" + ALICE
        + "&command=%2Frotator&text=freeze%ZZ%&%%%=&trigger_id=1.2.%G0";
    String control = "team_id=" + TEAM + "\u0000&channel_id=" + CHANNEL + "\u0001\u00ff&user_id=" + ALICE
        + "&command=/rotator&text=freeze\u0000x&&&=&";
    String json = "{\"team_id\":\"" + TEAM + "\",\"channel_id\":\"" + CHANNEL + "\",\"user_id\":\"" + ALICE
        + "\",\"command\":\"/rotator\",\"text\":\"freeze json\"}";
    expectNoChange(kind, Mode.ROTATE, "rejected (401)", () -> post(broken, null, null));
    expectNoChange(kind, Mode.ROTATE, GARBAGE_BROKEN, () -> signed(broken));
    expectNoChange(kind, Mode.ROTATE, GARBAGE_CONTROL, () -> signed(control));
    expectNoChange(kind, Mode.ROTATE, GARBAGE_JSON, () -> signed(json));
  }

  @Test
  @DisplayName("positive control: a correctly signed freeze by an allowed user does freeze (MANUAL, by slack:<user>)")
  void control() throws Exception {
    store.resume("cli:reliability");
    int history = store.history().size();
    Sent r = command(ALICE, TEAM, CHANNEL, "freeze reliability control");
    ModeState m = store.mode();
    boolean froze = m.mode() == Mode.FREEZE && "MANUAL".equals(m.reason()) && ("slack:" + ALICE).equals(m.by())
        && store.history().size() == history + 1;
    RESULTS.add(AREA, "correctly signed freeze by an allowed user (control)",
        froze ? "froze MANUAL (control)" : "did not freeze: " + outcome(r), 0);
    assertEquals(200, r.status(), r.body());
    assertTrue(froze, "the control must freeze: " + m + " " + r);
    assertEquals("reliability control", m.message());
  }
}
