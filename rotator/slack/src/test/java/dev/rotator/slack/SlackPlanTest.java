package dev.rotator.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.slack.api.Slack;
import com.slack.api.bolt.App;
import dev.rotator.core.SystemClock;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.ModeState;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code /rotator plan} in HTTP mode: acknowledged at once, computed on the bounded plan worker, answered
 * through the request's response_url (served by {@link FakeSlackApi}), with the real Bolt app on loopback.
 * The plan is a backend blocked on a latch, never a sleep; the 3-second bound is the HTTP client's timeout
 * for the acknowledgement, which a synchronous plan (still blocked) could not meet.
 */
class SlackPlanTest {
  static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String TEAM = "T0ACME";
  static final String CHANNEL = "C0OPS";
  static final String ALICE = "U0ALICE";
  static final String MALLORY = "U0MALLORY";
  static final Duration SLACK_ACK_LIMIT = Duration.ofSeconds(3);

  /** A plan that blocks until {@link #release} (or fails, when told to), and says when it starts. */
  static final class SlowBackend implements CommandBackend {
    final CountDownLatch release = new CountDownLatch(1);
    final BlockingQueue<Integer> started = new LinkedBlockingQueue<>();
    final CountDownLatch interrupted = new CountDownLatch(1);
    final AtomicInteger plans = new AtomicInteger();
    volatile RuntimeException failWith;
    volatile String answer;

    @Override
    public String plan() {
      int n = plans.incrementAndGet();
      started.add(n);
      if (failWith != null) {
        throw failWith;
      }
      try {
        if (!release.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("test never released plan " + n);
        }
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw new IllegalStateException("plan " + n + " interrupted");
      }
      return answer != null ? answer : "plan " + n + ": would rotate node-a, node-b";
    }

    @Override
    public String status() {
      return "ROTATE";
    }

    @Override
    public ModeState freeze(String reason, String by) {
      throw new UnsupportedOperationException("not in this test");
    }

    @Override
    public ModeState resume(String by) {
      throw new UnsupportedOperationException("not in this test");
    }
  }

  FakeSlackApi api;
  SlowBackend backend;
  BlockingQueue<AuditEntry> audit;
  RotatorCommands commands;
  SlackHttpEndpoint endpoint;
  String url;
  HttpClient http;
  int responses;

  void start(RotatorCommands.Limits limits) throws Exception {
    api = new FakeSlackApi();
    backend = new SlowBackend();
    audit = new LinkedBlockingQueue<>();
    Slack slack = SlackApps.slack(Optional.of(api.url()), Duration.ofSeconds(2));
    CommandPolicy policy = new CommandPolicy(Set.of(TEAM), Set.of(CHANNEL), Set.of(ALICE), Set.of(), Set.of(), Set.of());
    commands = new RotatorCommands(backend, policy, g -> Set.of(), audit::add, new ManualClock(), "/rotator", limits);
    Secret secret = Secret.of(SECRET, "test");
    App app = SlackApps.httpApp(slack, secret, commands);
    endpoint = new SlackHttpEndpoint(app, new SlackRequestVerifier(secret, SystemClock.INSTANCE, 1000));
    InetSocketAddress at = endpoint.start("127.0.0.1", 0);
    url = "http://127.0.0.1:" + at.getPort() + SlackHttpEndpoint.PATH;
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void tearDown() {
    if (backend != null) {
      backend.release.countDown();
    }
    if (endpoint != null) {
      endpoint.close();
    }
    if (commands != null) {
      commands.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /** A signed command whose response_url is {@code /response/<id>} on the fake; the answer must come within 3 s. */
  HttpResponse<String> command(String user, String channel, String text, String responseId) throws Exception {
    String body = Signed.commandBody(user, TEAM, channel, text, responseId == null ? "" : api.responseUrl(responseId));
    long ts = SystemClock.INSTANCE.now().getEpochSecond();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(url)).timeout(SLACK_ACK_LIMIT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Slack-Signature", Signed.signature(SECRET, ts, body))
            .header("X-Slack-Request-Timestamp", Long.toString(ts))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r;
  }

  AuditEntry nextAudit() throws InterruptedException {
    AuditEntry e = audit.poll(5, TimeUnit.SECONDS);
    assertNotNull(e, "an audit entry within 5 s");
    return e;
  }

  void assertAcked(HttpResponse<String> r) {
    assertTrue(r.body().contains("\"response_type\":\"ephemeral\""), r.body());
    assertTrue(Signed.text(r.body()).contains("working on the plan"), r.body());
  }

  @Test
  @DisplayName("plan is acknowledged within Slack's 3 s while the plan is still blocked; the plan is then posted to the response_url and audited OK")
  void slowPlanAckedThenPosted() throws Exception {
    start(RotatorCommands.Limits.DEFAULT);
    HttpResponse<String> ack = command(ALICE, CHANNEL, "plan", "p1");
    assertAcked(ack);
    assertEquals(1, backend.started.poll(5, TimeUnit.SECONDS), "the plan is being computed");
    assertEquals(0, api.postedWaiting(), "nothing posted before the plan is done");
    assertTrue(audit.isEmpty(), "audited when the plan settles, with its outcome");

    backend.release.countDown();
    FakeSlackApi.Posted p = api.nextPosted();
    assertEquals("p1", p.id(), "posted to the request's own response_url");
    assertEquals("plan 1: would rotate node-a, node-b", p.text());
    assertEquals("ephemeral", p.responseType(), "only the user sees the plan");
    AuditEntry e = nextAudit();
    assertEquals("plan", e.command());
    assertEquals(ALICE, e.userId());
    assertEquals(AuditEntry.Outcome.OK, e.outcome());
    assertTrue(api.all().isEmpty(), "no Web API call was needed");
  }

  @Test
  @DisplayName("a plan that throws posts a one-line error (no stack trace, secrets redacted) and is audited FAILED")
  void failingPlanPostsError() throws Exception {
    start(RotatorCommands.Limits.DEFAULT);
    String token = "xoxb-plan-test-9f8e7d6c5b4a";
    Secret.of(token, "test");
    backend.failWith = new IllegalStateException("apiserver unreachable (sent " + token + ")");
    assertAcked(command(ALICE, CHANNEL, "plan", "p2"));
    FakeSlackApi.Posted p = api.nextPosted();
    assertTrue(p.text().startsWith(":warning: could not compute the plan: IllegalStateException: apiserver unreachable"),
        p.text());
    assertFalse(p.text().contains(token), p.text());
    assertFalse(p.text().contains("\tat ") || p.text().contains("dev.rotator"), "no stack trace: " + p.text());
    AuditEntry e = nextAudit();
    assertEquals(AuditEntry.Outcome.FAILED, e.outcome());
    assertFalse(e.detail().contains(token), e.detail());
  }

  @Test
  @DisplayName("a plan past its time bound posts a timeout error, is interrupted, and its late result is never posted")
  void slowPlanTimesOut() throws Exception {
    start(new RotatorCommands.Limits(4, Duration.ofMillis(300)));
    assertAcked(command(ALICE, CHANNEL, "plan", "p3"));
    FakeSlackApi.Posted p = api.nextPosted();
    assertEquals("p3", p.id());
    assertTrue(p.text().startsWith(":warning: the plan did not finish within 300 ms"), p.text());
    assertEquals(AuditEntry.Outcome.FAILED, nextAudit().outcome());
    assertTrue(backend.interrupted.await(5, TimeUnit.SECONDS), "the stuck plan was interrupted");

    // The worker is free again; the interrupted plan's own result was dropped, so the next post is plan 2's.
    backend.release.countDown();
    assertAcked(command(ALICE, CHANNEL, "plan", "p4"));
    FakeSlackApi.Posted next = api.nextPosted();
    assertEquals("p4", next.id());
    assertEquals("plan 2: would rotate node-a, node-b", next.text());
    assertEquals(AuditEntry.Outcome.OK, nextAudit().outcome());
    assertEquals(0, api.postedWaiting());
  }

  @Test
  @DisplayName("with one plan running and the queue full, another plan is answered 'busy' at once and audited FAILED")
  void queueFullAnswersBusy() throws Exception {
    start(new RotatorCommands.Limits(1, Duration.ofMinutes(1)));
    assertAcked(command(ALICE, CHANNEL, "plan", "a"));
    assertEquals(1, backend.started.poll(5, TimeUnit.SECONDS), "plan a is running");
    assertAcked(command(ALICE, CHANNEL, "plan", "b")); // waits in the queue
    HttpResponse<String> busy = command(ALICE, CHANNEL, "plan", "c");
    assertTrue(Signed.text(busy.body()).startsWith(":warning:") && Signed.text(busy.body()).contains("busy"), busy.body());
    AuditEntry e = nextAudit();
    assertEquals(AuditEntry.Outcome.FAILED, e.outcome());
    assertTrue(e.detail().contains("busy"), e.detail());

    backend.release.countDown();
    assertEquals("a", api.nextPosted().id());
    assertEquals("b", api.nextPosted().id());
    assertEquals(2, backend.plans.get(), "the busy plan was never computed");
  }

  @Test
  @DisplayName("a refused plan (user, or channel) is refused synchronously and queues nothing")
  void refusedPlanQueuesNothing() throws Exception {
    start(RotatorCommands.Limits.DEFAULT);
    HttpResponse<String> r1 = command(MALLORY, CHANNEL, "plan", "m1");
    assertTrue(Signed.text(r1.body()).startsWith(":no_entry: you are not allowed to see rotator's plan"), r1.body());
    HttpResponse<String> r2 = command(ALICE, "C0RANDOM", "plan", "m2");
    assertTrue(Signed.text(r2.body()).startsWith(":no_entry:"), r2.body());
    assertEquals(AuditEntry.Outcome.REFUSED, nextAudit().outcome());
    assertEquals(AuditEntry.Outcome.REFUSED, nextAudit().outcome());

    // The worker runs plans in order: had a refused one been queued, it would be computed before this one.
    backend.release.countDown();
    assertAcked(command(ALICE, CHANNEL, "plan", "ok"));
    assertEquals("ok", api.nextPosted().id());
    assertEquals(1, backend.plans.get(), "only the allowed plan was computed");
    assertEquals(AuditEntry.Outcome.OK, nextAudit().outcome());
    assertEquals(0, api.postedWaiting(), "nothing was posted for the refused requests");
  }

  @Test
  @DisplayName("a plan whose answer cannot be posted (response_url expired) is audited FAILED")
  void undeliverableAnswer() throws Exception {
    start(RotatorCommands.Limits.DEFAULT);
    api.responseStatus(404);
    backend.release.countDown();
    assertAcked(command(ALICE, CHANNEL, "plan", "gone"));
    assertEquals("gone", api.nextPosted().id());
    AuditEntry e = nextAudit();
    assertEquals(AuditEntry.Outcome.FAILED, e.outcome());
    assertTrue(e.detail().contains("could not be posted to Slack"), e.detail());
  }

  @Test
  @DisplayName("a plan longer than one Slack message is cut, saying how much is left out")
  void longPlanIsCut() throws Exception {
    start(RotatorCommands.Limits.DEFAULT);
    backend.answer = "node-0123456789 would rotate\n".repeat(2000); // 58,000 characters
    backend.release.countDown();
    assertAcked(command(ALICE, CHANNEL, "plan", "long"));
    String text = api.nextPosted().text();
    assertTrue(text.length() < 40_000, "Slack's limit is 40,000: " + text.length());
    assertTrue(text.startsWith("node-0123456789 would rotate\n"), text.substring(0, 40));
    assertTrue(text.endsWith("more line(s)); run `rotator plan` for the whole plan."), text.substring(text.length() - 100));
  }

  @Test
  @DisplayName("a plan request without a response_url fails at once, computing nothing")
  void noResponseUrl() throws Exception {
    start(RotatorCommands.Limits.DEFAULT);
    HttpResponse<String> r = command(ALICE, CHANNEL, "plan", null);
    assertTrue(Signed.text(r.body()).startsWith(":warning:") && Signed.text(r.body()).contains("response_url"), r.body());
    assertEquals(AuditEntry.Outcome.FAILED, nextAudit().outcome());
    assertEquals(0, backend.plans.get());
  }
}
