package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.ClusterException;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LeaseLock against fabric8's mock API server (CRUD mode, resourceVersion enforced on PUT)")
class LeaseLockTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final String NS = "rotator-system";
  private static final String LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/rotator-system/leases";

  private MockApi api;
  private TestClock clock;

  @BeforeEach
  void start() {
    api = new MockApi();
    clock = new TestClock(T0);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private LeaseLock lock(String id) {
    return new LeaseLock(api.client, clock, NS, id);
  }

  private Lease lease() {
    return api.client.leases().inNamespace(NS).withName(LeaseLock.NAME).get();
  }

  @Test
  @DisplayName("of two locks on one Lease exactly one acquires; the other is told the holder and until when")
  void oneOfTwo() {
    LeaseLock a = lock("host-a/run-1");
    LeaseLock b = lock("host-b/run-2");
    LeaseLock.Attempt first = a.tryAcquire();
    LeaseLock.Attempt second = b.tryAcquire();
    assertTrue(first.acquired());
    assertFalse(second.acquired());
    assertEquals("host-a/run-1", second.holder());
    assertEquals(T0.plus(LeaseLock.LEASE_DURATION), second.heldUntil());
    assertTrue(a.held());
    assertFalse(b.held());
    Lease l = lease();
    assertEquals("host-a/run-1", l.getSpec().getHolderIdentity());
    assertEquals(60, l.getSpec().getLeaseDurationSeconds());
    assertEquals(T0, l.getSpec().getRenewTime().toInstant());
  }

  private LeaseLock lock(String id, TestClock on, Duration maxClockSkew) {
    return new LeaseLock(api.client, on, NS, id, maxClockSkew);
  }

  private static void advance(Duration d, TestClock... clocks) {
    for (TestClock c : clocks) {
      c.advance(d);
    }
  }

  @Test
  @DisplayName("a crashed holder's Lease is taken by a one-shot run once its renewTime is older than the lease "
      + "duration + maxClockSkew (60 s + 2 min) by the run's clock, not before; its old holder then loses it")
  void oneShotTakesCrashedHolder() {
    LeaseLock dead = lock("host-a/run-1");
    assertTrue(dead.tryAcquire().acquired());
    clock.advance(Duration.ofSeconds(179));
    LeaseLock.Attempt early = lock("host-b/run-2").tryAcquireOneShot();
    assertFalse(early.acquired(), "179 s: within duration + allowance");
    assertEquals(T0.plusSeconds(180), early.heldUntil(), "renewTime + 60 s + 2 min");
    clock.advance(Duration.ofSeconds(2));
    assertFalse(lock("host-c/run-3").tryAcquire().acquired(),
        "a contender that can wait never judges by renewTime: it has to watch the Lease for a lease duration");
    LeaseLock b = lock("host-b/run-2");
    assertTrue(b.tryAcquireOneShot().acquired(), "181 s");
    assertEquals("host-b/run-2", lease().getSpec().getHolderIdentity());
    assertEquals(1, lease().getSpec().getLeaseTransitions());
    assertFalse(dead.renew());
    assertFalse(dead.held());
    assertEquals("lost the rotator-lock lease to host-b/run-2", dead.lostReason());
    // The old holder closing must not release the new holder's lease.
    dead.close();
    assertEquals("host-b/run-2", lease().getSpec().getHolderIdentity());
  }

  @Test
  @DisplayName("a contender whose clock runs 5 min ahead never takes a Lease its holder renews: watching, it sees "
      + "every renewal; one-shot with lock.maxClockSkew 10m, a renewal 10 s old is not stale")
  void contenderAheadDoesNotTakeLiveLease() {
    TestClock ahead = new TestClock(T0.plus(Duration.ofMinutes(5)));
    LeaseLock holder = lock("host-a/run-1");
    assertTrue(holder.tryAcquire().acquired());
    LeaseLock watcher = lock("host-b/run-2", ahead, LeaseLock.DEFAULT_MAX_CLOCK_SKEW);
    // Three minutes: the holder renews every 20 s (its clock), the watcher asks every 10 s (its clock).
    for (int tick = 1; tick <= 18; tick++) {
      advance(Duration.ofSeconds(10), clock, ahead);
      if (tick % 2 == 0) {
        assertTrue(holder.renew(), "renewal at tick " + tick);
      }
      LeaseLock.Attempt a = watcher.tryAcquire();
      assertFalse(a.acquired(), "tick " + tick + ": the watcher took a live lock");
      assertEquals("host-a/run-1", a.holder());
    }
    assertTrue(holder.held());
    advance(Duration.ofSeconds(10), clock, ahead);
    assertEquals(T0.plusSeconds(190), clock.now());
    // Renewed at 180 s by the holder's clock, 10 s ago; 5 min 10 s ago by the contender's.
    assertFalse(lock("host-c/run-3", ahead, Duration.ofMinutes(10)).tryAcquireOneShot().acquired());
    assertEquals("host-a/run-1", lease().getSpec().getHolderIdentity());
    assertEquals(0, lease().getSpec().getLeaseTransitions());
  }

  @Test
  @DisplayName("a contender whose clock runs 10 min behind still takes a truly stale Lease after seeing it "
      + "unchanged for a lease duration, though its renewTime looks 10 min in the future")
  void contenderBehindTakesStaleAfterObserving() throws Exception {
    TestClock behind = new TestClock(T0.minus(Duration.ofMinutes(10)));
    assertTrue(lock("host-a/run-1").tryAcquire().acquired());
    // The holder dies here. A one-shot run with the slow clock cannot tell: renewTime is in its future.
    LeaseLock.Attempt once = lock("host-b/run-2", behind, LeaseLock.DEFAULT_MAX_CLOCK_SKEW).tryAcquireOneShot();
    assertFalse(once.acquired());
    LeaseLock waiter = lock("host-c/run-3", behind, LeaseLock.DEFAULT_MAX_CLOCK_SKEW);
    LeaseLock.Attempt first = waiter.tryAcquire();
    assertFalse(first.acquired());
    assertEquals(behind.now().plusSeconds(60), first.heldUntil(), "one lease duration of watching, on its clock");
    behind.advance(Duration.ofSeconds(59));
    assertFalse(waiter.tryAcquire().acquired(), "59 s of an unchanged record");
    LeaseLock.Attempt got = waiter.acquire(Duration.ofMinutes(5), Duration.ofSeconds(5));
    assertTrue(got.acquired());
    Instant took = behind.now();
    assertTrue(!took.isBefore(T0.minus(Duration.ofMinutes(9))) && took.isBefore(T0.minus(Duration.ofSeconds(539))),
        "taken at 60 s of watching (+ acquire's 100 ms margin): " + took);
    assertEquals("host-c/run-3", lease().getSpec().getHolderIdentity());
  }

  @Test
  @DisplayName("a renewTime written a day ahead does not hold the Lease forever: a watcher takes it after one "
      + "lease duration of no change; any change to the record restarts the watch")
  void futureRenewTimeBoundedByObservation() {
    api.client.leases().inNamespace(NS).resource(new LeaseBuilder()
        .withNewMetadata().withName(LeaseLock.NAME).withNamespace(NS).endMetadata()
        .withNewSpec().withHolderIdentity("clock-ahead").withLeaseDurationSeconds(60)
        .withRenewTime(T0.plus(Duration.ofDays(1)).atZone(ZoneOffset.UTC)).endSpec().build()).create();
    LeaseLock waiter = lock("me/run");
    assertFalse(waiter.tryAcquire().acquired());
    clock.advance(Duration.ofSeconds(50));
    // The holder writes once more (still a day ahead): that is a sign of life, the watch starts again.
    Lease l = lease();
    l.getSpec().setRenewTime(T0.plus(Duration.ofDays(1)).plusSeconds(50).atZone(ZoneOffset.UTC));
    api.client.leases().inNamespace(NS).resource(l).update();
    assertFalse(waiter.tryAcquire().acquired());
    clock.advance(Duration.ofSeconds(59));
    assertFalse(waiter.tryAcquire().acquired(), "59 s since the last change");
    clock.advance(Duration.ofSeconds(1));
    assertTrue(waiter.tryAcquire().acquired(), "60 s since the last change");
  }

  @Test
  @DisplayName("a holder's absurd leaseDurationSeconds is believed for one hour at most")
  void hugeDurationCapped() {
    api.client.leases().inNamespace(NS).resource(new LeaseBuilder()
        .withNewMetadata().withName(LeaseLock.NAME).withNamespace(NS).endMetadata()
        .withNewSpec().withHolderIdentity("forever").withLeaseDurationSeconds(Integer.MAX_VALUE)
        .withRenewTime(T0.atZone(ZoneOffset.UTC)).endSpec().build()).create();
    LeaseLock waiter = lock("me/run");
    assertEquals(T0.plus(Duration.ofHours(1)), waiter.tryAcquire().heldUntil());
    clock.advance(Duration.ofHours(1));
    assertTrue(waiter.tryAcquire().acquired());
  }

  @Test
  @DisplayName("a Lease created by someone else with a fresh renewTime is held; an empty holder is free")
  void foreignLease() {
    api.client.leases().inNamespace(NS).resource(new LeaseBuilder()
        .withNewMetadata().withName(LeaseLock.NAME).withNamespace(NS).endMetadata()
        .withNewSpec().withHolderIdentity("someone-else").withLeaseDurationSeconds(30)
        .withRenewTime(T0.minusSeconds(5).atZone(ZoneOffset.UTC)).endSpec().build()).create();
    LeaseLock.Attempt a = lock("me/run").tryAcquire();
    assertFalse(a.acquired());
    assertEquals("someone-else", a.holder());
    assertEquals(T0.plusSeconds(30), a.heldUntil(), "the holder's own leaseDurationSeconds counts");
    assertEquals(T0.plusSeconds(30), lock("me/run").tryAcquireOneShot().heldUntil(),
        "one-shot: watching would end sooner than renewTime + 30 s + 2 min");
    Lease l = lease();
    l.getSpec().setHolderIdentity("");
    api.client.leases().inNamespace(NS).resource(l).update();
    assertTrue(lock("me/run").tryAcquire().acquired());
  }

  @Test
  @DisplayName("release clears the holder, so the other contender acquires at once, before any expiry")
  void releaseLetsOtherIn() {
    LeaseLock a = lock("host-a/run-1");
    assertTrue(a.tryAcquire().acquired());
    LeaseLock b = lock("host-b/run-2");
    assertFalse(b.tryAcquire().acquired());
    a.close();
    assertFalse(a.held());
    assertNull(lease().getSpec().getHolderIdentity());
    assertTrue(b.tryAcquire().acquired(), "no clock movement needed");
  }

  @Test
  @DisplayName("two contenders racing for an expired Lease: the PUT with the stale resourceVersion gets 409, "
      + "and that contender reports the winner")
  void raceOnTakeOver() {
    LeaseLock old = lock("host-a/run-1");
    assertTrue(old.tryAcquire().acquired());
    clock.advance(Duration.ofMinutes(5));
    LeaseLock a = lock("host-b/run-2");
    LeaseLock b = lock("host-c/run-3");
    AtomicReference<LeaseLock.Attempt> bAttempt = new AtomicReference<>();
    // a reads the expired Lease, then reads the clock: b wins the race right there.
    clock.onNextNow(() -> bAttempt.set(b.tryAcquireOneShot()));
    LeaseLock.Attempt aAttempt = a.tryAcquireOneShot();
    assertTrue(bAttempt.get().acquired());
    assertFalse(aAttempt.acquired());
    assertEquals("host-c/run-3", aAttempt.holder());
    assertTrue(api.dispatcher.requests().stream()
        .anyMatch(r -> r.method().equals("PUT") && r.path().startsWith(LEASE_PATH)), "a PUT was tried");
    assertEquals("host-c/run-3", lease().getSpec().getHolderIdentity());
  }

  @Test
  @DisplayName("renewal failures keep the lock only until the lease would expire; then held() is false")
  void renewalFailureLosesOnExpiry() {
    LeaseLock a = lock("host-a/run-1");
    assertTrue(a.tryAcquire().acquired());
    clock.advance(Duration.ofSeconds(20));
    assertTrue(a.renew());
    assertEquals(T0.plusSeconds(20), lease().getSpec().getRenewTime().toInstant());
    api.dispatcher.failNext("GET", LEASE_PATH, TestDispatcher.serverError("etcd timeout"), 10);
    clock.advance(Duration.ofSeconds(20));
    assertTrue(a.renew(), "one failed renewal: still within the lease");
    clock.advance(Duration.ofSeconds(20));
    assertTrue(a.renew());
    clock.advance(Duration.ofSeconds(20));
    assertFalse(a.renew(), "60 s since the last renewal");
    assertFalse(a.held());
    assertTrue(a.lostReason().contains("expiry"), a.lostReason());
  }

  @Test
  @DisplayName("acquire with a timeout waits for the holder's lease to expire, and gives up at the timeout")
  void waitForExpiry() throws Exception {
    assertTrue(lock("host-a/run-1").tryAcquire().acquired());
    LeaseLock b = lock("host-b/run-2");
    LeaseLock.Attempt gaveUp = b.acquire(Duration.ofSeconds(10), Duration.ofSeconds(5));
    assertFalse(gaveUp.acquired());
    assertEquals(T0.plusSeconds(10), clock.now(), "waited exactly the timeout");
    LeaseLock.Attempt got = b.acquire(Duration.ofMinutes(5), Duration.ofSeconds(5));
    assertTrue(got.acquired());
    assertTrue(!clock.now().isBefore(T0.plusSeconds(60)) && clock.now().isBefore(T0.plusSeconds(66)), "" + clock.now());
  }

  @Test
  @DisplayName("a missing state namespace is a PERMANENT error naming it, not a silent pass")
  void missingNamespace() {
    api.dispatcher.failNext("POST", LEASE_PATH,
        TestDispatcher.failure(404, "NotFound", "namespaces \"rotator-system\" not found"), 1);
    ClusterException e = assertThrows(ClusterException.class, () -> lock("me/run").tryAcquire());
    assertEquals(ClusterException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("rotator-system"), e.getMessage());
  }

  @Test
  @DisplayName("the identity is <POD_NAME or hostname>/<run id>, and differs per run")
  void identity() {
    String a = LeaseLock.identity("run-1");
    assertTrue(a.endsWith("/run-1") && a.length() > "/run-1".length(), a);
    assertNotEquals(a, LeaseLock.identity("run-2"));
  }
}
