package dev.rotator.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.NodePool;
import dev.rotator.provider.PoolChanges;
import dev.rotator.provider.PoolTaint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FakeNodePoolsTest {
  private final ManualClock clock = new ManualClock();
  private final FakeCloud cloud = new FakeCloud(clock);
  private final FakeNodePools pools = new FakeNodePools(cloud);
  private static final PoolChanges TO_131 =
      new PoolChanges(Optional.of("v1.31.2"), Optional.empty(), Optional.of("fake.large"), Optional.empty());

  private void workers(int quota) {
    cloud.addGroup(new FakeGroupSpec("workers-a", List.of("a", "b"), 4, 0, 8, quota, "v1.30.6", "fake.standard",
        4000, 16384, Duration.ofSeconds(30)));
    cloud.reconcile(clock.now());
    clock.advance(Duration.ofSeconds(30));
    cloud.reconcile(clock.now());
    pools.setTemplate("workers-a", Map.of("workload", "web"), List.of(new PoolTaint("dedicated", "web", "NoSchedule")));
  }

  @Test
  @DisplayName("a pool created from another copies its shape, labels and taints, applies the changes and launches")
  void createsFromTemplate() {
    workers(8);
    NodePool old = pools.pool("workers-a").orElseThrow();

    pools.createPool(old.derive("workers-b", TO_131, 4), old);
    pools.createPool(old.derive("workers-b", TO_131, 4), old);
    cloud.reconcile(clock.now());

    NodePool created = pools.pool("workers-b").orElseThrow();
    assertEquals("v1.31.2", created.version());
    assertEquals("fake.large", created.machineType());
    assertEquals(Map.of("workload", "web"), created.labels());
    assertEquals(List.of(new PoolTaint("dedicated", "web", "NoSchedule")), created.taints());
    assertEquals(4, pools.poolInstances("workers-b").size());
    assertEquals(List.of("a", "b"), cloud.groupSpec("workers-b").zones());
    assertEquals(List.of("createPool workers-b", "createPool workers-b"), pools.calls());
  }

  @Test
  @DisplayName("pools derived from one share its quota: the headroom counts both, and a create beyond it is QUOTA")
  void sharedQuota() {
    workers(6);
    NodePool old = pools.pool("workers-a").orElseThrow();
    NodePool next = old.derive("workers-b", TO_131, 4);

    assertEquals(2, pools.quotaFor(next, old, 4).available());
    assertFalse(pools.quotaFor(next, old, 4).sufficient());
    CloudException e = assertThrows(CloudException.class, () -> pools.createPool(next, old));
    assertEquals(CloudException.Kind.QUOTA, e.kind());
    assertTrue(pools.pool("workers-b").isEmpty());
  }

  @Test
  @DisplayName("deleting a pool terminates its instances on the next reconcile; observers still see the group")
  void deletes() {
    workers(8);
    List<String> terminated = new ArrayList<>();
    cloud.addListener(new FakeCloud.Listener() {
      @Override
      public void onInstanceTerminated(FakeInstance i) {
        terminated.add(i.id());
      }
    });

    assertFalse(pools.deletePool("workers-a"), "instances still running");
    assertTrue(pools.pool("workers-a").isEmpty());
    assertTrue(cloud.nodeGroups().isEmpty());
    assertThrows(CloudException.class, () -> cloud.nodeGroup("workers-a"));
    cloud.reconcile(clock.now());

    assertEquals(4, terminated.size());
    assertTrue(pools.deletePool("workers-a"));
    assertEquals(0, cloud.peekGroup("workers-a").desired(), "observers (the simulator's recorder) still see it");
    assertTrue(cloud.settled());
  }
}
