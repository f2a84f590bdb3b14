package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.PodWatch;
import dev.rotator.core.port.RotationEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The speed levers of {@code policy.speed} and the PDB-hostage handling, each on and off. */
class SpeedLeversTest {

  private static RunOptions opts() {
    return RunOptions.defaults("speed-test");
  }

  /** Counts nodes in flight (overall and per zone) from the engine's own transitions, and keeps info lines. */
  static final class Watcher implements EngineListener {
    final Map<String, NodeState> states = new HashMap<>();
    final Map<String, String> zones = new HashMap<>();
    final Map<String, Integer> maxPerZone = new HashMap<>();
    final List<String> infos = new CopyOnWriteArrayList<>();
    int maxInFlight;
    /** Max in flight while {@link #window} is true. */
    int maxInFlightInWindow;
    volatile boolean window;

    @Override
    public void onTransition(NodeProgress n) {
      states.put(n.node(), n.state());
      zones.put(n.node(), n.zone());
      int all = 0;
      Map<String, Integer> perZone = new HashMap<>();
      for (var e : states.entrySet()) {
        if (e.getValue().inFlight()) {
          all++;
          perZone.merge(zones.get(e.getKey()), 1, Integer::sum);
        }
      }
      maxInFlight = Math.max(maxInFlight, all);
      if (window) {
        maxInFlightInWindow = Math.max(maxInFlightInWindow, all);
      }
      perZone.forEach((z, c) -> maxPerZone.merge(z, c, Math::max));
    }

    @Override
    public void onInfo(String node, String message) {
      infos.add(message);
    }

    boolean said(String part) {
      return infos.stream().anyMatch(m -> m.contains(part));
    }
  }

  private static RotationPolicy.Speed off() {
    return RotationPolicy.Speed.off();
  }

  private static RunResult run(TestWorld w, RotationPolicy p, Watcher watcher) throws InterruptedException {
    RotationEngine e = w.engine(p, Gate.open());
    e.addListener(watcher);
    return e.run(opts());
  }

  private static PodInfo sick(String ns, String app, String name, String node, Instant since) {
    return new PodInfo(new PodRef(ns, name), node, Map.of("app", app), OwnerKind.REPLICA_SET, app, false, false,
        false, "Running", false, false, since, "CrashLoopBackOff");
  }

  // ---- 1. parallel batches across zones, per-zone limit

  /** Six old nodes in zone-a, three in zone-b: a zone-unbalanced cluster. */
  private static TestWorld unbalanced() {
    TestWorld w = new TestWorld();
    Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
    for (int i = 0; i < 9; i++) {
      w.addNode("old-" + i, "v1.30.0", i < 6 ? "zone-a" : "zone-b", true, t0.plusSeconds(i));
    }
    w.desired = 9;
    return w.deployment("a", "x", 9, "3", null);
  }

  @Test
  @DisplayName("maxUnavailablePerZone keeps each zone within its share while other zones go in parallel")
  void perZoneLimit() throws Exception {
    TestWorld w = unbalanced();
    Watcher on = new Watcher();
    RotationPolicy p = TestWorld.policy(3, 0).withSpeed(RotationPolicy.Speed.defaults().withMaxUnavailablePerZone(1));
    RunResult r = run(w, p.withSpeed(p.speed()), on);
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(9, r.count(NodeState.DONE));
    assertEquals(1, on.maxPerZone.get("zone-a"), "zone-a never had more than 1 node in flight");
    assertEquals(2, on.maxInFlight, "zone-a and zone-b went in parallel");
    assertTrue(w.maxUnavailableSeen <= 3, "capacity: " + w.maxUnavailableSeen);

    TestWorld w2 = unbalanced();
    Watcher offW = new Watcher();
    RunResult r2 = run(w2, TestWorld.policy(3, 0).withSpeed(RotationPolicy.Speed.defaults()), offW);
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertTrue(offW.maxPerZone.get("zone-a") >= 2, "without the limit zone-a takes more: " + offW.maxPerZone);
    assertTrue(w2.maxUnavailableSeen <= 3);
  }

  // ---- 2. surge before drain

  @Test
  @DisplayName("surgeBeforeDrain requests the surge before the first cordon; off, no capacity is requested or awaited")
  void surgeBeforeDrain() throws Exception {
    TestWorld w = new TestWorld().nodes(4).deployment("a", "x", 4, "1", null);
    Watcher on = new Watcher();
    RunResult r = run(w, TestWorld.policy(1, 1), on);
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals("desired 5", w.cloudCalls.get(1), "surge first: " + w.cloudCalls);
    assertTrue(on.infos.stream().anyMatch(m -> m.matches("first new node .* Ready 9[0-5]s after the surge was requested")),
        "90s provisioning, seen within a poll interval: " + on.infos);
    assertTrue(r.message().contains("surge 1 requested 0s before the first drain"), r.message());
    assertEquals(4, w.desired);

    TestWorld w2 = new TestWorld().nodes(4).deployment("a", "x", 4, "1", null);
    RotationPolicy noSurge = TestWorld.policy(1, 1).withSpeed(RotationPolicy.Speed.defaults().withSurgeBeforeDrain(false));
    RunResult r2 = run(w2, noSurge, new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertTrue(w2.cloudCalls.stream().noneMatch(c -> c.startsWith("desired")), "no surge: " + w2.cloudCalls);
    assertTrue(w2.cloudCalls.stream().filter(c -> c.startsWith("terminate")).noneMatch(c -> c.endsWith("decrement")),
        "nothing to give back: " + w2.cloudCalls);
    assertEquals(4, w2.desired);
    assertTrue(w2.maxUnavailableSeen <= 1);
    // 4 nodes one at a time, each waiting only for its own replacement (90s provisioning), not for a surge.
    assertTrue(r2.elapsed().compareTo(Duration.ofMinutes(20)) < 0, "took " + r2.elapsed());

    assertThrows(IllegalArgumentException.class,
        () -> TestWorld.policy(0, 1).withSpeed(RotationPolicy.Speed.defaults().withSurgeBeforeDrain(false)),
        "maxUnavailable 0 without surge could never start a node");
  }

  // ---- 3. drainability-aware ordering

  /** old-0 holds a Ready db pod whose PDB allows nothing until its other replica is Ready at 02:00. */
  private static TestWorld blockedFirstNode() {
    TestWorld w = new TestWorld().nodes(3);
    w.addNode("current-0", "v1.31.0", "zone-a", true, Instant.parse("2025-06-01T00:00:00Z"));
    w.desired++;
    w.cluster.addPod(TestWorld.pod("data", "db", "db-a", "old-0", true, OwnerKind.STATEFUL_SET));
    w.cluster.addPod(TestWorld.pod("data", "db", "db-b", "current-0", false, OwnerKind.STATEFUL_SET));
    w.cluster.addPdb(new dev.rotator.core.fake.InMemoryCluster.PdbSpec(
        "data", "db-pdb", LabelSelector.of(Map.of("app", "db")), null, "1"));
    Instant readyAt = w.clock.now().plus(Duration.ofMinutes(2));
    w.clock.onAdvance(now -> {
      if (!now.isBefore(readyAt)) {
        w.cluster.addPod(TestWorld.pod("data", "db", "db-b", "current-0", true, OwnerKind.STATEFUL_SET));
      }
    });
    return w;
  }

  @Test
  @DisplayName("drainabilityOrder starts a node whose PDBs allow a disruption before one that is blocked")
  void drainabilityOrder() throws Exception {
    TestWorld w = blockedFirstNode();
    RunResult r = run(w, TestWorld.policy(1, 0).withSpeed(RotationPolicy.Speed.defaults()), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    String firstCordon = w.cluster.calls().stream().filter(c -> c.startsWith("cordon")).findFirst().orElseThrow();
    assertFalse(firstCordon.equals("cordon old-0"), "the blocked node waits: " + w.cluster.calls());
    assertTrue(w.maxUnavailableSeen <= 1);

    TestWorld w2 = blockedFirstNode();
    RunResult r2 = run(w2, TestWorld.policy(1, 0).withSpeed(RotationPolicy.Speed.defaults().withDrainabilityOrder(false)),
        new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertEquals("cordon old-0",
        w2.cluster.calls().stream().filter(c -> c.startsWith("cordon")).findFirst().orElseThrow(),
        "off: the plain order");
  }

  /** Pods of one single-disruption PDB on neighbouring nodes, as a scheduler packs a Deployment created at once. */
  private static TestWorld neighbours() {
    TestWorld w = new TestWorld().nodes(6);
    w.deploymentOn("shop", "web", List.of("old-0", "old-1", "old-2"), "1");
    w.deploymentOn("shop", "api", List.of("old-3", "old-4", "old-5"), "1");
    return w;
  }

  private static List<String> cordons(TestWorld w) {
    return w.cluster.calls().stream().filter(c -> c.startsWith("cordon")).toList();
  }

  @Test
  @DisplayName("drainabilityOrder spreads the nodes in flight over PDBs: neighbours sharing a one-disruption PDB do"
      + " not start together")
  void spreadOrder() throws Exception {
    TestWorld w = neighbours();
    RunResult r = run(w, TestWorld.policy(2, 0), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    List<String> first = cordons(w).subList(0, 2);
    assertTrue(first.contains("cordon old-0") && first.stream().anyMatch(c -> c.matches("cordon old-[345]")),
        "one web node and one api node first: " + cordons(w));
    assertTrue(w.maxUnavailableSeen <= 2);

    TestWorld off = neighbours();
    RunResult r2 = run(off, TestWorld.policy(2, 0).withSpeed(RotationPolicy.Speed.defaults().withDrainabilityOrder(false)),
        new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    // The cordons of one round go out in parallel: their order in the log is not the decision's order.
    assertEquals(java.util.Set.of("cordon old-0", "cordon old-1"), java.util.Set.copyOf(cordons(off).subList(0, 2)),
        "off: the plain order");
  }

  @Test
  @DisplayName("NotReady nodes still go first under drainabilityOrder, even when a PDB blocks them")
  void notReadyFirstKept() throws Exception {
    TestWorld w = blockedFirstNode();
    // old-2 is NotReady and also holds a Ready pod of the blocked db PDB: it still goes first.
    w.cluster.addPod(TestWorld.pod("data", "db", "db-c", "old-2", true, OwnerKind.STATEFUL_SET));
    NodeInfo old2 = w.cluster.node("old-2").orElseThrow();
    w.cluster.updateNode(new NodeInfo(old2.name(), old2.labels(), old2.annotations(), old2.kubeletVersion(),
        old2.providerId(), false, false, old2.created(), old2.taints()));
    RunResult r = run(w, TestWorld.policy(1, 0), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals("cordon old-2", w.cluster.calls().stream().filter(c -> c.startsWith("cordon")).findFirst().orElseThrow());
  }

  // ---- 4. parallel evictions within a node

  /** A Cluster that lets every eviction wait at a barrier for {@code parties} of them, and counts overlap. */
  static class SlowEvictions implements Cluster {
    final Cluster d;
    final CyclicBarrier barrier;
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger maxInside = new AtomicInteger();
    final List<String> threads = new CopyOnWriteArrayList<>();

    SlowEvictions(Cluster d, int parties) {
      this.d = d;
      this.barrier = parties > 1 ? new CyclicBarrier(parties) : null;
    }

    @Override
    public EvictionResult evict(PodRef pod) {
      threads.add(Thread.currentThread().getName());
      maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        if (barrier != null) {
          barrier.await(5, TimeUnit.SECONDS); // sequential requests would never meet here
        }
        return d.evict(pod);
      } catch (Exception e) {
        return EvictionResult.failed("barrier: " + e);
      } finally {
        inside.decrementAndGet();
      }
    }

    @Override public List<NodeInfo> nodes() { return d.nodes(); }
    @Override public Optional<NodeInfo> node(String n) { return d.node(n); }
    @Override public List<PodInfo> podsOnNode(String n) { return d.podsOnNode(n); }
    @Override public List<PodInfo> pendingPods() { return d.pendingPods(); }
    @Override public List<PdbInfo> pdbs() { return d.pdbs(); }
    @Override public void cordon(String n) { d.cordon(n); }
    @Override public void uncordon(String n) { d.uncordon(n); }
    @Override public void addTaint(String n, Taint t) { d.addTaint(n, t); }
    @Override public void removeTaint(String n, String k) { d.removeTaint(n, k); }
    @Override public void annotateNode(String n, String k, String v) { d.annotateNode(n, k, v); }
    @Override public void deleteNode(String n) { d.deleteNode(n); }
    @Override public PodWatch watchPodsOnNode(String n) { return d.watchPodsOnNode(n); }
  }

  @Test
  @DisplayName("a pod watch that never syncs (its LIST keeps failing) does not stall a drain: the engine lists the"
      + " node's pods itself every 15 s and the rotation completes")
  @org.junit.jupiter.api.Timeout(60) // without the fallback the drain waited for the watch forever
  void drainWithoutSyncedWatch() throws Exception {
    TestWorld w = new TestWorld().nodes(2).deployment("a", "x", 4, "1", null);
    w.start();
    java.util.concurrent.atomic.AtomicInteger lists = new java.util.concurrent.atomic.AtomicInteger();
    SlowEvictions neverSynced = new SlowEvictions(w.cluster, 1) {
      @Override
      public List<PodInfo> podsOnNode(String n) {
        lists.incrementAndGet();
        return super.podsOnNode(n);
      }

      @Override
      public PodWatch watchPodsOnNode(String n) {
        return new PodWatch() {
          @Override
          public List<PodInfo> pods() {
            throw new AssertionError("pods() of a watch that never synced");
          }

          @Override
          public boolean synced() {
            return false;
          }

          @Override
          public void close() {}
        };
      }
    };
    RotationEngine e = new RotationEngine(new Ports(neverSynced, w, w.store, Gate.open(), w.notifier, w.clock),
        TestWorld.policy(1, 1), OutdatedSelector.kubeletBelow("v1.31.0"));
    RunResult r = e.run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message() + r.evidence());
    assertEquals(2, r.count(NodeState.DONE));
    assertTrue(lists.get() > 2, "the pods were listed instead: " + lists.get());
  }

  @Test
  @DisplayName("evictionParallelism issues one node's evictions concurrently; 1 issues them one after the other")
  void parallelEvictions() throws Exception {
    TestWorld w = new TestWorld().nodes(1).deployment("a", "x", 4, null, null);
    w.start();
    SlowEvictions slow = new SlowEvictions(w.cluster, 4);
    RotationPolicy p = TestWorld.policy(1, 0).withSpeed(RotationPolicy.Speed.defaults().withEvictionParallelism(4));
    Watcher watcher = new Watcher();
    RotationEngine e = new RotationEngine(new Ports(slow, w, w.store, Gate.open(), w.notifier, w.clock), p,
        OutdatedSelector.kubeletBelow("v1.31.0"));
    List<String> listenerThreads = new CopyOnWriteArrayList<>();
    e.addListener(new EngineListener() {
      @Override
      public void onEviction(String node, PodRef pod, EvictionResult r) {
        listenerThreads.add(Thread.currentThread().getName());
      }
    });
    e.addListener(watcher);
    RunResult r = e.run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(4, slow.maxInside.get(), "the 4 evictions were in flight together");
    assertEquals(4, w.cluster.calls().stream().filter(c -> c.endsWith("-> EVICTED")).count(), w.cluster.calls().toString());
    assertTrue(slow.threads.stream().allMatch(t -> t.startsWith("rotator-evict-")), slow.threads.toString());
    String engineThread = Thread.currentThread().getName();
    assertTrue(listenerThreads.stream().allMatch(engineThread::equals), "results folded back on the engine thread");

    TestWorld w2 = new TestWorld().nodes(1).deployment("a", "x", 4, null, null);
    w2.start();
    SlowEvictions serial = new SlowEvictions(w2.cluster, 1);
    RotationEngine e2 = new RotationEngine(new Ports(serial, w2, w2.store, Gate.open(), w2.notifier, w2.clock),
        TestWorld.policy(1, 0).withSpeed(RotationPolicy.Speed.defaults().withEvictionParallelism(1)),
        OutdatedSelector.kubeletBelow("v1.31.0"));
    RunResult r2 = e2.run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertEquals(1, serial.maxInside.get());
    assertTrue(serial.threads.stream().allMatch(engineThread::equals), serial.threads.toString());
  }

  @Test
  @DisplayName("parallel evictions keep each pod's backoff: a refused pod is retried on its own schedule")
  void parallelEvictionsBackoffPerPod() throws Exception {
    TestWorld w = new TestWorld().nodes(2).deployment("a", "x", 2, "1", null).deployment("b", "y", 4, null, null);
    AtomicInteger refusals = new AtomicInteger();
    Map<PodRef, List<Instant>> attempts = new java.util.concurrent.ConcurrentHashMap<>();
    w.cluster.evictionScript(ref -> {
      attempts.computeIfAbsent(ref, k -> new CopyOnWriteArrayList<>()).add(w.clock.now());
      return ref.namespace().equals("a") && refusals.getAndIncrement() < 3
          ? EvictionResult.blocked("budget", List.of("x-pdb")) : null;
    });
    RunResult r = run(w, TestWorld.policy(1, 0), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    for (var e : attempts.entrySet()) {
      if (e.getKey().namespace().equals("b")) {
        assertEquals(1, e.getValue().size(), "an unrefused pod is asked once: " + e);
      }
    }
    List<Instant> retried = attempts.entrySet().stream().filter(e -> e.getValue().size() > 1)
        .findFirst().orElseThrow().getValue();
    for (int i = 1; i < retried.size(); i++) {
      assertTrue(Duration.between(retried.get(i - 1), retried.get(i)).compareTo(Duration.ofMillis(2500)) >= 0,
          "backoff between attempts: " + retried);
    }
  }

  // ---- 5. adaptive concurrency

  private static PodInfo unschedulable(String name) {
    return new PodInfo(new PodRef("a", name), "", Map.of("app", "pending"), OwnerKind.REPLICA_SET, "p", false,
        false, false, "Pending", false, true);
  }

  @Test
  @DisplayName("adaptive concurrency halves on unschedulable pods, climbs back by one per node done, never above max")
  void adaptiveOnPendingPods() throws Exception {
    TestWorld w = new TestWorld().nodes(12).deployment("a", "x", 12, "4", null);
    w.cluster.addPod(unschedulable("stuck-0"));
    Watcher watcher = new Watcher();
    watcher.window = true;
    Instant clear = w.clock.now().plus(Duration.ofMinutes(6));
    w.clock.onAdvance(now -> {
      if (!now.isBefore(clear) && watcher.window) {
        w.cluster.removePod(new PodRef("a", "stuck-0"));
        watcher.window = false;
      }
    });
    RunResult r = run(w, TestWorld.policy(4, 0), watcher);
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(watcher.said("adaptive concurrency: limit 4 -> 2 of 4 (1 unschedulable Pending pod(s) > 0)"),
        watcher.infos.toString());
    assertTrue(watcher.maxInFlightInWindow <= 2, "while congested: " + watcher.maxInFlightInWindow);
    assertTrue(watcher.said("adaptive concurrency: limit 3 -> 4 of 4"), "climbs back: " + watcher.infos);
    assertEquals(4, watcher.maxInFlight, "back at the maximum, never above it");
    assertTrue(watcher.infos.stream().noneMatch(m -> m.matches(".*-> [5-9] of 4.*")));
    assertTrue(w.maxUnavailableSeen <= 4);
    assertTrue(r.message().contains("adaptive concurrency went down to"), r.message());

    TestWorld w2 = new TestWorld().nodes(12).deployment("a", "x", 12, "4", null);
    w2.cluster.addPod(unschedulable("stuck-0"));
    Watcher offW = new Watcher();
    RotationPolicy offP = TestWorld.policy(4, 0)
        .withSpeed(RotationPolicy.Speed.defaults().withAdaptive(RotationPolicy.Adaptive.off()));
    RunResult r2 = run(w2, offP, offW);
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertEquals(4, offW.maxInFlight, "off: the configured maximum at once");
    assertFalse(offW.said("adaptive concurrency"));
    assertEquals(0, w2.cluster.reads("pendingPods"), "off: Pending pods are never listed by the engine");
  }

  @Test
  @DisplayName("adaptive concurrency halves when the engine's own API calls are slow")
  void adaptiveOnLatency() throws Exception {
    TestWorld w = new TestWorld().nodes(6).deployment("a", "x", 6, "2", null);
    Watcher watcher = new Watcher();
    RotationEngine e = w.engine(TestWorld.policy(2, 0), Gate.open());
    AtomicLong fake = new AtomicLong();
    e.latencyTicker(() -> fake.addAndGet(3_000_000_000L)); // every call looks like it took 3 s
    e.addListener(watcher);
    RunResult r = e.run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(watcher.said("adaptive concurrency: limit 2 -> 1 of 2 (Kubernetes API reads take 3000ms"),
        watcher.infos.toString());
    assertEquals(1, watcher.maxInFlight, "slow API all along: one node at a time");
  }

  // ---- 6. PDB hostage

  /**
   * web: 3 replicas on old-0, old-1 and current-0 (a node this run does not rotate), PDB maxUnavailable 1; the
   * replica on current-0 crash-loops since {@code sickFor} ago.
   */
  private static TestWorld hostageWorld(Duration sickFor) {
    TestWorld w = new TestWorld().nodes(2);
    w.addNode("current-0", "v1.31.0", "zone-c", true, Instant.parse("2025-06-01T00:00:00Z"));
    w.desired++;
    w.deployment("shop", "web", 3, "1", null);
    PodInfo onCurrent = w.cluster.podsOnNode("current-0").stream().filter(p -> "web".equals(p.labels().get("app")))
        .findFirst().orElseThrow();
    w.cluster.addPod(sick("shop", "web", onCurrent.ref().name(), "current-0", w.clock.now().minus(sickFor)));
    return w;
  }

  @Test
  @DisplayName("a PDB held by a pod not Ready past the grace freezes with PDB_HOSTAGE, evidence, and nothing else")
  void hostageFreezes() throws Exception {
    for (boolean pdbAware : List.of(true, false)) {
      hostageFreezes(pdbAware);
    }
  }

  private void hostageFreezes(boolean pdbAware) throws Exception {
    TestWorld w = hostageWorld(Duration.ofMinutes(20));
    RotationPolicy p = TestWorld.policy(1, 0);
    RunResult r = run(w, p.withSpeed(p.speed().withPdbAwareEvictions(pdbAware)), new Watcher());
    assertEquals(RunResult.Outcome.FROZEN, r.outcome(), r.message());
    assertEquals(ReasonCode.PDB_HOSTAGE, r.reason());
    assertEquals("PDB_HOSTAGE", w.store.mode().reason());
    String ev = String.join("\n", r.evidence());
    assertTrue(ev.contains("PDB shop/web-pdb (maxUnavailable 1): healthy 2 of 3, needs 2, disruptionsAllowed 0"), ev);
    assertTrue(ev.matches("(?s).*unhealthy pod shop/web-\\d+ on current-0: not Ready for 12\\d\\ds, CrashLoopBackOff.*"), ev);
    assertTrue(ev.contains("(Ready; its budget is used up by the unhealthy pods)"), ev);
    List<String> calls = w.cluster.calls().stream().filter(c -> !c.startsWith("taint ")).toList();
    if (pdbAware) {
      // The PDB's status already says no: the eviction is held, not sent.
      assertEquals(1, calls.size(), "one cordon, no eviction request, nothing else: " + calls);
    } else {
      assertEquals(2, calls.size(), "one cordon and the one refused eviction, nothing else: " + calls);
      assertTrue(calls.get(1).endsWith("-> BLOCKED"), calls.toString());
    }
    assertTrue(calls.get(0).startsWith("cordon "), calls.toString());
    assertTrue(w.cloudCalls.stream().noneMatch(c -> c.startsWith("terminate")));
    assertEquals(ReasonCode.PDB_HOSTAGE.runbook(), "runbooks/pdb-hostage.md");
  }

  @Test
  @DisplayName("a pod unhealthy for less than the grace is an ordinary wait: the rotation completes once it recovers")
  void shortUnhealthyIsNotHostage() throws Exception {
    TestWorld w = hostageWorld(Duration.ofMinutes(2));
    PodInfo sickPod = w.cluster.podsOnNode("current-0").stream().filter(p -> !p.ready()).findFirst().orElseThrow();
    Instant recovers = w.clock.now().plus(Duration.ofMinutes(5));
    w.clock.onAdvance(now -> {
      if (!now.isBefore(recovers) && w.cluster.podsOnNode("current-0").contains(sickPod)) {
        w.cluster.addPod(TestWorld.pod("shop", "web", sickPod.ref().name(), "current-0", true, OwnerKind.REPLICA_SET));
      }
    });
    RunResult r = run(w, TestWorld.policy(1, 0), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("delete pod")));
  }

  /** web: 4 replicas, PDB maxUnavailable 1; both replicas on old-0 crash-loop since `since`. */
  private static TestWorld sickOnDrainedNode(Duration sickFor) {
    TestWorld w = new TestWorld().nodes(2);
    for (int i = 0; i < 4; i++) {
      String node = i < 2 ? "old-0" : "old-1";
      w.cluster.addPod(i < 2
          ? sick("shop", "web", "web-" + i, node, w.clock.now().minus(sickFor))
          : TestWorld.pod("shop", "web", "web-" + i, node, true, OwnerKind.REPLICA_SET));
    }
    w.cluster.addPdb(new dev.rotator.core.fake.InMemoryCluster.PdbSpec(
        "shop", "web-pdb", LabelSelector.of(Map.of("app", "web")), null, "1"));
    // The Deployment's controller: a deleted replica comes back Ready on a new node a minute later.
    w.clock.onAdvance(now -> {
      long have = w.cluster.podsSelectedBy("shop", LabelSelector.of(Map.of("app", "web"))).size();
      Optional<NodeInfo> fresh = w.cluster.nodes().stream().filter(n -> n.name().startsWith("new-")).findFirst();
      for (long i = have; i < 4 && fresh.isPresent(); i++) {
        w.cluster.addPod(TestWorld.pod("shop", "web", "web-new-" + now.getEpochSecond() + "-" + i,
            fresh.get().name(), true, OwnerKind.REPLICA_SET));
      }
    });
    return w;
  }

  private static RotationPolicy.UnhealthyPodEviction optIn(List<String> ns, Map<String, String> labels) {
    return new RotationPolicy.UnhealthyPodEviction(ns, LabelSelector.of(labels), Duration.ofMinutes(10));
  }

  @Test
  @DisplayName("opt-in: not-Ready pods past the grace, in scope, are deleted gracefully and evented; Ready pods never")
  void optInDeletesUnhealthy() throws Exception {
    TestWorld w = sickOnDrainedNode(Duration.ofMinutes(7));
    Instant start = w.clock.now();
    RotationPolicy p = TestWorld.policy(1, 1).withUnhealthyPodEviction(optIn(List.of("shop"), Map.of()));
    RunResult r = run(w, p, new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message() + " " + r.evidence());
    List<String> deletes = w.cluster.calls().stream().filter(c -> c.startsWith("delete pod")).toList();
    // web-0 is deleted (the budget's healthy count is not met, so the API refuses it); its replacement comes up
    // Ready, the count is met again, and the API then evicts web-1 itself: no second delete is needed.
    assertEquals(1, deletes.size(), w.cluster.calls().toString());
    assertTrue(deletes.get(0).startsWith("delete pod shop/web-0 (not Ready since "), deletes.toString());
    assertTrue(w.cluster.calls().contains("evict shop/web-1 -> EVICTED"), w.cluster.calls().toString());
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.matches("delete pod shop/web-[23] .*")), "Ready pods never");
    List<RotationEvent> events = w.notifier.ofType(RotationEvent.Type.POD_DELETED);
    assertEquals(1, events.size());
    for (RotationEvent e : events) {
      assertTrue(!e.at().isBefore(start.plus(Duration.ofMinutes(3))), "not before the 10m grace: " + e.at());
      assertTrue(e.evidence().get(0).contains("CrashLoopBackOff"), e.evidence().toString());
      assertTrue(e.message().contains("shop/web-pdb"), e.message());
    }
    assertTrue(r.message().contains("1 not-Ready pod(s) deleted"), r.message());
  }

  @Test
  @DisplayName("opt-in out of scope (namespace or selector) deletes nothing and freezes with PDB_HOSTAGE")
  void optInOutOfScope() throws Exception {
    for (RotationPolicy.UnhealthyPodEviction scope : List.of(
        optIn(List.of("other"), Map.of()), optIn(List.of(), Map.of("app", "api")),
        RotationPolicy.UnhealthyPodEviction.off())) {
      TestWorld w = sickOnDrainedNode(Duration.ofMinutes(30));
      RunResult r = run(w, TestWorld.policy(1, 1).withUnhealthyPodEviction(scope), new Watcher());
      assertEquals(RunResult.Outcome.FROZEN, r.outcome(), scope + ": " + r.message());
      assertEquals(ReasonCode.PDB_HOSTAGE, r.reason());
      assertTrue(r.evidence().stream().anyMatch(e -> e.contains("outside policy.unhealthyPodEviction's scope")),
          r.evidence().toString());
      assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("delete")), w.cluster.calls().toString());
      assertTrue(w.notifier.ofType(RotationEvent.Type.POD_DELETED).isEmpty());
    }
  }

  /** A cluster whose pod watches keep showing one gone, terminating pod (a watch that missed a deletion). */
  static final class GhostWatch extends SlowEvictions {
    GhostWatch(Cluster d) {
      super(d, 1);
    }

    @Override
    public PodWatch watchPodsOnNode(String n) {
      PodWatch real = d.watchPodsOnNode(n);
      PodInfo ghost = new PodInfo(new PodRef("a", "ghost-on-" + n), n, Map.of("app", "x"), OwnerKind.REPLICA_SET,
          "x", false, false, true, "Running", true, false);
      return new PodWatch() {
        @Override
        public List<PodInfo> pods() {
          List<PodInfo> out = new ArrayList<>(real.pods());
          out.add(ghost);
          return out;
        }

        @Override
        public boolean synced() {
          return real.synced();
        }

        @Override
        public void close() {
          real.close();
        }
      };
    }
  }

  @Test
  @DisplayName("a pod watch that missed a deletion is corrected by one fresh list, not frozen on")
  void staleWatchResynced() throws Exception {
    TestWorld w = new TestWorld().nodes(2).deployment("a", "x", 2, "1", null);
    w.start();
    Watcher watcher = new Watcher();
    RotationEngine e = new RotationEngine(new Ports(new GhostWatch(w.cluster), w, w.store, Gate.open(), w.notifier,
        w.clock), TestWorld.policy(1, 0).withDrainTimeout(Duration.ofMinutes(5)),
        OutdatedSelector.kubeletBelow("v1.31.0"));
    e.addListener(watcher);
    RunResult r = e.run(opts());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message() + r.evidence());
    assertTrue(watcher.said("the pod watch still showed 1 pod(s) that are gone [a/ghost-on-old-0]"), watcher.infos.toString());
  }

  // ---- 8. API reads

  @Test
  @DisplayName("PDBs and Pending pods are read at most once per round, and not at all with the levers off")
  void readsPerRound() throws Exception {
    TestWorld w = new TestWorld().nodes(9).deployment("a", "x", 18, "2", null);
    RunResult r = run(w, TestWorld.policy(2, 1), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    long rounds = w.clock.sleeps();
    assertTrue(w.cluster.reads("pdbs") <= rounds, w.cluster.reads("pdbs") + " pdbs reads in " + rounds + " rounds");
    assertTrue(w.cluster.reads("pendingPods") <= rounds, w.cluster.reads("pendingPods") + " in " + rounds);

    TestWorld w2 = new TestWorld().nodes(9).deployment("a", "x", 18, "2", null);
    RunResult r2 = run(w2, TestWorld.policy(2, 1).withSpeed(off().withSurgeBeforeDrain(true)), new Watcher());
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertEquals(0, w2.cluster.reads("pdbs"));
    assertEquals(0, w2.cluster.reads("pendingPods"));
  }

  @Test
  @DisplayName("every lever on, on a larger world: capacity and zone limits hold and everything is rotated")
  void allLeversInvariants() throws Exception {
    TestWorld w = new TestWorld().nodes(15).deployment("a", "x", 30, "2", null).deployment("b", "y", 15, null, "13");
    Watcher watcher = new Watcher();
    RotationPolicy p = TestWorld.policy(3, 2)
        .withSpeed(RotationPolicy.Speed.defaults().withMaxUnavailablePerZone(2));
    RunResult r = run(w, p, watcher);
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message() + r.evidence());
    assertEquals(15, r.count(NodeState.DONE));
    assertTrue(w.maxUnavailableSeen <= 3, "capacity: " + w.maxUnavailableSeen);
    assertTrue(watcher.maxInFlight <= 5);
    watcher.maxPerZone.forEach((z, c) -> assertTrue(c <= 2, z + ": " + c));
    List<String> evicted = new ArrayList<>(w.cluster.calls().stream().filter(c -> c.startsWith("evict")).toList());
    assertFalse(evicted.isEmpty());
  }
}
