package dev.rotator.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.slack.api.Slack;
import com.slack.api.bolt.App;
import dev.rotator.core.SystemClock;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Signed requests through the real Bolt app on a loopback HTTP server, with the effect observed on an
 * in-memory StateStore. Timestamps are wall time (Bolt's own check reads the system clock).
 */
class SlackHttpEndpointTest {
  static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String TEAM = "T0ACME";
  static final String CHANNEL = "C0OPS";
  static final String ALICE = "U0ALICE"; // may freeze (user list)
  static final String ROOT = "U0ROOT"; // may resume
  static final String CAROL = "U0CAROL"; // member of the freezers group
  static final String MALLORY = "U0MALLORY"; // nobody

  FakeSlackApi api;
  ManualClock storeClock;
  InMemoryStateStore store;
  List<AuditEntry> audit;
  List<ModeState> announced;
  SlackHttpEndpoint endpoint;
  SlackRequestVerifier verifier;
  RotatorCommands commands;
  SlackGroupDirectory groups;
  ManualClock groupClock;
  String url;
  HttpClient http;

  @BeforeEach
  void setUp() throws IOException {
    api = new FakeSlackApi();
    api.always("usergroups.users.list", c ->
        c.param("usergroup").equals("S0FREEZERS")
            ? FakeSlackApi.Answer.ok("{\"ok\":true,\"users\":[\"" + CAROL + "\"]}")
            : FakeSlackApi.Answer.ok("{\"ok\":false,\"error\":\"no_such_subteam\"}"));
    storeClock = new ManualClock();
    store = new InMemoryStateStore(storeClock);
    audit = new CopyOnWriteArrayList<>();
    announced = new CopyOnWriteArrayList<>();
    Slack slack = SlackApps.slack(Optional.of(api.url()), Duration.ofSeconds(2));
    groupClock = new ManualClock();
    groups = new SlackGroupDirectory(slack.methods("xoxb-test-groups"), groupClock, Duration.ofMinutes(5));
    CommandPolicy policy =
        new CommandPolicy(Set.of(TEAM), Set.of(CHANNEL), Set.of(ALICE), Set.of("S0FREEZERS"), Set.of(ROOT), Set.of());
    commands =
        new RotatorCommands(
            new StateStoreBackend(store, () -> "would rotate node-a, node-b", announced::add), policy, groups,
            audit::add, storeClock, "/rotator");
    Secret secret = Secret.of(SECRET, "test");
    App app = SlackApps.httpApp(slack, secret, commands);
    verifier = new SlackRequestVerifier(secret, SystemClock.INSTANCE, 1000);
    endpoint = new SlackHttpEndpoint(app, verifier);
    InetSocketAddress at = endpoint.start("127.0.0.1", 0);
    url = "http://127.0.0.1:" + at.getPort() + SlackHttpEndpoint.PATH;
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void tearDown() {
    endpoint.close();
    commands.close();
    api.close();
  }

  HttpResponse<String> post(String body, String signature, String timestamp) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (signature != null) {
      b.header("X-Slack-Signature", signature);
    }
    if (timestamp != null) {
      b.header("X-Slack-Request-Timestamp", timestamp);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static long now() {
    return SystemClock.INSTANCE.now().getEpochSecond();
  }

  HttpResponse<String> command(String user, String team, String channel, String text) throws Exception {
    String body = Signed.commandBody(user, team, channel, text);
    long ts = now();
    return post(body, Signed.signature(SECRET, ts, body), Long.toString(ts));
  }

  void freezeDirectly() {
    store.freeze("MANUAL", "set up by the test", List.of(), "cli:test");
  }

  @Test
  @DisplayName("a valid signed freeze from an allowed user freezes the store with by=slack:<user>, answers in the channel and is audited")
  void validFreeze() throws Exception {
    HttpResponse<String> r = command(ALICE, TEAM, CHANNEL, "freeze db migration tonight");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"response_type\":\"in_channel\""), r.body());
    ModeState m = store.mode();
    assertEquals(Mode.FREEZE, m.mode());
    assertEquals("MANUAL", m.reason());
    assertEquals("db migration tonight", m.message());
    assertEquals("slack:" + ALICE, m.by());
    assertEquals(1, store.history().size());
    assertEquals(1, audit.size());
    AuditEntry a = audit.get(0);
    assertEquals(ALICE, a.userId());
    assertEquals(TEAM, a.teamId());
    assertEquals(CHANNEL, a.channelId());
    assertEquals("freeze", a.command());
    assertEquals(AuditEntry.Outcome.OK, a.outcome());
    assertEquals(1, announced.size(), "the channel is told through the notifier hook");
  }

  @Test
  @DisplayName("a user allowed to resume resumes; the store's history records slack:<user>")
  void validResume() throws Exception {
    freezeDirectly();
    HttpResponse<String> r = command(ROOT, TEAM, CHANNEL, "resume");
    assertEquals(200, r.statusCode());
    assertEquals(Mode.ROTATE, store.mode().mode());
    assertEquals("slack:" + ROOT, store.history().get(1).by());
  }

  @Test
  @DisplayName("status and plan answer only to the user (ephemeral); the plan follows through the response_url")
  void statusAndPlan() throws Exception {
    freezeDirectly();
    HttpResponse<String> s = command(ALICE, TEAM, CHANNEL, "status");
    assertTrue(s.body().contains("ephemeral") && s.body().contains("FREEZE") && s.body().contains("set up by the test"), s.body());
    String body = Signed.commandBody(ALICE, TEAM, CHANNEL, "plan", api.responseUrl("plan-1"));
    long ts = now();
    HttpResponse<String> p = post(body, Signed.signature(SECRET, ts, body), Long.toString(ts));
    assertTrue(p.body().contains("ephemeral") && Signed.text(p.body()).contains("working on the plan"), p.body());
    FakeSlackApi.Posted later = api.nextPosted();
    assertEquals("plan-1", later.id());
    assertEquals("would rotate node-a, node-b", later.text());
    assertEquals("ephemeral", later.responseType());
    HttpResponse<String> h = command(MALLORY, TEAM, CHANNEL, "");
    assertTrue(Signed.text(h.body()).contains("/rotator freeze &lt;reason&gt;"), h.body());
  }

  @Test
  @DisplayName("a member of an allowed user group may freeze; membership is cached for the TTL, then looked up again")
  void groupMember() throws Exception {
    command(CAROL, TEAM, CHANNEL, "freeze by group member");
    assertEquals("slack:" + CAROL, store.mode().by());
    store.resume("test");
    command(CAROL, TEAM, CHANNEL, "status");
    assertEquals(1, groups.lookups(), "second command used the cache");
    groupClock.advance(Duration.ofMinutes(6));
    command(CAROL, TEAM, CHANNEL, "status");
    assertEquals(2, groups.lookups(), "looked up again after the TTL");
  }

  void assertRefusedNoChange(HttpResponse<String> r, Mode before, int historyBefore) {
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"response_type\":\"ephemeral\""), r.body());
    assertTrue(r.body().contains(":no_entry:") || r.body().contains(":warning:"), r.body());
    assertEquals(before, store.mode().mode());
    assertEquals(historyBefore, store.history().size(), "no state change");
  }

  @Test
  @DisplayName("an unknown user cannot freeze: ephemeral refusal, no state change, audited as refused")
  void unauthorizedUser() throws Exception {
    assertRefusedNoChange(command(MALLORY, TEAM, CHANNEL, "freeze because"), Mode.ROTATE, 0);
    assertEquals(AuditEntry.Outcome.REFUSED, audit.get(0).outcome());
    assertEquals(MALLORY, audit.get(0).userId());
    assertRefusedNoChange(command(MALLORY, TEAM, CHANNEL, "status"), Mode.ROTATE, 0);
  }

  @Test
  @DisplayName("a user allowed to freeze but not to resume cannot resume")
  void freezeOnlyCannotResume() throws Exception {
    freezeDirectly();
    assertRefusedNoChange(command(ALICE, TEAM, CHANNEL, "resume"), Mode.FREEZE, 1);
    assertRefusedNoChange(command(CAROL, TEAM, CHANNEL, "resume"), Mode.FREEZE, 1);
  }

  @Test
  @DisplayName("commands from another workspace or another channel are refused, even from allowed users")
  void wrongTeamOrChannel() throws Exception {
    freezeDirectly();
    assertRefusedNoChange(command(ROOT, "T0OTHER", CHANNEL, "resume"), Mode.FREEZE, 1);
    assertRefusedNoChange(command(ROOT, TEAM, "C0RANDOM", "resume"), Mode.FREEZE, 1);
    assertEquals(2, audit.size());
    assertTrue(audit.stream().allMatch(a -> a.outcome() == AuditEntry.Outcome.REFUSED));
  }

  @Test
  @DisplayName("a user-group lookup that fails refuses the command (fails closed)")
  void groupLookupFails() throws Exception {
    api.script("usergroups.users.list", FakeSlackApi.Answer.ok("{\"ok\":false,\"error\":\"missing_scope\"}"));
    assertRefusedNoChange(command(CAROL, TEAM, CHANNEL, "freeze x"), Mode.ROTATE, 0);
    assertEquals(AuditEntry.Outcome.FAILED, audit.get(0).outcome());
  }

  @Test
  @DisplayName("freeze without a reason is refused")
  void freezeNeedsReason() throws Exception {
    assertRefusedNoChange(command(ALICE, TEAM, CHANNEL, "freeze   "), Mode.ROTATE, 0);
  }

  @Test
  @DisplayName("a bad signature is 401 and changes nothing")
  void badSignature() throws Exception {
    freezeDirectly();
    String body = Signed.commandBody(ROOT, TEAM, CHANNEL, "resume");
    long ts = now();
    HttpResponse<String> r = post(body, Signed.signature("another-secret-0000000", ts, body), Long.toString(ts));
    assertEquals(401, r.statusCode());
    assertEquals(Mode.FREEZE, store.mode().mode());
    assertEquals(1, store.history().size());
    assertTrue(audit.isEmpty(), "nothing reached the handler");
  }

  @Test
  @DisplayName("a body changed after signing is 401")
  void tamperedBody() throws Exception {
    freezeDirectly();
    String body = Signed.commandBody(ALICE, TEAM, CHANNEL, "status");
    long ts = now();
    String sig = Signed.signature(SECRET, ts, body);
    HttpResponse<String> r = post(Signed.commandBody(ROOT, TEAM, CHANNEL, "resume"), sig, Long.toString(ts));
    assertEquals(401, r.statusCode());
    assertEquals(Mode.FREEZE, store.mode().mode());
  }

  @Test
  @DisplayName("missing signature or timestamp headers are 401")
  void missingHeaders() throws Exception {
    String body = Signed.commandBody(ALICE, TEAM, CHANNEL, "freeze x");
    long ts = now();
    assertEquals(401, post(body, null, Long.toString(ts)).statusCode());
    assertEquals(401, post(body, Signed.signature(SECRET, ts, body), null).statusCode());
    assertEquals(401, post(body, null, null).statusCode());
    assertEquals(401, post(body, Signed.signature(SECRET, ts, body), "yesterday").statusCode());
    assertEquals(Mode.ROTATE, store.mode().mode());
    assertTrue(audit.isEmpty());
  }

  @Test
  @DisplayName("a correctly signed request with a timestamp 6 minutes old is 401")
  void staleTimestamp() throws Exception {
    String body = Signed.commandBody(ALICE, TEAM, CHANNEL, "freeze x");
    long ts = now() - 360;
    assertEquals(401, post(body, Signed.signature(SECRET, ts, body), Long.toString(ts)).statusCode());
    assertEquals(Mode.ROTATE, store.mode().mode());
  }

  @Test
  @DisplayName("a correctly signed request with a timestamp 6 minutes in the future is 401 (Bolt alone would accept it)")
  void futureTimestamp() throws Exception {
    String body = Signed.commandBody(ALICE, TEAM, CHANNEL, "freeze x");
    long ts = now() + 360;
    assertEquals(401, post(body, Signed.signature(SECRET, ts, body), Long.toString(ts)).statusCode());
    assertEquals(Mode.ROTATE, store.mode().mode());
  }

  @Test
  @DisplayName("replaying a valid request within the window is 401 and does not act again")
  void replay() throws Exception {
    String body = Signed.commandBody(ALICE, TEAM, CHANNEL, "freeze first");
    long ts = now();
    String sig = Signed.signature(SECRET, ts, body);
    assertEquals(200, post(body, sig, Long.toString(ts)).statusCode());
    assertEquals(Mode.FREEZE, store.mode().mode());
    command(ROOT, TEAM, CHANNEL, "resume");
    assertEquals(Mode.ROTATE, store.mode().mode());
    HttpResponse<String> again = post(body, sig, Long.toString(ts));
    assertEquals(401, again.statusCode());
    assertEquals(Mode.ROTATE, store.mode().mode(), "the replayed freeze did nothing");
    assertEquals(2, store.history().size());
  }

  @Test
  @DisplayName("Slack's unsigned ssl_check gets 200 with an empty body, touching no state, replay cache or audit")
  void sslCheck() throws Exception {
    HttpResponse<String> r = post("ssl_check=1&token=legacy-verification-token", null, null);
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
    assertEquals(0, verifier.remembered(), "the replay cache is untouched");
    assertTrue(audit.isEmpty(), "not audited");
    assertFalse(store.mode().frozen());
    assertEquals(0, store.history().size());
    assertTrue(api.all().isEmpty(), "no Slack call (no group lookup)");
  }

  @Test
  @DisplayName("a command carrying ssl_check is answered as an ssl_check and never handled; without it, unsigned is still 401")
  void sslCheckDoesNotRelaxSignatures() throws Exception {
    freezeDirectly();
    String resume = Signed.commandBody(ROOT, TEAM, CHANNEL, "resume");
    HttpResponse<String> r = post("ssl_check=1&" + resume, null, null);
    assertEquals(200, r.statusCode());
    assertEquals("", r.body(), "no command answer");
    assertEquals(Mode.FREEZE, store.mode().mode(), "the unsigned resume did nothing");
    assertEquals(1, store.history().size());
    assertTrue(audit.isEmpty());
    // ssl_check inside a command's text is just text: the request needs its signature as always.
    String inText = Signed.commandBody(ROOT, TEAM, CHANNEL, "resume ssl_check=1&ssl_check=1");
    assertEquals(401, post(inText, null, null).statusCode());
    assertEquals(401, post(resume + "&ssl_check%3D1", null, null).statusCode(), "an encoded '=' is not a field");
    assertEquals(Mode.FREEZE, store.mode().mode());
    assertTrue(audit.isEmpty());
  }

  @Test
  @DisplayName("only POST is served")
  void onlyPost() throws Exception {
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, r.statusCode());
    assertFalse(store.mode().frozen());
  }
}
