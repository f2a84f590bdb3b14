package dev.rotator.health.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.health.quota.QuotaHeadroomCheck.Settings;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeGroupSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The quota check against the fake cloud the simulator uses: quotas and max sizes as the fake models them. */
class QuotaHeadroomCheckFakeCloudTest {
  private final ManualClock clock = new ManualClock();
  private final FakeCloud cloud = new FakeCloud(clock);

  private static FakeGroupSpec group(String id, int desired, int max, int quota) {
    return new FakeGroupSpec(
        id, List.of("z1", "z2"), desired, 0, max, quota, "v1.31.2", null, 4000, 16384, Duration.ofSeconds(90));
  }

  @BeforeEach
  void groups() {
    cloud.addGroup(group("workers", 3, 10, 5));
    cloud.addGroup(group("batch", 2, 2, 4)); // at max size already
    cloud.reconcile(clock.now());
  }

  @Test
  @DisplayName("fake cloud: a group at its max size has no headroom and fails a maxSurge of 1")
  void groupAtMaxSize() {
    CheckResult r = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(1)).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("2", r.values().get("headroom.workers"), "quota 5 - 3 live");
    assertEquals("0", r.values().get("headroom.batch"), "max 2 - desired 2");
    assertTrue(r.reason().contains("batch (0)"), r.reason());
  }

  @Test
  @DisplayName("fake cloud: a quota lowered under the surge need fails, raising it again passes")
  void quotaChanges() {
    QuotaHeadroomCheck c = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(2).withGroups(List.of("workers")));
    assertEquals(Status.HEALTHY, c.check().status());
    cloud.setQuota("workers", 4);
    CheckResult low = c.check();
    assertEquals(Status.UNHEALTHY, low.status());
    assertEquals("1", low.values().get("headroom.workers"));
    cloud.setQuota("workers", 8);
    assertEquals(Status.HEALTHY, c.check().status());
  }

  @Test
  @DisplayName("fake cloud: an injected provider failure is UNKNOWN, an injected QUOTA failure UNHEALTHY")
  void injectedFailures() {
    QuotaHeadroomCheck c = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(1).withGroups(List.of("workers")));
    cloud.failNext("headroom", new CloudException(CloudException.Kind.RETRYABLE, "RequestLimitExceeded"));
    assertEquals(Status.UNKNOWN, c.check().status());
    cloud.failNext("headroom", new CloudException(CloudException.Kind.QUOTA, "InstanceLimitExceeded"));
    assertEquals(Status.UNHEALTHY, c.check().status());
    assertEquals(Status.HEALTHY, c.check().status());
    assertEquals(3, cloud.calls("headroom").size());
    assertEquals(0, cloud.calls("setDesiredCapacity").size(), "a health check never changes capacity");
  }

  @Test
  @DisplayName("fake cloud: a configured group the cloud does not have is UNKNOWN")
  void unknownGroup() {
    CheckResult r = new QuotaHeadroomCheck(cloud, Settings.forMaxSurge(1).withGroups(List.of("nope"))).check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("node group nope does not exist"), r.reason());
  }
}
