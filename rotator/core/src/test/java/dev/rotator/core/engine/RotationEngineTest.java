package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.RotationEvent;
import dev.rotator.provider.CloudException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RotationEngineTest {

  /** Cluster calls that disrupt (cordon, evict, delete); marking new nodes for the autoscaler does not. */
  private static long disruptive(List<String> calls) {
    return calls.stream().filter(c -> !c.startsWith("annotate ") && !c.startsWith("taint ")).count();
  }

  private static RunOptions opts() {
    return RunOptions.defaults("test-run");
  }

  @Test
  @DisplayName("rotates every outdated node through cordon, evict, delete, terminate and replacement, in that order")
  void rotatesAll() throws Exception {
    TestWorld w = new TestWorld().nodes(6).deployment("shop", "web", 6, "1", null);
    w.addNode("current-0", "v1.31.0", "zone-a", true, Instant.parse("2025-06-01T00:00:00Z"));
    w.desired++;
    RunResult r = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts());

    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(6, r.count(NodeState.DONE));
    assertTrue(w.cluster.node("current-0").isPresent(), "a current node is never touched");
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.contains("current-0")));
    for (int i = 0; i < 6; i++) {
      List<String> calls = w.cluster.calls();
      String n = "old-" + i;
      int cordon = calls.indexOf("cordon " + n);
      int delete = calls.indexOf("delete node " + n);
      assertTrue(cordon >= 0 && delete > cordon, n + ": cordon before delete " + calls);
      assertTrue(w.cloudCalls.stream().anyMatch(c -> c.startsWith("terminate " + n)), n + " terminated");
    }
    assertEquals(7, w.desired, "the group ends at its original size after the surge");
    assertEquals(1, w.notifier.ofType(RotationEvent.Type.FINISHED).size());
    assertEquals(Mode.ROTATE, w.store.mode().mode());
  }

  @Test
  @DisplayName("never has more nodes unavailable than maxUnavailable, counted on Ready schedulable capacity")
  void maxUnavailableNeverExceeded() throws Exception {
    for (int maxUnavailable = 1; maxUnavailable <= 3; maxUnavailable++) {
      TestWorld w = new TestWorld().nodes(9).deployment("a", "x", 9, "3", null);
      RunResult r = w.engine(TestWorld.policy(maxUnavailable, 0), Gate.open()).run(opts());
      assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
      assertTrue(w.maxUnavailableSeen <= maxUnavailable,
          "saw " + w.maxUnavailableSeen + " unavailable with maxUnavailable " + maxUnavailable);
      assertTrue(w.maxUnavailableSeen >= 1, "the world's counter works");
    }
  }

  @Test
  @DisplayName("with maxUnavailable 0 and a surge, capacity never drops below the start and the surge is given back")
  void surgeOnly() throws Exception {
    TestWorld w = new TestWorld().nodes(4).deployment("a", "x", 4, "1", null);
    RunResult r = w.engine(TestWorld.policy(0, 1), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(0, w.maxUnavailableSeen);
    assertEquals("begin group-1", w.cloudCalls.get(0));
    assertEquals("desired 5", w.cloudCalls.get(1));
    assertTrue(w.cloudCalls.get(w.cloudCalls.size() - 2).endsWith("decrement"), w.cloudCalls.toString());
    assertEquals("end group-1", w.cloudCalls.get(w.cloudCalls.size() - 1), "the group's rotation is always ended");
    assertEquals(4, w.desired);
  }

  @Test
  @DisplayName("a frozen cluster is not touched at all")
  void frozenAtStart() throws Exception {
    TestWorld w = new TestWorld().nodes(3);
    w.store.freeze("MANUAL", "maintenance", List.of(), "cli:alice");
    RunResult r = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.MANUAL, r.reason());
    assertTrue(w.cluster.calls().isEmpty());
    assertTrue(w.cloudCalls.isEmpty());
  }

  @Test
  @DisplayName("a freeze set by a human mid-run stops every new disruptive action at the next round")
  void humanFreezeMidRun() throws Exception {
    TestWorld w = new TestWorld().nodes(6).deployment("a", "x", 6, "1", null);
    AtomicInteger callsAtFreeze = new AtomicInteger(-1);
    w.clock.onAdvance(now -> {
      if (callsAtFreeze.get() < 0 && w.cluster.calls().stream().anyMatch(c -> c.startsWith("delete node"))) {
        w.store.freeze("MANUAL", "stop", List.of(), "cli:bob");
        callsAtFreeze.set((int) (disruptive(w.cluster.calls()) + w.cloudCalls.size()));
      }
    });
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    long disruptiveCloudCalls = w.cloudCalls.stream().filter(c -> !c.startsWith("end ")).count();
    assertEquals(callsAtFreeze.get(), disruptive(w.cluster.calls()) + disruptiveCloudCalls,
        "no disruptive call after the freeze was set (ending the group's rotation is not one)");
    assertEquals("cli:bob", w.store.mode().by(), "the human's freeze is kept, not overwritten");
    assertTrue(w.notifier.ofType(RotationEvent.Type.FROZEN).isEmpty(), "a human freeze is not re-alerted as ours");
  }

  @Test
  @DisplayName("a failing gate freezes with the check's reason and evidence before anything is disrupted")
  void gateFails() throws Exception {
    TestWorld w = new TestWorld().nodes(3);
    Gate failing = step -> new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.ETCD_QUORUM,
        List.of(CheckResult.unhealthy("etcd", "1/3 members healthy", Map.of("healthy", "1"))));
    RunResult r = w.engine(TestWorld.policy(1, 1), failing).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.ETCD_QUORUM, r.reason());
    assertTrue(r.evidence().get(0).contains("1/3 members healthy"), r.evidence().toString());
    assertTrue(w.cluster.calls().isEmpty());
    assertTrue(w.cloudCalls.isEmpty());
    assertEquals("ETCD_QUORUM", w.store.mode().reason());
    RotationEvent alert = w.notifier.ofType(RotationEvent.Type.FROZEN).get(0);
    assertEquals("ETCD_QUORUM", alert.reason());
  }

  @Test
  @DisplayName("the composite gate fails closed on a check that throws or hangs, and needs consecutive passes")
  void compositeGate() {
    dev.rotator.core.port.HealthCheck ok = check("ok", () -> CheckResult.healthy("ok", "", Map.of()));
    dev.rotator.core.port.HealthCheck boom = check("boom", () -> {
      throw new IllegalStateException("unreachable");
    });
    dev.rotator.core.port.HealthCheck slow = check("slow", () -> {
      try {
        Thread.sleep(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return CheckResult.healthy("slow", "", Map.of());
    });
    try (CompositeGate g = new CompositeGate(List.of(ok), 2, Duration.ofMillis(200))) {
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      assertEquals(GateDecision.Verdict.PASS, g.evaluate("x").verdict());
    }
    try (CompositeGate g = new CompositeGate(List.of(ok, boom), 1, Duration.ofMillis(200))) {
      GateDecision d = g.evaluate("x");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict());
      assertEquals(CheckResult.Status.UNKNOWN, d.results().get(1).status());
    }
    try (CompositeGate g = new CompositeGate(List.of(slow), 1, Duration.ofMillis(100))) {
      GateDecision d = g.evaluate("x");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict());
      assertTrue(d.evidence().get(0).contains("no answer within"), d.evidence().toString());
    }
  }

  private static dev.rotator.core.port.HealthCheck check(String name, java.util.function.Supplier<CheckResult> s) {
    return new dev.rotator.core.port.HealthCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public ReasonCode reasonCode() {
        return ReasonCode.CLUSTER_UNHEALTHY;
      }

      @Override
      public CheckResult check() {
        return s.get();
      }
    };
  }

  @Test
  @DisplayName("a PDB that never allows a disruption ends in DRAIN_TIMEOUT naming pod and PDB, node not forced")
  void drainTimeout() throws Exception {
    TestWorld w = new TestWorld().nodes(3).deployment("pay", "ledger", 3, null, "3");
    RunResult r = w.engine(TestWorld.policy(1, 0).withDrainTimeout(Duration.ofMinutes(5)), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.DRAIN_TIMEOUT, r.reason());
    assertTrue(r.evidence().stream().anyMatch(e -> e.contains("pay/ledger-") && e.contains("pay/ledger-pdb")),
        r.evidence().toString());
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("delete node")));
    assertTrue(w.cloudCalls.stream().noneMatch(c -> c.startsWith("terminate")));
    assertEquals("end group-1", w.cloudCalls.get(w.cloudCalls.size() - 1), "a frozen run ends the group's rotation too");
    assertTrue(w.cluster.node("old-0").orElseThrow().unschedulable(), "the node stays cordoned");
    long attempts = w.cluster.calls().stream().filter(c -> c.startsWith("evict")).count();
    assertTrue(attempts < 60, "backoff keeps attempts bounded over 5 minutes, got " + attempts);
    assertEquals("DRAIN_TIMEOUT", w.store.mode().reason());
  }

  @Test
  @DisplayName("a 429 is retried with backoff and the pod is evicted once its PDB allows it")
  void retriesBlockedEviction() throws Exception {
    TestWorld w = new TestWorld().nodes(2).deployment("a", "x", 2, "1", null);
    AtomicInteger refusals = new AtomicInteger();
    w.cluster.evictionScript(ref -> refusals.get() < 3 && refusals.incrementAndGet() > 0
        ? EvictionResult.blocked("budget", List.of("x-pdb")) : null);
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(3, refusals.get());
  }

  @Test
  @DisplayName("a node with an unmanaged pod is refused before cordon unless the policy allows it")
  void unmanagedPod() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.cluster.addPod(TestWorld.pod("ops", "debug", "debug", "old-0", true, OwnerKind.NONE));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.DRAIN_REFUSED, r.reason());
    assertTrue(r.evidence().get(0).contains("ops/debug"));
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("cordon")), w.cluster.calls().toString());

    TestWorld w2 = new TestWorld().nodes(2);
    w2.cluster.addPod(TestWorld.pod("ops", "debug", "debug", "old-0", true, OwnerKind.NONE));
    RunResult r2 = w2.engine(TestWorld.policy(1, 0).withPodRules(true, false), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertTrue(w2.cluster.calls().contains("evict ops/debug -> EVICTED"));
  }

  @Test
  @DisplayName("DaemonSet and mirror pods are never evicted and do not block the drain")
  void daemonSetAndMirror() throws Exception {
    TestWorld w = new TestWorld().nodes(1);
    w.cluster.addPod(TestWorld.pod("kube-system", "ds", "ds-1", "old-0", true, OwnerKind.DAEMON_SET));
    w.cluster.addPod(new PodInfo(new PodRef("kube-system", "etcd-old-0"), "old-0", Map.of(), OwnerKind.NONE, "",
        true, false, true, "Running", false, false));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("evict")), w.cluster.calls().toString());
  }

  @Test
  @DisplayName("NotReady nodes go first; skip-annotated nodes and nodes of another provider are left alone")
  void orderAndSkips() {
    TestWorld w = new TestWorld().nodes(4);
    NodeInfo sick = w.cluster.node("old-3").orElseThrow();
    w.cluster.updateNode(new NodeInfo(sick.name(), sick.labels(), sick.annotations(), sick.kubeletVersion(),
        sick.providerId(), false, false, sick.created(), sick.taints()));
    NodeInfo keep = w.cluster.node("old-1").orElseThrow();
    w.cluster.updateNode(new NodeInfo(keep.name(), keep.labels(), Map.of(RotationPolicy.SKIP_ANNOTATION, "true"),
        keep.kubeletVersion(), keep.providerId(), true, false, keep.created(), keep.taints()));
    w.cluster.addNode(new NodeInfo("foreign", Map.of(), Map.of(), "v1.29.0", "aws:///us-east-1a/i-1", true,
        false, Instant.EPOCH, List.of()));
    Plan plan = w.engine(TestWorld.policy(1, 1), Gate.open()).plan();
    List<String> order = plan.nodes().stream().map(Plan.PlannedNode::node).toList();
    assertEquals(List.of("old-3", "old-0", "old-2"), order);
    assertEquals(2, plan.skipped().size(), plan.skipped().toString());
    assertEquals(List.of(1, 1, 2), plan.nodes().stream().map(Plan.PlannedNode::batch).toList());
  }

  @Test
  @DisplayName("plan names the PDBs that would block a node's drain right now, and changes nothing")
  void planShowsBlockers() {
    TestWorld w = new TestWorld().nodes(2).deployment("pay", "ledger", 2, null, "2");
    Plan plan = w.engine(TestWorld.policy(1, 0), Gate.open()).plan();
    assertEquals(List.of("pay/ledger-pdb"), plan.nodes().get(0).blockingPdbs());
    assertTrue(w.cluster.calls().isEmpty());
  }

  @Test
  @DisplayName("a replacement that never comes freezes with REPLACEMENT_NOT_READY")
  void replacementNeverComes() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.replacementsArrive = false;
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.REPLACEMENT_NOT_READY, r.reason());
    assertEquals(1, w.cloudCalls.stream().filter(c -> c.startsWith("terminate")).count(),
        "the second node is never started while the first is not replaced");
  }

  @Test
  @DisplayName("an unreadable state store reads as frozen: nothing is touched")
  void unreadableState() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.store.failReads(new ClusterException(ClusterException.Kind.RETRYABLE, "connection refused"));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.API_UNAVAILABLE, r.reason());
    assertTrue(w.cluster.calls().isEmpty());
  }

  @Test
  @DisplayName("a permanent cloud error on terminate freezes with CLOUD_ERROR after the node was drained and deleted")
  void cloudError() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.failTerminate = new CloudException(CloudException.Kind.PERMANENT, "AccessDenied");
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.CLOUD_ERROR, r.reason());
    assertTrue(r.message().contains("AccessDenied"));
  }

  @Test
  @DisplayName("--once rotates one batch and leaves the rest for the next run")
  void once() throws Exception {
    TestWorld w = new TestWorld().nodes(5);
    RunResult r = w.engine(TestWorld.policy(2, 0), Gate.open())
        .run(new RunOptions("r", true, false, "cronjob"));
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(2, r.count(NodeState.DONE));
    assertEquals(3, r.count(NodeState.PENDING));
    assertTrue(r.message().contains("3 left"), r.message());
  }

  @Test
  @DisplayName("a gate that waits holds every disruptive step until it passes")
  void gateWaits() throws Exception {
    TestWorld w = new TestWorld().nodes(1);
    AtomicInteger evaluations = new AtomicInteger();
    Gate slowToPass = step -> evaluations.incrementAndGet() < 4
        ? new GateDecision(GateDecision.Verdict.WAIT, null, List.of())
        : GateDecision.pass(List.of());
    RunResult r = w.engine(TestWorld.policy(1, 0), slowToPass).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(evaluations.get() >= 4);
    assertFalse(w.cluster.calls().isEmpty());
  }

  @Test
  @DisplayName("control-plane nodes are never rotated by the engine")
  void controlPlaneSkipped() {
    TestWorld w = new TestWorld().nodes(2);
    w.cluster.addNode(new NodeInfo("cp-0", Map.of("node-role.kubernetes.io/control-plane", ""), Map.of(), "v1.30.0",
        "test:///zone-a/group-1/cp-0", true, false, Instant.EPOCH, List.of()));
    Plan plan = w.engine(TestWorld.policy(1, 0), Gate.open()).plan();
    assertTrue(plan.nodes().stream().noneMatch(n -> n.node().equals("cp-0")));
    assertTrue(plan.skipped().stream().anyMatch(s -> s.startsWith("cp-0: control-plane")), plan.skipped().toString());
  }

  @Test
  @DisplayName("a node a frozen run left cordoned still counts against maxUnavailable when the next run starts")
  void leftCordonedCountsAsDisrupted() throws Exception {
    TestWorld w = new TestWorld().nodes(4);
    w.cluster.cordon("old-0");
    w.cluster.addTaint("old-0", new dev.rotator.core.model.Taint(RotationPolicy.OUTDATED_TAINT, "true", "PreferNoSchedule"));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(0, w.maxUnavailableSeen, "never a second node down beside the one left cordoned");
    assertEquals("old-0", r.nodes().get(0).node(), "the cordoned node (NotReady-first aside) is finished first");
  }

  @Test
  @DisplayName("capacity that never comes back (another node went NotReady) freezes instead of waiting forever")
  void capacityWaitBounded() throws Exception {
    TestWorld w = new TestWorld().nodes(3);
    w.addNode("current-0", "v1.31.0", "zone-a", true, Instant.EPOCH);
    w.desired++;
    w.clock.onAdvance(now -> w.cluster.node("current-0").filter(NodeInfo::ready).ifPresent(n ->
        w.cluster.updateNode(new NodeInfo(n.name(), n.labels(), n.annotations(), n.kubeletVersion(), n.providerId(),
            false, false, n.created(), n.taints()))));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.CLUSTER_UNHEALTHY, r.reason());
    assertTrue(r.evidence().get(0).contains("floor"), r.evidence().toString());
    assertEquals(1, r.count(NodeState.DONE));
  }

  @Test
  @DisplayName("retryable API errors on cordon and node delete are retried with backoff, then the rotation completes")
  void retryableErrors() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    ClusterException flaky = new ClusterException(ClusterException.Kind.RETRYABLE, "503 Service Unavailable");
    w.cluster.failNext("cordon", 2, flaky);
    w.cluster.failNext("deleteNode", 2, flaky);
    w.cluster.failNext("podsOnNode", 1, flaky);
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(2, r.count(NodeState.DONE));
  }

  @Test
  @DisplayName("API errors that never stop freeze with API_UNAVAILABLE after a bounded number of attempts")
  void persistentApiErrors() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.cluster.failNext("cordon", 1000, new ClusterException(ClusterException.Kind.RETRYABLE, "503"));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(ReasonCode.API_UNAVAILABLE, r.reason());
    assertTrue(w.clock.sleeps() < 200, "bounded: " + w.clock.sleeps() + " rounds");
  }

  @Test
  @DisplayName("a surge a previous run left in place is reused and given back, not added again")
  void previousSurgeAdopted() throws Exception {
    TestWorld w = new TestWorld().nodes(3);
    w.addNode("surged-0", "v1.31.0", "zone-a", true, Instant.EPOCH);
    w.desired = 4;
    w.store.saveProgress(new RotationProgress("old-run", Instant.EPOCH, Instant.EPOCH, "ENDED",
        Map.of("group-1", 3), List.of()));
    RunResult r = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(w.cloudCalls.stream().noneMatch(c -> c.startsWith("desired")), w.cloudCalls.toString());
    assertEquals(3, w.desired, "back to the size before the first run's surge");
  }

  @Test
  @DisplayName("a freeze set while the engine waits for its first gate pass stops it before the surge")
  void freezeDuringFirstGateWait() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    AtomicInteger evaluations = new AtomicInteger();
    Gate waiting = step -> {
      if (evaluations.incrementAndGet() == 2) {
        w.store.freeze("MANUAL", "stop", List.of(), "cli:carol");
      }
      return new GateDecision(GateDecision.Verdict.WAIT, null, List.of());
    };
    RunResult r = w.engine(TestWorld.policy(1, 1), waiting).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertTrue(w.cloudCalls.isEmpty());
    assertTrue(w.cluster.calls().isEmpty());
  }

  @Test
  @DisplayName("groups a crashed run left in rotation (progress still RUNNING) are ended by the next run, even frozen")
  void crashedRunEnded() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.store.saveProgress(new RotationProgress("crashed", Instant.EPOCH, Instant.EPOCH, "RUNNING",
        Map.of("group-1", 2), List.of()));
    w.store.freeze("MANUAL", "investigating", List.of(), "cli:dave");
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals(List.of("end group-1"), w.cloudCalls);
    assertTrue(w.cluster.calls().isEmpty());
  }

  @Test
  @DisplayName("new nodes are marked against autoscaler scale-down during the run and unmarked at its end")
  void newNodesProtected() throws Exception {
    TestWorld w = new TestWorld().nodes(3);
    RunResult r = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    List<String> marks = w.cluster.calls().stream().filter(c -> c.startsWith("annotate")).toList();
    assertTrue(marks.stream().anyMatch(c -> c.endsWith(RotationEngine.SCALE_DOWN_DISABLED + "=true")), marks.toString());
    for (NodeInfo n : w.cluster.nodes()) {
      assertFalse(n.annotations().containsKey(RotationEngine.SCALE_DOWN_DISABLED), n.name() + " still marked");
    }
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("annotate old-")), "old nodes never marked");
  }

  @Test
  @DisplayName("the gate names the UNHEALTHY check's reason even when an UNKNOWN one comes first")
  void unhealthyPreferredOverUnknown() {
    dev.rotator.core.port.HealthCheck unknown = new dev.rotator.core.port.HealthCheck() {
      public String name() {
        return "apiserver";
      }

      public ReasonCode reasonCode() {
        return ReasonCode.API_LATENCY;
      }

      public CheckResult check() {
        return CheckResult.unknown("apiserver", "read timed out");
      }
    };
    dev.rotator.core.port.HealthCheck unhealthy = new dev.rotator.core.port.HealthCheck() {
      public String name() {
        return "etcd";
      }

      public ReasonCode reasonCode() {
        return ReasonCode.ETCD_QUORUM;
      }

      public CheckResult check() {
        return CheckResult.unhealthy("etcd", "1/3 healthy", Map.of());
      }
    };
    try (CompositeGate g = new CompositeGate(List.of(unknown, unhealthy), 1, Duration.ofSeconds(2))) {
      assertEquals(ReasonCode.ETCD_QUORUM, g.evaluate("x").reason());
    }
  }

  @Test
  @DisplayName("a gate failure while nodes only wait (no disruptive step due) still freezes within a round")
  void gateCheckedWhileWaiting() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.replacementsArrive = false;
    AtomicInteger evaluations = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
    w.clock.onAdvance(now -> {
      if (w.cloudCalls.stream().anyMatch(c -> c.startsWith("terminate"))) {
        broken.set(true);
      }
    });
    Gate gate = step -> {
      evaluations.incrementAndGet();
      return broken.get()
          ? new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.CLUSTER_UNHEALTHY, List.of())
          : GateDecision.pass(List.of());
    };
    RunResult r = w.engine(TestWorld.policy(1, 0), gate).run(opts());
    assertEquals(ReasonCode.CLUSTER_UNHEALTHY, r.reason(), "frozen by the gate, not by the replacement timeout");
    assertTrue(r.elapsed().compareTo(Duration.ofMinutes(5)) < 0, "within rounds, not 15 minutes: " + r.elapsed());
  }

  @Test
  @DisplayName("a freeze that cannot be persisted at first is retried")
  void freezeWriteRetried() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    AtomicInteger failures = new AtomicInteger();
    dev.rotator.core.port.StateStore flaky = new dev.rotator.core.port.StateStore() {
      public dev.rotator.core.port.ModeState mode() {
        return w.store.mode();
      }

      public dev.rotator.core.port.ModeState freeze(String reason, String message, List<String> evidence, String by) {
        if (failures.incrementAndGet() <= 2) {
          throw new ClusterException(ClusterException.Kind.RETRYABLE, "503");
        }
        return w.store.freeze(reason, message, evidence, by);
      }

      public dev.rotator.core.port.ModeState resume(String by) {
        return w.store.resume(by);
      }

      public void saveProgress(RotationProgress p) {
        w.store.saveProgress(p);
      }

      public java.util.Optional<RotationProgress> progress() {
        return w.store.progress();
      }
    };
    w.start();
    Gate failing = step -> new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.ETCD_QUORUM, List.of());
    RunResult r = new RotationEngine(new Ports(w.cluster, w, flaky, failing, w.notifier, w.clock),
        TestWorld.policy(1, 0), OutdatedSelector.kubeletBelow("v1.31.0")).run(opts());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome());
    assertEquals("ETCD_QUORUM", w.store.mode().reason(), "persisted on the third attempt");
  }

  @Test
  @DisplayName("an interrupt (SIGTERM) ends the run safely: nodes left as they are, groups ended, progress saved")
  void interruptedRunEndsSafely() throws Exception {
    TestWorld w = new TestWorld().nodes(3).deployment("a", "x", 3, "1", null);
    w.clock.onAdvance(now -> {
      if (w.cluster.calls().stream().anyMatch(c -> c.startsWith("cordon"))) {
        Thread.currentThread().interrupt(); // the next sleep sees it, as after a shutdown hook's interrupt
      }
    });
    RunResult r = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts());
    boolean interruptFlag = Thread.interrupted(); // clear it for the other tests
    assertEquals(RunResult.Outcome.INTERRUPTED, r.outcome(), r.message());
    assertTrue(interruptFlag, "the interrupt status is kept for the caller");
    assertEquals("end group-1", w.cloudCalls.get(w.cloudCalls.size() - 1), "the group's rotation is ended");
    assertEquals("ENDED", w.store.progress().orElseThrow().outcome(), "progress saved as ended, not left RUNNING");
    assertTrue(w.cloudCalls.stream().noneMatch(c -> c.startsWith("terminate")), "no step after the interrupt");
  }

  @Test
  @DisplayName("an instance whose Node a previous run deleted but never terminated is terminated by the next run")
  void orphanInstanceTerminated() throws Exception {
    TestWorld w = new TestWorld().nodes(2);
    w.instances.add("old-9"); // the instance lives on; its Node is gone
    w.store.saveProgress(new RotationProgress("frozen-run", Instant.EPOCH, Instant.EPOCH, "ENDED", Map.of(),
        List.of(new NodeProgress("old-9", "group-1", "old-9", "zone-a", NodeState.DELETED, Instant.EPOCH, ""))));
    RunResult r = w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals("terminate old-9", w.cloudCalls.get(0), w.cloudCalls.toString());
    assertEquals(1, w.cloudCalls.stream().filter(c -> c.equals("terminate old-9")).count(), "once");
    TestWorld w2 = new TestWorld().nodes(2);
    w2.instances.add("old-8"); // the run died after deleting the Node, before saving DELETED
    w2.store.saveProgress(new RotationProgress("dead-run", Instant.EPOCH, Instant.EPOCH, "RUNNING", Map.of(),
        List.of(new NodeProgress("old-8", "group-1", "old-8", "zone-a", NodeState.DRAINED, Instant.EPOCH, ""))));
    w2.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertTrue(w2.cloudCalls.contains("terminate old-8"), w2.cloudCalls.toString());
    w.engine(TestWorld.policy(1, 0), Gate.open()).run(opts());
    assertEquals(1, w.cloudCalls.stream().filter(c -> c.equals("terminate old-9")).count(), "not again next run");
  }

  @Test
  @DisplayName("an orphan left with more surge in place than outdated nodes to rotate gives a surge instance back,"
      + " so the group ends at its original size")
  void orphanGivesSurgeBack() throws Exception {
    // The dead run found 2 nodes (old-0, old-9), surged by 2 (desired 4), deleted old-9's Node and died before
    // terminating it. Only old-0 is left to rotate: one termination cannot give back two surge instances.
    TestWorld w = new TestWorld().nodes(1);
    w.instances.add("old-9");
    w.desired = 4;
    w.store.saveProgress(new RotationProgress("dead-run", Instant.EPOCH, Instant.EPOCH, "RUNNING",
        Map.of("group-1", 2),
        List.of(new NodeProgress("old-9", "group-1", "old-9", "zone-a", NodeState.DELETED, Instant.EPOCH, ""))));
    RunResult r = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(w.cloudCalls.contains("terminate old-9 decrement"), w.cloudCalls.toString());
    assertEquals(2, w.desired, "back at the size before the dead run's surge: " + w.cloudCalls);
  }
}
