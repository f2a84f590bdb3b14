package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.EvictionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** PDB-aware eviction scheduling ({@code policy.speed.pdbAwareEvictions}), on the engine and on its own. */
class PdbAwareEvictionsTest {

  private static final Duration POLL = RotationPolicy.defaults().pollInterval();

  /** Every eviction request the engine made: when (engine clock), which pod, what answer. */
  record Request(Instant at, String node, PodRef pod, EvictionResult.Outcome outcome) {}

  static final class Requests implements EngineListener {
    final List<Request> all = new CopyOnWriteArrayList<>();
    final List<String> infos = new CopyOnWriteArrayList<>();
    private final TestWorld w;

    Requests(TestWorld w) {
      this.w = w;
    }

    @Override
    public void onEviction(String node, PodRef pod, EvictionResult r) {
      all.add(new Request(w.clock.now(), node, pod, r.outcome()));
    }

    @Override
    public void onInfo(String node, String message) {
      infos.add(message);
    }

    /** Nodes in the order the engine recorded them CORDONED (cordon requests of one round go out in parallel). */
    final List<String> started = new CopyOnWriteArrayList<>();

    @Override
    public void onTransition(NodeProgress n) {
      if (n.state() == NodeState.CORDONED) {
        started.add(n.node());
      }
    }

    long count(EvictionResult.Outcome o) {
      return all.stream().filter(r -> r.outcome() == o).count();
    }
  }

  private static RotationPolicy policy(int maxUnavailable, int maxSurge, boolean pdbAware) {
    RotationPolicy p = TestWorld.policy(maxUnavailable, maxSurge);
    return p.withSpeed(p.speed().withPdbAwareEvictions(pdbAware));
  }

  private static RunResult run(TestWorld w, RotationPolicy p, Requests listener) throws InterruptedException {
    RotationEngine e = w.engine(p, Gate.open());
    e.addListener(listener);
    return e.run(RunOptions.defaults("pdb-aware-test"));
  }

  /** Adds nodes of the target version (not rotated), where evicted pods come back. */
  private static void currentNodes(TestWorld w, int n) {
    for (int i = 0; i < n; i++) {
      w.addNode("current-" + i, "v1.31.0", "zone-c", true, Instant.parse("2025-06-01T00:00:00Z").plusSeconds(i));
      w.desired++;
    }
  }

  /**
   * n old nodes, each running one pod of web (PDB minAvailable n-1: one disruption at a time; the fake counts a
   * maxUnavailable budget's expected pods from the pods present, so it would let a second go once the first is
   * gone), and 3 current nodes for the replacements.
   */
  private static TestWorld oneBudgetAcrossNodes(int n) {
    TestWorld w = new TestWorld().nodes(n).deployment("shop", "web", n, null, String.valueOf(n - 1));
    currentNodes(w, 3);
    return w;
  }

  private static List<String> cordons(TestWorld w) {
    return w.cluster.calls().stream().filter(c -> c.startsWith("cordon ")).map(c -> c.substring(7)).toList();
  }

  @Test
  @DisplayName("several draining nodes share a one-disruption PDB: oldest waiter first, each as soon as the PDB allows, none starves")
  void noStarvation() throws Exception {
    TestWorld w = oneBudgetAcrossNodes(5);
    // When the PDB last went from "no disruption" to "one allowed", seen after every clock step.
    List<Instant> opened = new ArrayList<>();
    boolean[] open = {true};
    w.clock.onAdvance(now -> {
      boolean allows = w.cluster.pdbs().get(0).disruptionsAllowed() > 0;
      if (allows && !open[0]) {
        opened.add(now);
      }
      open[0] = allows;
    });
    Requests req = new Requests(w);
    RunResult r = run(w, policy(5, 0, true), req);
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message() + r.evidence());
    assertEquals(5, r.count(NodeState.DONE));
    List<String> cordoned = cordons(w);
    assertEquals(5, cordoned.size());
    List<Request> web = req.all.stream().filter(x -> x.pod().namespace().equals("shop")).toList();
    assertEquals(5, web.size(), "one request per pod, none refused: " + web);
    assertEquals(0, req.count(EvictionResult.Outcome.BLOCKED), req.all.toString());
    // All five started draining in the same round: the tie goes in the order they started.
    assertEquals(req.started, web.stream().map(Request::node).toList(), "oldest waiter first");
    // Each eviction after the first waited only for the PDB: sent within one poll interval of it allowing one.
    assertTrue(opened.size() >= 4, "the budget reopened after each of the first four evictions: " + opened);
    for (int i = 1; i < web.size(); i++) {
      Instant allowedAt = opened.get(i - 1);
      Duration lag = Duration.between(allowedAt, web.get(i).at());
      assertTrue(!lag.isNegative() && lag.compareTo(POLL) <= 0, "eviction " + i + " lag " + lag + ": " + web);
    }
    assertTrue(req.infos.stream().anyMatch(m -> m.contains("held: PDB shop/web-pdb allows no disruption now")),
        req.infos.toString());
  }

  @Test
  @DisplayName("no request is sent for a pod whose PDB shows no disruption allowed; with the lever off they are sent and refused")
  void noHopelessRequests() throws Exception {
    TestWorld on = oneBudgetAcrossNodes(5);
    Requests reqOn = new Requests(on);
    assertEquals(RunResult.Outcome.COMPLETED, run(on, policy(5, 0, true), reqOn).outcome());
    long refusedOn = on.cluster.calls().stream().filter(c -> c.endsWith("-> BLOCKED")).count();
    assertEquals(0, refusedOn, on.cluster.calls().toString());
    assertEquals(5, on.cluster.calls().stream().filter(c -> c.startsWith("evict ")).count());

    TestWorld off = oneBudgetAcrossNodes(5);
    Requests reqOff = new Requests(off);
    assertEquals(RunResult.Outcome.COMPLETED, run(off, policy(5, 0, false), reqOff).outcome());
    long refusedOff = off.cluster.calls().stream().filter(c -> c.endsWith("-> BLOCKED")).count();
    assertTrue(refusedOff >= 4, "off: every draining node asks and is refused: " + off.cluster.calls());

    // A budget that never allows anything: not one request in a whole drain timeout.
    TestWorld never = new TestWorld().nodes(1);
    currentNodes(never, 2);
    never.deployment("data", "db", 3, null, "3");
    List<String> asked = new CopyOnWriteArrayList<>();
    never.cluster.evictionScript(ref -> {
      asked.add(ref.toString());
      return null;
    });
    RunResult r = run(never, policy(1, 0, true).withDrainTimeout(Duration.ofMinutes(3)), new Requests(never));
    assertEquals(RunResult.Outcome.FROZEN, r.outcome(), r.message());
    assertEquals(ReasonCode.DRAIN_TIMEOUT, r.reason());
    assertTrue(r.evidence().stream().anyMatch(e -> e.contains("blocked by PDB data/db-pdb")), r.evidence().toString());
    assertEquals(List.of(), asked, "no eviction request for a pod whose PDB allows nothing");
  }

  @Test
  @DisplayName("a PDB that turns hostage while a pod waits for it still freezes with PDB_HOSTAGE, checked once a minute")
  void hostageWhileHeld() throws Exception {
    // web: 3 replicas on old-0, old-1 and current-0 (not rotated), PDB maxUnavailable 1. The replica on
    // current-0 starts crash-looping as the run starts: web's budget shows 0 from the first look on.
    TestWorld w = new TestWorld().nodes(2);
    currentNodes(w, 1);
    w.deployment("shop", "web", 3, "1", null);
    PodInfo onCurrent = w.cluster.podsOnNode("current-0").stream().findFirst().orElseThrow();
    w.cluster.addPod(new PodInfo(onCurrent.ref(), "current-0", Map.of("app", "web"), OwnerKind.REPLICA_SET, "web",
        false, false, false, "Running", false, false, w.clock.now(), "CrashLoopBackOff"));
    Instant sickSince = w.clock.now();
    Requests req = new Requests(w);
    RunResult r = run(w, policy(1, 0, true), req);
    assertEquals(RunResult.Outcome.FROZEN, r.outcome(), r.message());
    assertEquals(ReasonCode.PDB_HOSTAGE, r.reason());
    Duration frozenAfter = Duration.between(sickSince, w.clock.now());
    Duration after = RotationPolicy.defaults().unhealthyPodEviction().after();
    assertTrue(frozenAfter.compareTo(after) >= 0 && frozenAfter.compareTo(after.plusSeconds(90)) <= 0,
        "frozen once the pod was not Ready past the grace, within a check interval: " + frozenAfter);
    String ev = String.join("\n", r.evidence());
    assertTrue(ev.contains("PDB shop/web-pdb (maxUnavailable 1): healthy 2 of 3, needs 2, disruptionsAllowed 0"), ev);
    assertTrue(ev.contains("(Ready; its budget is used up by the unhealthy pods)"), ev);
    assertEquals(List.of(), req.all, "the held pod was never sent");
    assertTrue(w.cluster.calls().stream().noneMatch(c -> c.startsWith("delete")), w.cluster.calls().toString());
    // The hostage check lists the PDB's pods about once a minute, not every 5 s round.
    int lists = w.cluster.reads("podsSelectedBy");
    assertTrue(lists >= 2 && lists <= 13, lists + " pod lists for the hostage check");
  }

  @Test
  @DisplayName("pods no PDB covers are evicted at once, every draining node's in one parallel batch")
  void noPdbAllAtOnce() throws Exception {
    TestWorld w = new TestWorld().nodes(3).deployment("a", "x", 12, null, null);
    currentNodes(w, 2);
    w.start();
    // 12 requests must meet at the barrier: only one batch across the three nodes can do that.
    SpeedLeversTest.SlowEvictions slow = new SpeedLeversTest.SlowEvictions(w.cluster, 12);
    RotationPolicy p = policy(3, 0, true);
    p = p.withSpeed(p.speed().withEvictionParallelism(12));
    RotationEngine e = new RotationEngine(new Ports(slow, w, w.store, Gate.open(), w.notifier, w.clock), p,
        OutdatedSelector.kubeletBelow("v1.31.0"));
    Requests req = new Requests(w);
    e.addListener(req);
    RunResult r = e.run(RunOptions.defaults("pdb-aware-test"));
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(12, slow.maxInside.get(), "the 12 evictions of 3 nodes were in flight together");
    assertEquals(12, req.count(EvictionResult.Outcome.EVICTED), req.all.toString());
    assertEquals(1, req.all.stream().map(Request::at).distinct().count(), "all in the first drain round");
    assertEquals(0, w.cluster.reads("podsSelectedBy"), "no PDB: no hostage check");
  }

  @Test
  @DisplayName("a refusal although the PDB looked open (stale status) is retried within the initial backoff")
  void staleStatusRetried() throws Exception {
    TestWorld w = new TestWorld().nodes(1);
    currentNodes(w, 2);
    w.deployment("shop", "web", 3, "1", null);
    AtomicInteger refusals = new AtomicInteger();
    w.cluster.evictionScript(ref -> ref.namespace().equals("shop") && refusals.getAndIncrement() == 0
        ? EvictionResult.blocked("stale", List.of("web-pdb")) : null);
    Requests req = new Requests(w);
    RunResult r = run(w, policy(1, 0, true), req);
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    List<Request> web = req.all.stream().filter(x -> x.pod().namespace().equals("shop")).toList();
    assertEquals(2, web.size(), web.toString());
    assertEquals(EvictionResult.Outcome.BLOCKED, web.get(0).outcome());
    assertEquals(EvictionResult.Outcome.EVICTED, web.get(1).outcome());
    Duration gap = Duration.between(web.get(0).at(), web.get(1).at());
    RotationPolicy d = RotationPolicy.defaults();
    assertTrue(gap.compareTo(d.evictionBackoffInitial().plus(POLL)) <= 0 && !gap.isZero(), "retried after " + gap);
    assertTrue(req.infos.stream().anyMatch(m -> m.contains("BLOCKED by [web-pdb] (attempt 1, next in")),
        req.infos.toString());
  }

  // ---- the scheduler on its own

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static NodeTrack track(String node) {
    return new NodeTrack(node, new dev.rotator.provider.InstanceRef(node, "g", "z"), "test", T0);
  }

  private static PodInfo pod(String ns, String app, String name, boolean ready) {
    return TestWorld.pod(ns, app, name, "n", ready, OwnerKind.REPLICA_SET);
  }

  private static PdbInfo pdb(String ns, String app, int allowed) {
    return new PdbInfo(ns, app + "-pdb", LabelSelector.of(Map.of("app", app)), null, "1", allowed, 3, 3 - allowed, 3);
  }

  private static List<String> names(List<EvictionScheduler.Candidate> cs) {
    return cs.stream().map(c -> c.pod().ref().name()).toList();
  }

  @Test
  @DisplayName("scheduler: budgets go oldest waiter first; held pods name their PDB; unbudgeted and not-Ready pods always go")
  void allocation() {
    EvictionScheduler s = new EvictionScheduler();
    NodeTrack a = track("a");
    NodeTrack b = track("b");
    List<EvictionScheduler.Candidate> cs = List.of(
        new EvictionScheduler.Candidate(b, pod("ns", "web", "web-b", true), T0.plusSeconds(30), 0),
        new EvictionScheduler.Candidate(a, pod("ns", "web", "web-a", true), T0, 1),
        new EvictionScheduler.Candidate(b, pod("ns", "api", "api-b1", true), T0.plusSeconds(30), 2),
        new EvictionScheduler.Candidate(b, pod("ns", "api", "api-b2", true), T0.plusSeconds(30), 3),
        new EvictionScheduler.Candidate(b, pod("ns", "api", "api-b3", true), T0.plusSeconds(30), 4),
        new EvictionScheduler.Candidate(b, pod("ns", "free", "free-b", true), T0.plusSeconds(30), 5),
        new EvictionScheduler.Candidate(b, pod("ns", "db", "db-sick", false), T0.plusSeconds(30), 6),
        new EvictionScheduler.Candidate(b, pod("other", "web", "web-other", true), T0.plusSeconds(30), 7));
    List<PdbInfo> pdbs = List.of(pdb("ns", "web", 1), pdb("ns", "api", 2), pdb("ns", "db", 0), pdb("other", "web", 1));
    EvictionScheduler.Allocation al = s.allocate(cs, pdbs, T0.plusSeconds(60));
    assertEquals(List.of("web-a", "api-b1", "api-b2", "free-b", "db-sick", "web-other"), names(al.send()));
    assertEquals(List.of("web-b:ns/web-pdb", "api-b3:ns/api-pdb"),
        al.held().stream().map(h -> h.candidate().pod().ref().name() + ":" + h.pdb()).toList());
    assertEquals(cs.size(), s.cachedPods());

    // Next round: only two candidates left, the cache keeps only them; unreadable PDBs send everything.
    EvictionScheduler.Allocation unknown = s.allocate(cs.subList(0, 2), null, T0.plusSeconds(65));
    assertEquals(List.of("web-a", "web-b"), names(unknown.send()));
    s.allocate(cs.subList(0, 2), pdbs, T0.plusSeconds(70));
    assertEquals(2, s.cachedPods());
  }

  @Test
  @DisplayName("scheduler: a pod under two PDBs goes only when both allow, and then takes one from each")
  void twoPdbs() {
    EvictionScheduler s = new EvictionScheduler();
    NodeTrack a = track("a");
    PdbInfo byApp = pdb("ns", "web", 1);
    PdbInfo byTier = new PdbInfo("ns", "tier-pdb", LabelSelector.of(Map.of("tier", "front")), null, "1", 0, 3, 3, 3);
    PodInfo both = new PodInfo(new PodRef("ns", "both"), "a", Map.of("app", "web", "tier", "front"),
        OwnerKind.REPLICA_SET, "web", false, false, true, "Running", false, false);
    List<EvictionScheduler.Candidate> cs = List.of(
        new EvictionScheduler.Candidate(a, both, T0, 0),
        new EvictionScheduler.Candidate(a, pod("ns", "web", "web-2", true), T0, 1));
    EvictionScheduler.Allocation al = s.allocate(cs, List.of(byApp, byTier), T0);
    assertEquals(List.of("web-2"), names(al.send()), "the web budget is not spent on a pod the tier PDB holds");
    assertEquals("ns/tier-pdb", al.held().get(0).pdb().toString());
  }

  @Test
  @DisplayName("scheduler: the hostage check runs only for a PDB not seen open for the grace, at most once per interval")
  void hostageCheckDue() {
    EvictionScheduler s = new EvictionScheduler();
    NodeTrack a = track("a");
    List<EvictionScheduler.Candidate> cs =
        List.of(new EvictionScheduler.Candidate(a, pod("ns", "web", "web-a", true), T0, 0));
    Duration after = Duration.ofMinutes(10);
    Duration every = Duration.ofMinutes(1);
    // Never seen open: due now, then not again within the interval.
    PdbInfo closed = pdb("ns", "web", 0);
    s.allocate(cs, List.of(closed), T0);
    assertTrue(s.hostageCheckDue(closed, T0, after, every));
    assertTrue(!s.hostageCheckDue(closed, T0.plusSeconds(30), after, every));
    // Seen open: not due until it has shown nothing to spare for the grace.
    s.allocate(cs, List.of(pdb("ns", "web", 1)), T0.plusSeconds(100));
    assertTrue(!s.hostageCheckDue(closed, T0.plusSeconds(200), after, every));
    assertTrue(!s.hostageCheckDue(closed, T0.plusSeconds(100).plus(after).minusSeconds(1), after, every));
    assertTrue(s.hostageCheckDue(closed, T0.plusSeconds(100).plus(after), after, every));
  }

  @Test
  @DisplayName("policy.speed.pdbAwareEvictions is on by default and off with every lever off")
  void defaults() {
    assertTrue(RotationPolicy.Speed.defaults().pdbAwareEvictions());
    assertTrue(!RotationPolicy.Speed.off().pdbAwareEvictions());
    assertTrue(!RotationPolicy.Speed.defaults().withPdbAwareEvictions(false).pdbAwareEvictions());
  }
}
