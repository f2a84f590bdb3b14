package dev.rotator.health.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.health.quota.QuotaHeadroomCheck.Settings;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class QuotaHeadroomCheckTest {

  /**
   * A cloud that only knows groups and their headroom, with scripted failures and an optional hang: the
   * quota check uses nothing else of the port.
   */
  static final class HeadroomCloud implements CloudProvider {
    final Map<String, Integer> headroom = new LinkedHashMap<>();
    final Map<String, RuntimeException> failures = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    RuntimeException failNodeGroups;
    volatile CountDownLatch hang; // headroom() blocks on it while non-null

    HeadroomCloud group(String id, int room) {
      headroom.put(id, room);
      return this;
    }

    @Override
    public String name() {
      return "test";
    }

    @Override
    public Optional<InstanceRef> instanceOf(String providerId) {
      throw new UnsupportedOperationException("not used by the quota check");
    }

    @Override
    public synchronized List<NodeGroup> nodeGroups() {
      calls.add("nodeGroups");
      if (failNodeGroups != null) {
        throw failNodeGroups;
      }
      return headroom.keySet().stream().map(id -> new NodeGroup(id, 3, 0, 10, "v1")).toList();
    }

    @Override
    public NodeGroup nodeGroup(String groupId) {
      throw new UnsupportedOperationException("not used by the quota check");
    }

    @Override
    public void setDesiredCapacity(String groupId, int desired) {
      throw new UnsupportedOperationException("the quota check must never change capacity");
    }

    @Override
    public void terminate(InstanceRef instance, boolean decrementDesired) {
      throw new UnsupportedOperationException("the quota check must never terminate anything");
    }

    @Override
    public Optional<Boolean> isOutdated(InstanceRef instance) {
      throw new UnsupportedOperationException("not used by the quota check");
    }

    @Override
    public int headroom(String groupId) {
      CountDownLatch h;
      synchronized (this) {
        calls.add("headroom " + groupId);
        h = hang;
      }
      if (h != null) {
        // Like an SDK call blocked in a socket read: it ignores interrupts until it is released.
        boolean interrupted = false;
        while (true) {
          try {
            h.await();
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      synchronized (this) {
        RuntimeException f = failures.get(groupId);
        if (f != null) {
          throw f;
        }
        Integer room = headroom.get(groupId);
        if (room == null) {
          throw new CloudException(CloudException.Kind.PERMANENT, "node group " + groupId + " does not exist");
        }
        return room;
      }
    }
  }

  private final HeadroomCloud cloud = new HeadroomCloud();
  private CountDownLatch release;

  @AfterEach
  void releaseHangs() {
    if (release != null) {
      release.countDown();
    }
  }

  private QuotaHeadroomCheck check(int minHeadroom) {
    return new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(minHeadroom));
  }

  @Test
  @DisplayName("name and reason code are stable: quota, CLOUD_QUOTA")
  void identity() {
    assertEquals("quota", check(1).name());
    assertEquals(ReasonCode.CLOUD_QUOTA, check(1).reasonCode());
  }

  @Test
  @DisplayName("every group from nodeGroups() with headroom >= maxSurge is healthy, each headroom a value")
  void healthy() {
    cloud.group("workers-a", 5).group("workers-b", 2);
    CheckResult r = check(2).check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("5", r.values().get("headroom.workers-a"));
    assertEquals("2", r.values().get("headroom.workers-b"));
    assertEquals("2", r.values().get("minHeadroom"));
    assertEquals("2", r.values().get("lowestHeadroom"));
    assertEquals(List.of("nodeGroups", "headroom workers-a", "headroom workers-b"), cloud.calls);
  }

  @Test
  @DisplayName("a surge rotator already made counts as headroom the rotation still has, not as a shortage")
  void surgeInPlaceCounts() {
    cloud.group("workers-a", 0).group("workers-b", 1);
    QuotaHeadroomCheck q = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(2), g -> g.equals("workers-a") ? 2 : 0);
    CheckResult r = q.check();
    assertEquals(Status.UNHEALTHY, r.status(), "workers-b has neither headroom nor a surge in place");
    assertEquals("2", r.values().get("headroom.workers-a"));
    assertTrue(r.reason().contains("workers-b") && !r.reason().contains("workers-a"), r.reason());
  }

  @Test
  @DisplayName("a group that cannot launch maxSurge more instances is UNHEALTHY and named with its headroom")
  void shortGroup() {
    cloud.group("workers-a", 5).group("workers-b", 1);
    CheckResult r = check(2).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("groupsShort"));
    assertTrue(r.reason().contains("cannot launch 2 more instance(s)"), r.reason());
    assertTrue(r.reason().contains("workers-b (1)"), r.reason());
    assertFalse(r.reason().contains("workers-a"), r.reason());
  }

  @Test
  @DisplayName("with configured groups only those are asked, without listing all groups")
  void configuredGroups() {
    cloud.group("workers-a", 0).group("workers-b", 3);
    CheckResult r = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(1).withGroups(List.of("workers-b"))).check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals(List.of("headroom workers-b"), cloud.calls);
  }

  @Test
  @DisplayName("minHeadroom 0 passes with no headroom left, but still proves each group is readable")
  void zeroMinimum() {
    cloud.group("workers-a", 0);
    assertEquals(Status.HEALTHY, check(0).check().status());
    cloud.failures.put("workers-a", new CloudException(CloudException.Kind.RETRYABLE, "Throttling"));
    assertEquals(Status.UNKNOWN, check(0).check().status());
  }

  @Test
  @DisplayName("a provider error is UNKNOWN naming the group and the error kind; a QUOTA error is UNHEALTHY")
  void providerErrors() {
    cloud.group("workers-a", 5).group("workers-b", 5);
    cloud.failures.put("workers-b", new CloudException(CloudException.Kind.PERMANENT, "AccessDenied"));
    CheckResult r = check(1).check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("workers-b: CloudException PERMANENT: AccessDenied"), r.reason());
    assertEquals("error", r.values().get("headroom.workers-b"));

    cloud.failures.put("workers-a", new CloudException(CloudException.Kind.QUOTA, "VcpuLimitExceeded"));
    CheckResult q = check(1).check();
    assertEquals(Status.UNHEALTHY, q.status());
    assertTrue(q.reason().contains("quota exhausted in 1 node group(s): workers-a: VcpuLimitExceeded"), q.reason());
    assertTrue(q.reason().contains("could not be read: workers-b"), q.reason());
  }

  @Test
  @DisplayName("a configured group that does not exist is UNKNOWN, not skipped")
  void missingGroup() {
    cloud.group("workers-a", 5);
    CheckResult r = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(1).withGroups(List.of("gone"))).check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("gone: CloudException PERMANENT: node group gone does not exist"), r.reason());
  }

  @Test
  @DisplayName("no group to check, or a failing group listing, is UNKNOWN")
  void noGroups() {
    CheckResult none = check(1).check();
    assertEquals(Status.UNKNOWN, none.status());
    assertTrue(none.reason().contains("manages no node group"), none.reason());
    cloud.group("workers-a", 5);
    cloud.failNodeGroups = new IllegalStateException("endpoint unreachable");
    CheckResult failing = check(1).check();
    assertEquals(Status.UNKNOWN, failing.status());
    assertTrue(failing.reason().contains("cannot list the node groups of test"), failing.reason());
  }

  @Test
  @DisplayName("a hanging provider is UNKNOWN after the timeout, and later checks do not pile up threads behind it")
  void hangingProvider() throws Exception {
    cloud.group("workers-a", 5);
    CountDownLatch hang = new CountDownLatch(1);
    release = hang;
    cloud.hang = hang;
    QuotaHeadroomCheck c = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(1).withTimeout(Duration.ofMillis(150)));

    long t0 = System.nanoTime();
    CheckResult first = c.check();
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Status.UNKNOWN, first.status());
    assertTrue(first.reason().contains("did not answer within 150 ms"), first.reason());
    assertTrue(tookMs < 1000, "bounded by the timeout, took " + tookMs + " ms");

    // The interrupted call is still stuck (it ignores interrupts): answer at once, ask nothing more.
    cloud.hang = new CountDownLatch(0);
    CheckResult second = c.check();
    assertEquals(Status.UNKNOWN, second.status());
    assertTrue(second.reason().contains("has not yet answered an earlier check's call"), second.reason());

    hang.countDown(); // the cloud finally answers
    boolean recovered = false;
    for (int i = 0; i < 100 && !recovered; i++) {
      recovered = c.check().status() == Status.HEALTHY;
      if (!recovered) {
        TimeUnit.MILLISECONDS.sleep(10);
      }
    }
    assertTrue(recovered, "the check works again once the stuck call returned");
  }

  @Test
  @DisplayName("back-to-back checks never trip over the worker thread finishing the previous one")
  void backToBack() {
    cloud.group("workers-a", 5);
    QuotaHeadroomCheck c = check(1);
    for (int i = 0; i < 200; i++) {
      CheckResult r = c.check();
      assertEquals(Status.HEALTHY, r.status(), "check " + i + ": " + r.reason());
    }
  }

  @Test
  @DisplayName("settings are validated: minHeadroom >= 0, timeout within (0, 60s], group names non-empty and unique")
  void settingsValidated() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.forMaxSurge(-1));
    assertTrue(e.getMessage().startsWith("minHeadroom"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withTimeout(Duration.ZERO));
    assertTrue(e.getMessage().startsWith("timeout"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withGroups(List.of("a", "a")));
    assertTrue(e.getMessage().startsWith("groups lists a group twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withGroups(List.of(" ")));
    assertTrue(e.getMessage().startsWith("groups must not contain an empty"), e.getMessage());
    assertEquals(1, Settings.defaults().minHeadroom());
    assertTrue(Settings.defaults().groups().isEmpty());
  }
}
