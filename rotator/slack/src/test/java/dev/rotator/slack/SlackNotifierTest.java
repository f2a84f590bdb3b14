package dev.rotator.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.slack.api.Slack;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.RotationEvent;
import dev.rotator.core.port.RotationEvent.Type;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SlackNotifierTest {
  static final String TOKEN = "xoxb-111-222-notifiertokenSEED";
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  FakeSlackApi api;
  ManualClock clock;
  SlackNotifier notifier;

  @BeforeEach
  void setUp() throws IOException {
    api = new FakeSlackApi();
    clock = new ManualClock(T0);
  }

  @AfterEach
  void tearDown() {
    if (notifier != null) {
      notifier.close(Duration.ofSeconds(2));
    }
    api.close();
  }

  SlackNotifier notifier(String url, SlackNotifier.Options options) {
    Slack slack = SlackApps.slack(Optional.of(url), Duration.ofSeconds(2));
    notifier =
        new SlackNotifier(
            slack.methods(Secret.of(TOKEN, "test").reveal()), options,
            new SlackMessages("https://git.example/rotator/blob/main/", Optional.of("S0FREEZERS"), "prod-eu"), clock);
    return notifier;
  }

  static SlackNotifier.Options options(int capacity, int attempts) {
    return new SlackNotifier.Options(
        "C0ALERTS", true, capacity, attempts, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(20));
  }

  static RotationEvent event(Type type, String node, String reason, String message, List<String> evidence, Instant at) {
    return new RotationEvent(type, "run-42", node, reason, message, evidence, at);
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
      Thread.sleep(10);
    }
    assertTrue(condition.getAsBoolean(), what);
  }

  @Test
  @DisplayName("a freeze alert carries the reason, every evidence line, the runbook link and the group mention")
  void freezeAlertContent() throws Exception {
    notifier(api.url(), options(10, 3));
    List<String> evidence =
        List.of(
            "pdb shop/checkout allows 0 disruptions (minAvailable=3, healthy=3)",
            "pod shop/checkout-7d9f not evicted for 15m",
            "node ip-10-0-1-7 still has 4 pods");
    notifier.notify(event(Type.FROZEN, "ip-10-0-1-7", "DRAIN_TIMEOUT", "drain of ip-10-0-1-7 timed out", evidence, T0));
    FakeSlackApi.Call c = api.next();
    assertEquals("chat.postMessage", c.method());
    assertEquals("C0ALERTS", c.param("channel"));
    assertEquals("Bearer " + TOKEN, c.authorization());
    String blocks = c.param("blocks");
    assertTrue(blocks.contains("DRAIN_TIMEOUT"), blocks);
    for (String line : evidence) {
      assertTrue(blocks.contains(line), "evidence line missing: " + line + " in " + blocks);
    }
    assertTrue(blocks.contains("https://git.example/rotator/blob/main/runbooks/drain-timeout.md"), blocks);
    assertTrue(blocks.contains("<!subteam^S0FREEZERS>"), blocks);
    assertTrue(blocks.contains("ip-10-0-1-7"), blocks);
    assertTrue(c.param("text").contains("<!subteam^S0FREEZERS>"), "the notification text mentions the group too");
    await(() -> notifier.stats().delivered() == 1, "delivered");
  }

  @Test
  @DisplayName("cluster text is escaped: a pod named <!channel> cannot ping the channel")
  void escapesClusterText() throws Exception {
    notifier(api.url(), options(10, 3));
    notifier.notify(event(Type.FROZEN, "", "CLUSTER_UNHEALTHY", "x", List.of("pod <!channel> & co"), T0));
    String blocks = api.next().param("blocks");
    assertFalse(blocks.contains("<!channel>"), blocks);
    assertTrue(blocks.contains("&lt;!channel&gt; &amp; co"), blocks);
  }

  @Test
  @DisplayName("events are posted in order; node updates go into the thread of the run's started message; finished counts nodes and duration")
  void orderingAndThreading() throws Exception {
    notifier(api.url(), options(10, 3));
    notifier.notify(event(Type.STARTED, "", "", "rotating 2 outdated node(s) of 5", List.of(), T0));
    notifier.notify(event(Type.NODE_DONE, "node-a", "", "node rotated", List.of(), T0.plusSeconds(60)));
    notifier.notify(event(Type.NODE_DONE, "node-b", "", "node rotated", List.of(), T0.plusSeconds(120)));
    notifier.notify(event(Type.FINISHED, "", "", "2 node(s) rotated in 1h 2m", List.of(), T0.plus(Duration.ofMinutes(62))));
    FakeSlackApi.Call started = api.next();
    FakeSlackApi.Call a = api.next();
    FakeSlackApi.Call b = api.next();
    FakeSlackApi.Call finished = api.next();
    assertTrue(started.param("blocks").contains("Rotation started"), started.param("blocks"));
    assertTrue(started.param("thread_ts").isEmpty());
    String threadTs = "1700000000.1001";
    assertEquals(threadTs, a.param("thread_ts"));
    assertTrue(a.param("blocks").contains("node-a"));
    assertEquals(threadTs, b.param("thread_ts"));
    assertTrue(b.param("blocks").contains("node-b"));
    assertTrue(finished.param("thread_ts").isEmpty(), "finished is in the channel, not the thread");
    assertTrue(finished.param("blocks").contains("*Nodes rotated*\\n2"), finished.param("blocks"));
    assertTrue(finished.param("blocks").contains("1h 2m"), finished.param("blocks"));
  }

  @Test
  @DisplayName("node updates can be switched off: only started and finished are posted")
  void nodeDoneOff() throws Exception {
    notifier(api.url(), new SlackNotifier.Options("C0ALERTS", false, 10, 3, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(20)));
    notifier.notify(event(Type.STARTED, "", "", "go", List.of(), T0));
    notifier.notify(event(Type.NODE_DONE, "node-a", "", "node rotated", List.of(), T0));
    notifier.notify(event(Type.FINISHED, "", "", "done", List.of(), T0.plusSeconds(30)));
    assertTrue(api.next().param("blocks").contains("Rotation started"));
    FakeSlackApi.Call f = api.next();
    assertTrue(f.param("blocks").contains("Rotation finished"), f.param("blocks"));
    assertTrue(f.param("blocks").contains("*Nodes rotated*\\n1"), "the count still includes the unposted node");
  }

  @Test
  @DisplayName("HTTP 429 with Retry-After: the message is retried after exactly that wait on the injected clock")
  void retryAfter() throws Exception {
    api.script("chat.postMessage", new FakeSlackApi.Answer(429, java.util.Map.of("Retry-After", "7"), "{\"ok\":false,\"error\":\"ratelimited\"}"));
    notifier(api.url(), options(10, 3));
    notifier.notify(event(Type.FROZEN, "", "ETCD_QUORUM", "etcd lost quorum", List.of("2/3 members down"), T0));
    api.next();
    FakeSlackApi.Call retried = api.next();
    assertTrue(retried.param("blocks").contains("ETCD_QUORUM"));
    await(() -> notifier.stats().delivered() == 1, "delivered after the retry");
    assertEquals(T0.plusSeconds(7), clock.now(), "waited Retry-After on the clock, no more");
  }

  @Test
  @DisplayName("a Retry-After longer than maxRetryAfter is capped")
  void retryAfterCapped() throws Exception {
    api.script("chat.postMessage", new FakeSlackApi.Answer(429, java.util.Map.of("Retry-After", "3600"), "{}"));
    notifier(api.url(), options(10, 3));
    notifier.notify(event(Type.ERROR, "", "API_UNAVAILABLE", "api down", List.of(), T0));
    api.next();
    api.next();
    await(() -> notifier.stats().delivered() == 1, "delivered");
    assertEquals(T0.plusSeconds(20), clock.now());
  }

  @Test
  @DisplayName("Slack answering 500: bounded retries with backoff, then the message is dropped and counted; notify never throws")
  void serverErrors() throws Exception {
    api.always("chat.postMessage", c -> new FakeSlackApi.Answer(500, java.util.Map.of(), "oops"));
    notifier(api.url(), options(10, 4));
    notifier.notify(event(Type.FROZEN, "", "CLOUD_ERROR", "denied", List.of(), T0));
    for (int i = 0; i < 4; i++) {
      api.next();
    }
    await(() -> notifier.stats().failed() == 1, "given up after 4 attempts");
    assertNull(api.poll(200), "no fifth attempt");
    assertEquals(T0.plusSeconds(1 + 2 + 4), clock.now(), "backoff 1s, 2s, 4s between the 4 attempts");
  }

  @Test
  @DisplayName("a permanent Slack error (channel_not_found) is not retried")
  void permanentError() throws Exception {
    api.always("chat.postMessage", c -> FakeSlackApi.Answer.ok("{\"ok\":false,\"error\":\"channel_not_found\"}"));
    notifier(api.url(), options(10, 5));
    notifier.notify(event(Type.ERROR, "", "", "x", List.of(), T0));
    api.next();
    await(() -> notifier.stats().failed() == 1, "failed");
    assertNull(api.poll(200), "not retried");
  }

  @Test
  @DisplayName("Slack unreachable (connection refused): notify returns at once every time, nothing throws, every message ends counted")
  void slackDown() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    notifier("http://127.0.0.1:" + port + "/api/", options(100, 3));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      notifier.notify(event(Type.STARTED, "", "", "go", List.of(), T0));
      for (int i = 0; i < 20; i++) {
        notifier.notify(event(Type.NODE_DONE, "n" + i, "", "node rotated", List.of(), T0));
      }
      notifier.notify(event(Type.FROZEN, "", "DRAIN_TIMEOUT", "stuck", List.of(), T0));
    });
    await(() -> notifier.stats().failed() == 22, "every message tried and given up: " + notifier.stats());
    assertEquals(0, notifier.stats().delivered());
  }

  @Test
  @DisplayName("while Slack hangs, notify does not block; a full queue drops the oldest node updates first and never a freeze")
  void overflow() throws Exception {
    api.hold();
    notifier(api.url(), options(3, 3));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      notifier.notify(event(Type.STARTED, "", "", "go", List.of(), T0));
      api.next(); // the worker is now stuck in the started message
      notifier.notify(event(Type.NODE_DONE, "n1", "", "node rotated", List.of(), T0));
      notifier.notify(event(Type.NODE_DONE, "n2", "", "node rotated", List.of(), T0));
      notifier.notify(event(Type.FROZEN, "", "DRAIN_TIMEOUT", "first freeze", List.of(), T0));
      notifier.notify(event(Type.NODE_DONE, "n3", "", "node rotated", List.of(), T0)); // drops n1
      notifier.notify(event(Type.FROZEN, "", "ETCD_QUORUM", "second freeze", List.of(), T0)); // drops n2
      notifier.notify(event(Type.FROZEN, "", "API_LATENCY", "third freeze", List.of(), T0)); // drops n3
      notifier.notify(event(Type.FROZEN, "", "CLOUD_QUOTA", "fourth freeze", List.of(), T0)); // exceeds capacity
      notifier.notify(event(Type.NODE_DONE, "n4", "", "node rotated", List.of(), T0)); // nothing droppable: dropped
    });
    assertEquals(4, notifier.stats().dropped());
    api.release();
    List<String> texts = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      texts.add(api.next().param("blocks"));
    }
    assertTrue(texts.get(0).contains("first freeze"));
    assertTrue(texts.get(1).contains("second freeze"));
    assertTrue(texts.get(2).contains("third freeze"));
    assertTrue(texts.get(3).contains("fourth freeze"));
    assertNull(api.poll(200), "the node updates were dropped");
  }

  @Test
  @DisplayName("close() posts what is queued before returning")
  void closeFlushes() throws Exception {
    notifier(api.url(), options(10, 3));
    for (int i = 0; i < 5; i++) {
      notifier.notify(event(Type.ERROR, "", "", "error " + i, List.of(), T0));
    }
    notifier.close(Duration.ofSeconds(5));
    assertEquals(5, notifier.stats().delivered());
    assertEquals(5, api.all().size());
    notifier.notify(event(Type.ERROR, "", "", "after close", List.of(), T0));
    assertEquals(1, notifier.stats().dropped(), "after close, messages are dropped and counted, not thrown");
  }

  @Test
  @DisplayName("close() with Slack hanging returns by its deadline and counts what was left")
  void closeDeadline() throws Exception {
    api.hold();
    notifier(api.url(), options(10, 3));
    notifier.notify(event(Type.ERROR, "", "", "stuck", List.of(), T0));
    notifier.notify(event(Type.ERROR, "", "", "queued", List.of(), T0));
    api.next();
    assertTimeoutPreemptively(Duration.ofSeconds(6), () -> notifier.close(Duration.ofMillis(300)));
    assertTrue(notifier.stats().dropped() >= 1, notifier.stats().toString());
  }

  @Test
  @DisplayName("event types added to the port later (POD_DELETED) are posted generically in the run's thread, not dropped")
  void otherEventTypes() throws Exception {
    notifier(api.url(), options(10, 3));
    notifier.notify(event(Type.STARTED, "", "", "go", List.of(), T0));
    notifier.notify(event(Type.POD_DELETED, "node-a", "", "deleted a not-Ready pod", List.of("pod shop/web-1 NotReady 20m"), T0));
    api.next();
    FakeSlackApi.Call c = api.next();
    assertEquals("1700000000.1001", c.param("thread_ts"));
    assertTrue(c.param("blocks").contains("pod deleted") && c.param("blocks").contains("pod shop/web-1 NotReady 20m"), c.param("blocks"));
  }

  @Test
  @DisplayName("a resume and a manual freeze are announced, naming who did it")
  void modeChanges() throws Exception {
    notifier(api.url(), options(10, 3));
    notifier.modeChanged(new ModeState(Mode.FREEZE, "MANUAL", "db migration", List.of(), "slack:U0ALICE", T0));
    notifier.modeChanged(new ModeState(Mode.ROTATE, "", "resumed", List.of(), "cli:bob", T0));
    String freeze = api.next().param("blocks");
    assertTrue(freeze.contains("<@U0ALICE>") && freeze.contains("db migration") && freeze.contains("<!subteam^S0FREEZERS>"), freeze);
    String resume = api.next().param("blocks");
    assertTrue(resume.contains("Rotation resumed") && resume.contains("cli:bob"), resume);
  }
}
