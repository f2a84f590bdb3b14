package dev.rotator.core.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.port.CheckResult;
import dev.rotator.provider.PoolChanges;
import dev.rotator.provider.PoolTaint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PoolSwitchTest {
  private static final PoolChanges TO_131 =
      new PoolChanges(Optional.of("v1.31.0"), Optional.empty(), Optional.empty(), Optional.empty());

  private final PoolWorld world = new PoolWorld().pool("web-a", 3).deployment("shop", "web", 6, "1");
  private final List<PoolSwitchState> states = new ArrayList<>();

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  private PoolSwitch switchOf(boolean rollbackOnFreeze, Gate gate) {
    PoolSwitch s = world.poolSwitch(
        new PoolSwitchSpec("web-a", Optional.empty(), TO_131, OptionalInt.empty(), rollbackOnFreeze), gate);
    s.addListener(new PoolSwitch.PoolSwitchListener() {
      @Override
      public void onState(PoolSwitchRecord r) {
        states.add(r.state());
      }
    });
    return s;
  }

  private static Gate failingAfter(PoolWorld w, Instant[] failAt) {
    return step -> failAt[0] != null && !w.clock.now().isBefore(failAt[0])
        ? new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.CLUSTER_UNHEALTHY,
            List.of(CheckResult.unhealthy("cluster-state", "3 nodes NotReady", Map.of())))
        : GateDecision.pass(List.of());
  }

  private void assertAllWebPodsOn(String pool) {
    List<PodInfo> pods = world.podsOf("web");
    assertEquals(6, pods.size(), "no pod lost: " + pods);
    assertTrue(pods.stream().allMatch(p -> p.nodeName().startsWith(pool + "-")), "all on " + pool + ": " + pods);
  }

  @Test
  @DisplayName("a switch creates the new pool with the changes, labels and taints, drains the old one and deletes it")
  void switchesEndToEnd() throws Exception {
    PoolSwitchResult r = switchOf(false, Gate.open()).run("run-1");

    assertEquals(PoolSwitchResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(List.of(PoolSwitchState.NEW_POOL_CREATING, PoolSwitchState.NEW_POOL_READY,
        PoolSwitchState.OLD_POOL_TAINTED, PoolSwitchState.DRAINING, PoolSwitchState.OLD_POOL_DELETING,
        PoolSwitchState.OLD_POOL_DELETED, PoolSwitchState.DONE), states);
    assertEquals(List.of("create web-b", "delete web-a"), world.poolCalls);
    var created = world.pools.get("web-b");
    assertEquals("v1.31.0", created.version());
    assertEquals(Map.of("workload", "web"), created.labels());
    assertEquals(List.of(new PoolTaint("dedicated", "web", "NoSchedule")), created.taints());
    assertEquals(3, created.size());
    assertTrue(world.nodeNamesOf("web-a").isEmpty());
    assertAllWebPodsOn("web-b");
    assertEquals(PoolSwitchState.DONE, world.store.poolSwitch().orElseThrow().state());
    assertFalse(world.store.mode().frozen());
    // The PDB (maxUnavailable 1) refused some evictions and none was forced: the in-memory cluster never let
    // two web pods be unready at once.
    assertTrue(world.cluster.calls().stream().anyMatch(c -> c.contains("-> BLOCKED")), world.cluster.calls().toString());
  }

  @Test
  @DisplayName("without quota for the whole new pool the switch is refused up front with CLOUD_QUOTA and the numbers")
  void refusedForQuota() throws Exception {
    world.quota = 4;

    PoolSwitchResult r = switchOf(false, Gate.open()).run("run-1");

    assertEquals(PoolSwitchResult.Outcome.REFUSED, r.outcome());
    assertEquals(ReasonCode.CLOUD_QUOTA, r.reason());
    assertTrue(r.message().contains("3 instances needed, 1 available"), r.message());
    assertTrue(r.evidence().stream().anyMatch(e -> e.contains("up to 6 instances")), r.evidence().toString());
    assertTrue(world.poolCalls.isEmpty());
    assertTrue(world.store.poolSwitch().isEmpty());
    assertFalse(world.store.mode().frozen());
  }

  @Test
  @DisplayName("a run killed while the new pool comes up resumes without creating it twice")
  void resumesAfterCrashWhileCreating() throws Exception {
    PoolSwitch first = switchOf(false, Gate.open());
    first.addListener(new PoolSwitch.PoolSwitchListener() {
      @Override
      public void onState(PoolSwitchRecord r) {
        if (r.state() == PoolSwitchState.NEW_POOL_CREATING) {
          Thread.currentThread().interrupt();
        }
      }
    });
    assertEquals(PoolSwitchResult.Outcome.INTERRUPTED, first.run("run-1").outcome());
    assertEquals(PoolSwitchState.NEW_POOL_CREATING, world.store.poolSwitch().orElseThrow().state());
    Thread.interrupted();

    PoolSwitchResult r = switchOf(false, Gate.open()).run("run-2");

    assertEquals(PoolSwitchResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(1, world.poolCalls.stream().filter(c -> c.equals("create web-b")).count(), world.poolCalls.toString());
    assertEquals("run-1", r.record().runId());
    assertAllWebPodsOn("web-b");
  }

  @Test
  @DisplayName("a run killed mid-drain resumes the drain from the persisted state and finishes the switch")
  void resumesAfterCrashMidDrain() throws Exception {
    PoolSwitch first = switchOf(false, Gate.open());
    first.addListener(new PoolSwitch.PoolSwitchListener() {
      @Override
      public void onInfo(String message) {
        if (message.startsWith("drained ")) {
          Thread.currentThread().interrupt();
        }
      }
    });
    assertEquals(PoolSwitchResult.Outcome.INTERRUPTED, first.run("run-1").outcome());
    PoolSwitchRecord mid = world.store.poolSwitch().orElseThrow();
    assertEquals(PoolSwitchState.DRAINING, mid.state());
    assertTrue(!mid.drained().isEmpty() && mid.drained().size() < 3, mid.drained().toString());
    Thread.interrupted();

    PoolSwitchResult r = switchOf(false, Gate.open()).run("run-2");

    assertEquals(PoolSwitchResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(List.of("create web-b", "delete web-a"), world.poolCalls);
    assertAllWebPodsOn("web-b");
  }

  @Test
  @DisplayName("a gate failing mid-drain freezes and, with rollbackOnFreeze, rolls the switch back")
  void freezeRollsBack() throws Exception {
    Instant[] failAt = {null};
    PoolSwitch s = switchOf(true, failingAfter(world, failAt));
    s.addListener(new PoolSwitch.PoolSwitchListener() {
      @Override
      public void onState(PoolSwitchRecord r) {
        if (r.state() == PoolSwitchState.DRAINING) {
          failAt[0] = world.clock.now().plusSeconds(15);
        }
      }
    });

    PoolSwitchResult r = s.run("run-1");

    assertEquals(PoolSwitchResult.Outcome.ROLLED_BACK, r.outcome(), r.message());
    assertEquals(ReasonCode.CLUSTER_UNHEALTHY, r.reason());
    assertTrue(world.store.mode().frozen());
    assertEquals(PoolSwitchState.ROLLED_BACK, world.store.poolSwitch().orElseThrow().state());
    assertEquals(PoolSwitchState.DRAINING, world.store.poolSwitch().orElseThrow().rolledBackFrom());
    assertTrue(world.nodeNamesOf("web-b").isEmpty());
    assertFalse(world.pools.containsKey("web-b"));
    for (String n : world.nodeNamesOf("web-a")) {
      NodeInfo node = world.cluster.node(n).orElseThrow();
      assertFalse(node.unschedulable(), n + " uncordoned");
      assertFalse(node.hasTaint(RotationPolicy.OUTDATED_TAINT), n + " untainted");
    }
    assertAllWebPodsOn("web-a");
  }

  @Test
  @DisplayName("frozen without rollbackOnFreeze, the switch stops where it is and a human can roll it back")
  void frozenThenHumanRollback() throws Exception {
    Instant[] failAt = {null};
    PoolSwitch s = switchOf(false, failingAfter(world, failAt));
    s.addListener(new PoolSwitch.PoolSwitchListener() {
      @Override
      public void onState(PoolSwitchRecord r) {
        if (r.state() == PoolSwitchState.OLD_POOL_TAINTED) {
          failAt[0] = world.clock.now();
        }
      }
    });
    PoolSwitchResult frozen = s.run("run-1");
    assertEquals(PoolSwitchResult.Outcome.FROZEN, frozen.outcome(), frozen.message());
    assertTrue(world.pools.containsKey("web-b"));

    PoolSwitchResult r = switchOf(false, Gate.open()).rollback("rollback-1", "cli:alice");

    assertEquals(PoolSwitchResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(PoolSwitchState.ROLLED_BACK, world.store.poolSwitch().orElseThrow().state());
    assertFalse(world.pools.containsKey("web-b"));
    assertAllWebPodsOn("web-a");
  }

  @Test
  @DisplayName("a run after a completed switch has nothing to do and says which pool to configure next")
  void runAfterDone() throws Exception {
    assertEquals(PoolSwitchResult.Outcome.COMPLETED, switchOf(false, Gate.open()).run("run-1").outcome());

    PoolSwitchResult again = switchOf(false, Gate.open()).run("run-2");

    assertEquals(PoolSwitchResult.Outcome.NOTHING_TO_DO, again.outcome(), again.message());
    assertTrue(again.message().contains("set nodePool.pool to web-b"), again.message());
    assertEquals(List.of("create web-b", "delete web-a"), world.poolCalls);
  }

  @Test
  @DisplayName("rollback is refused once the old pool is deleted, saying why")
  void rollbackRefusedAfterDeletion() throws Exception {
    assertEquals(PoolSwitchResult.Outcome.COMPLETED, switchOf(false, Gate.open()).run("run-1").outcome());

    PoolSwitchResult r = switchOf(false, Gate.open()).rollback("rollback-1", "cli:alice");

    assertEquals(PoolSwitchResult.Outcome.REFUSED, r.outcome());
    assertTrue(r.message().contains("old pool web-a is deleted"), r.message());
    assertTrue(world.pools.containsKey("web-b"));
  }

  @Test
  @DisplayName("plan reports up to twice the capacity, the quota numbers and the PDBs that block now")
  void planShowsCapacityQuotaAndBlockers() {
    world.quota = 5;
    // Make the PDB block now: one web pod unready.
    PodInfo one = world.podsOf("web").get(0);
    world.cluster.addPod(PoolWorld.pod("shop", "web", one.ref().name(), one.nodeName(), false));

    PoolPlan plan = switchOf(false, Gate.open()).plan();

    assertEquals(6, plan.peakInstances());
    assertEquals(3, plan.quota().needed());
    assertEquals(2, plan.quota().available());
    assertFalse(plan.quota().sufficient());
    assertEquals(3, plan.oldNodes().size());
    assertEquals(1, plan.pdbBlockers().size(), plan.pdbBlockers().toString());
    assertTrue(plan.estimate().toMinutes() >= 5);
    assertEquals("web-b", plan.newPool().name());
  }
}
