package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.NodeInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Maintenance windows and soak, in the ManualClock world (which starts Thursday 2026-01-01 00:00 UTC). */
class WindowAndSoakTest {

  private static RunOptions opts(String id) {
    return RunOptions.defaults(id);
  }

  private static List<MaintenanceWindow> window(String day, String start, String end) {
    return List.of(MaintenanceWindow.of(List.of(day), start, end, "UTC"));
  }

  @Test
  @DisplayName("outside every window a run touches nothing and says when the next window opens (exit 0)")
  void outsideWindow() throws Exception {
    TestWorld w = new TestWorld().nodes(3).deployment("a", "x", 3, "1", null);
    RotationPolicy p = TestWorld.policy(1, 1).withMaintenanceWindows(window("mon", "09:00", "17:00"));
    RunResult r = w.engine(p, Gate.open()).run(opts("r"));
    assertEquals(RunResult.Outcome.OUTSIDE_WINDOW, r.outcome(), r.message());
    assertEquals(0, r.outcome().exitCode());
    assertTrue(r.message().startsWith(
        "outside the maintenance window (next opens at Mon 2026-01-05 09:00 UTC (2026-01-05T09:00:00Z))"),
        r.message());
    assertTrue(w.cluster.calls().isEmpty(), "no cordon, no taint: " + w.cluster.calls());
    assertTrue(w.cloudCalls.isEmpty(), "no beginRotation, no surge: " + w.cloudCalls);
    assertEquals(3, w.desired);
    assertTrue(w.store.progress().isEmpty(), "not even a progress record");
  }

  @Test
  @DisplayName("when the window (across midnight) closes mid-run, in-flight nodes finish, none starts, the rest waits")
  void windowClosesMidRun() throws Exception {
    TestWorld w = new TestWorld().nodes(8).deployment("a", "x", 8, "1", null);
    // Opened Wednesday 23:00, so it is open at the start (Thursday 00:00) and closes at 00:05.
    RotationPolicy p = TestWorld.policy(1, 1).withMaintenanceWindows(window("wed", "23:00", "00:05"));
    Instant close = Instant.parse("2026-01-01T00:05:00Z");
    AtomicInteger callsAtClose = new AtomicInteger(-1);
    w.clock.onAdvance(now -> {
      if (callsAtClose.get() < 0 && !now.isBefore(close)) {
        callsAtClose.set(w.cluster.calls().size());
      }
    });
    RotationEngine engine = w.engine(p, Gate.open());
    List<NodeProgress> log = transitions(engine);
    RunResult r = engine.run(opts("r1"));

    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(r.count(NodeState.DONE) > 0 && r.count(NodeState.PENDING) > 0, r.nodes().toString());
    assertEquals(r.nodes().size(), r.count(NodeState.DONE) + r.count(NodeState.PENDING),
        "no node abandoned in flight: " + r.nodes());
    assertTrue(r.message().contains(r.count(NodeState.PENDING) + " left for the next window"), r.message());
    List<String> after = w.cluster.calls().subList(callsAtClose.get(), w.cluster.calls().size());
    assertTrue(after.stream().noneMatch(c -> c.startsWith("cordon ")), "no node started after the close: " + after);
    assertTrue(log.stream().anyMatch(n -> n.state() == NodeState.DONE && n.since().isAfter(close)),
        "nodes in flight at the close were finished after it: " + log);
    assertTrue(log.stream().noneMatch(n -> n.state() == NodeState.CORDONED && n.since().isAfter(close)), log.toString());
    for (NodeProgress n : r.nodes()) {
      if (n.state() == NodeState.PENDING) {
        assertTrue(w.cluster.node(n.node()).filter(x -> !x.unschedulable()).isPresent(), n.node() + " not cordoned");
      }
    }
    assertTrue(w.desired == 8 || w.store.progress().orElseThrow().originalDesired().get("group-1") == 8,
        "the surge is given back, or recorded for the next run to adopt: desired " + w.desired);
    assertEquals("end group-1", w.cloudCalls.get(w.cloudCalls.size() - 1));

    // The next window: the rest is rotated, the group ends at its original size.
    RunResult r2 = w.engine(TestWorld.policy(1, 1), Gate.open()).run(opts("r2"));
    assertEquals(RunResult.Outcome.COMPLETED, r2.outcome(), r2.message());
    assertEquals(r.count(NodeState.PENDING), r2.count(NodeState.DONE));
    assertTrue(w.cluster.nodes().stream().noneMatch(n -> n.name().startsWith("old-")));
    assertEquals(8, w.desired);
    assertEquals(8, w.cluster.nodes().stream().filter(NodeInfo::available).count());
  }

  /** Every transition of a run, in order. */
  private static List<NodeProgress> transitions(RotationEngine e) {
    List<NodeProgress> out = new ArrayList<>();
    e.addListener(new EngineListener() {
      @Override
      public void onTransition(NodeProgress node) {
        out.add(node);
      }
    });
    return out;
  }

  private static Instant lastDoneBefore(List<NodeProgress> log, int index) {
    Instant last = null;
    for (NodeProgress p : log.subList(0, index)) {
      if (p.state() == NodeState.DONE) {
        last = p.since();
      }
    }
    return last;
  }

  @Test
  @DisplayName("soak: after a node is DONE, the next one starts only once the soak has passed")
  void soak() throws Exception {
    Duration soak = Duration.ofMinutes(10);
    TestWorld w = new TestWorld().nodes(3).deployment("a", "x", 3, "1", null);
    RotationEngine e = w.engine(TestWorld.policy(1, 0).withSoak(soak), Gate.open());
    List<NodeProgress> log = transitions(e);
    RunResult r = e.run(opts("r"));
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(3, r.count(NodeState.DONE));
    int cordons = 0;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).state() == NodeState.CORDONED) {
        cordons++;
        Instant lastDone = lastDoneBefore(log, i);
        if (lastDone != null) {
          assertTrue(!log.get(i).since().isBefore(lastDone.plus(soak)),
              log.get(i).node() + " started " + log.get(i).since() + ", last DONE " + lastDone);
        }
      }
    }
    assertEquals(3, cordons);

    // The same world without soak starts the next node well within 10 minutes: the check above can fail.
    TestWorld quick = new TestWorld().nodes(3).deployment("a", "x", 3, "1", null);
    RotationEngine q = quick.engine(TestWorld.policy(1, 0), Gate.open());
    List<NodeProgress> qlog = transitions(q);
    q.run(opts("q"));
    NodeProgress secondStart = qlog.stream().filter(n -> n.state() == NodeState.CORDONED).skip(1).findFirst()
        .orElseThrow();
    Instant firstDone = qlog.stream().filter(n -> n.state() == NodeState.DONE).findFirst().orElseThrow().since();
    assertTrue(secondStart.since().isBefore(firstDone.plus(soak)), "without soak: " + secondStart.since());
  }

  @Test
  @DisplayName("soak is per batch: nodes already in flight finish without waiting for it")
  void soakLetsInFlightFinish() throws Exception {
    Duration soak = Duration.ofMinutes(30);
    TestWorld w = new TestWorld().nodes(4).deployment("a", "x", 4, "2", null);
    RotationEngine e = w.engine(TestWorld.policy(2, 0).withSoak(soak), Gate.open());
    List<NodeProgress> log = transitions(e);
    RunResult r = e.run(opts("r"));
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    List<Instant> done = log.stream().filter(n -> n.state() == NodeState.DONE).map(NodeProgress::since).toList();
    assertEquals(4, done.size());
    assertTrue(done.get(1).isBefore(done.get(0).plus(soak)),
        "the second node of the first batch was not held by the soak: " + done);
    List<Instant> starts = log.stream().filter(n -> n.state() == NodeState.CORDONED).map(NodeProgress::since).toList();
    assertTrue(!starts.get(2).isBefore(done.get(1).plus(soak)), "the next batch waits for the soak: " + starts);
  }

  @Test
  @DisplayName("the window closing during a soak ends the run with the rest left for the next window")
  void windowClosesDuringSoak() throws Exception {
    TestWorld w = new TestWorld().nodes(3).deployment("a", "x", 3, "1", null);
    RotationPolicy p = TestWorld.policy(1, 0).withSoak(Duration.ofHours(2))
        .withMaintenanceWindows(window("thu", "00:00", "01:00"));
    RunResult r = w.engine(p, Gate.open()).run(opts("r"));
    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(1, r.count(NodeState.DONE));
    assertEquals(2, r.count(NodeState.PENDING));
    assertTrue(r.message().contains("2 left for the next window"), r.message());
    assertTrue(w.clock.now().isBefore(Instant.parse("2026-01-01T01:01:00Z")), "ended at the close: " + w.clock.now());
  }
}
