package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.kubernetes.KubeClients;
import dev.rotator.kubernetes.LeaseLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Clock skew between runs of rotator: the real {@link LeaseLock} against fabric8's mock API server in CRUD mode,
 * a holder on one manual clock, contenders whose clocks are skewed from it by seeded amounts. "True" time moves
 * both clocks together. An invariant violation is two holders at once: a contender acquiring while the holder,
 * by its own clock, still holds the lock. See LeaseLock's class comment for the two take-over rules and
 * rotator/kubernetes LeaseLockTest for the protocol's own tests.
 */
@Order(5)
class LeaseClockSkewTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final String NS = "rotator-system";
  static final String AREA = "rotator";
  private static final Results RESULTS = new Results("lease-skew");
  /** Contender clock minus holder clock. */
  static final List<Duration> SKEWS = List.of(Duration.ofMinutes(5), Duration.ofMinutes(-5), Duration.ofSeconds(30));

  private KubernetesMockServer server;
  private KubernetesClient client;
  private ManualClock holderClock;
  private LeaseLock holder;
  private Instant nextRenewal;
  /** When the renewing holder found the Lease taken (by its clock); null: never. */
  private Instant holderLostAt;

  static List<Duration> skews() {
    return SKEWS;
  }

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.start();
    client = KubeClients.forUrl("http://127.0.0.1:" + server.getPort() + "/");
    holderClock = new ManualClock(T0);
    holder = new LeaseLock(client, holderClock, NS, "host-a/run-1");
    assertTrue(holder.tryAcquire().acquired());
    nextRenewal = T0.plus(LeaseLock.RENEW_INTERVAL);
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdown();
  }

  @AfterAll
  static void write() {
    RESULTS.write();
  }

  /** A contender's clock: {@code skew} off the holder's; advancing it moves true time, so the holder's too. */
  private ManualClock contenderClock(Duration skew, boolean holderRenews) {
    ManualClock c = new ManualClock(holderClock.now().plus(skew));
    c.onAdvance(t -> {
      Duration d = Duration.between(holderClock.now().plus(skew), t);
      if (!d.isNegative() && !d.isZero()) {
        holderClock.advance(d);
      }
      // The holder's heartbeat, on its own clock.
      while (holderRenews && !holderClock.now().isBefore(nextRenewal)) {
        if (!holder.renew() && holderLostAt == null) {
          holderLostAt = holderClock.now();
        }
        nextRenewal = nextRenewal.plus(LeaseLock.RENEW_INTERVAL);
      }
    });
    return c;
  }

  private String holderOfRecord() {
    return client.leases().inNamespace(NS).withName(LeaseLock.NAME).get().getSpec().getHolderIdentity();
  }

  /** Counts (and returns) a violation when {@code contender} holds while the holder still does by its clock. */
  private int twoHolders(LeaseLock contender) {
    return contender.held() && holder.held() ? 1 : 0;
  }

  private static String skewName(Duration skew) {
    long s = skew.toSeconds();
    return (s < 0 ? "-" : "+") + (Math.abs(s) % 60 == 0 ? Math.abs(s) / 60 + " min" : Math.abs(s) + " s");
  }

  @ParameterizedTest(name = "contender clock {0} off")
  @MethodSource("skews")
  @DisplayName("a waiting contender asking every 10 s for 3 min never takes a Lease its holder renews every 20 s")
  void waitingContenderPolling(Duration skew) {
    ManualClock c = contenderClock(skew, true);
    LeaseLock contender = new LeaseLock(client, c, NS, "host-b/run-2");
    int violations = 0;
    boolean took = false;
    for (int tick = 0; tick < 18; tick++) {
      c.advance(Duration.ofSeconds(10));
      took |= contender.tryAcquire().acquired();
      violations += twoHolders(contender);
    }
    RESULTS.add(AREA, "clock skew: waiting contender (tryAcquire) vs a renewed Lease",
        took ? "took a live Lease (" + skewName(skew) + ")" : "held off", violations);
    assertFalse(took, "skew " + skew);
    assertEquals(null, holderLostAt, "the renewing holder lost its Lease");
    assertEquals("host-a/run-1", holderOfRecord());
    assertEquals(0, violations);
  }

  @ParameterizedTest(name = "contender clock {0} off")
  @MethodSource("skews")
  @DisplayName("rotator run --wait (acquire, 3 min timeout) never takes a Lease its holder renews")
  void waitingContenderAcquire(Duration skew) throws Exception {
    ManualClock c = contenderClock(skew, true);
    LeaseLock contender = new LeaseLock(client, c, NS, "host-b/run-2");
    LeaseLock.Attempt a = contender.acquire(Duration.ofMinutes(3), Duration.ofSeconds(5));
    int violations = twoHolders(contender);
    RESULTS.add(AREA, "clock skew: waiting contender (acquire, 3 min) vs a renewed Lease",
        a.acquired() ? "took a live Lease (" + skewName(skew) + ")" : "held off", violations);
    assertFalse(a.acquired(), "skew " + skew);
    assertEquals(null, holderLostAt, "the renewing holder lost its Lease");
    assertTrue(holderClock.now().isAfter(T0.plus(Duration.ofMinutes(2))), "the waiter waited: " + holderClock.now());
    assertEquals("host-a/run-1", holderOfRecord());
    assertTrue(holder.held());
  }

  @ParameterizedTest(name = "contender clock {0} off")
  @MethodSource("skews")
  @DisplayName("one-shot runs (tryAcquireOneShot) whose clock is within lock.maxClockSkew never take a renewed Lease")
  void oneShotWithinMaxSkew(Duration skew) {
    // lock.maxClockSkew must cover the real skew: the default 2 min covers 30 s; 10 min covers 5 min.
    Duration maxSkew = skew.abs().compareTo(LeaseLock.DEFAULT_MAX_CLOCK_SKEW) < 0
        ? LeaseLock.DEFAULT_MAX_CLOCK_SKEW : Duration.ofMinutes(10);
    ManualClock c = contenderClock(skew, true);
    int violations = 0;
    boolean took = false;
    for (int tick = 0; tick < 18; tick++) {
      c.advance(Duration.ofSeconds(10));
      // Each a new run: no observation carried over.
      LeaseLock run = new LeaseLock(client, c, NS, "host-b/run-" + tick, maxSkew);
      took |= run.tryAcquireOneShot().acquired();
      violations += twoHolders(run);
    }
    RESULTS.add(AREA, "clock skew: one-shot contender within lock.maxClockSkew vs a renewed Lease",
        took ? "took a live Lease (" + skewName(skew) + ")" : "held off", violations);
    assertFalse(took, "skew " + skew + ", maxClockSkew " + maxSkew);
    assertEquals(null, holderLostAt, "the renewing holder lost its Lease");
    assertEquals("host-a/run-1", holderOfRecord());
    assertEquals(0, violations);
  }

  @ParameterizedTest(name = "contender clock {0} off")
  @MethodSource("skews")
  @DisplayName("a Lease whose holder died is taken by a waiting contender after one lease duration of watching")
  void staleTakenByWaiter(Duration skew) throws Exception {
    ManualClock c = contenderClock(skew, false);
    LeaseLock contender = new LeaseLock(client, c, NS, "host-b/run-2");
    LeaseLock.Attempt a = contender.acquire(Duration.ofMinutes(5), Duration.ofSeconds(5));
    int violations = twoHolders(contender);
    RESULTS.add(AREA, "clock skew: dead holder's Lease, waiting contender (acquire)",
        a.acquired() ? "took the stale Lease" : "did not take it", violations);
    assertTrue(a.acquired(), "skew " + skew);
    assertEquals("host-b/run-2", holderOfRecord());
    assertFalse(holder.held(), "the dead holder no longer calls itself the holder");
    assertFalse(holder.renew());
    assertEquals(0, violations);
  }

  @ParameterizedTest(name = "contender clock {0} off")
  @MethodSource("skews")
  @DisplayName("a Lease whose holder died 10 min ago is taken by a one-shot run, whatever the skew")
  void staleTakenByOneShot(Duration skew) {
    ManualClock c = contenderClock(skew, false);
    c.advance(Duration.ofMinutes(10));
    LeaseLock run = new LeaseLock(client, c, NS, "host-b/run-2");
    LeaseLock.Attempt a = run.tryAcquireOneShot();
    int violations = twoHolders(run);
    RESULTS.add(AREA, "clock skew: dead holder's Lease, one-shot contender",
        a.acquired() ? "took the stale Lease" : "did not take it", violations);
    assertTrue(a.acquired(), "skew " + skew + ": " + a);
    assertEquals("host-b/run-2", holderOfRecord());
    assertFalse(holder.held());
    assertEquals(0, violations);
  }
}
