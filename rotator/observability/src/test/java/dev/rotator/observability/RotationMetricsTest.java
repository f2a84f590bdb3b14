package dev.rotator.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RotationMetricsTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  private static NodeProgress at(String node, NodeState s, int seconds) {
    return new NodeProgress(node, "g", "i-1", "z", s, T0.plusSeconds(seconds), "");
  }

  /** The value of one sample line {@code name{labels} value} of the exposition, or NaN when absent. */
  static double sample(String scrape, String nameAndLabels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Test
  @DisplayName("each step's duration is measured between the clock times of a node's transitions")
  void stepDurations() {
    RotationMetrics m = new RotationMetrics();
    m.onTransition(at("n1", NodeState.CORDONED, 0));
    m.onTransition(at("n1", NodeState.DRAINED, 90));
    m.onTransition(at("n1", NodeState.DELETED, 95));
    m.onTransition(at("n1", NodeState.TERMINATED, 100));
    m.onTransition(at("n1", NodeState.DONE, 400));
    String s = m.scrape();
    assertEquals(1, sample(s, RotationMetrics.STEP_DURATION + "_count{step=\"drain\"}"), s);
    assertEquals(90, sample(s, RotationMetrics.STEP_DURATION + "_sum{step=\"drain\"}"), s);
    assertEquals(300, sample(s, RotationMetrics.STEP_DURATION + "_sum{step=\"replacement\"}"), s);
    assertEquals(5, sample(s, RotationMetrics.STEP_DURATION + "_sum{step=\"delete\"}"), s);
    // 90 s falls in the 120 s bucket, not in the 60 s one.
    assertEquals(0, sample(s, RotationMetrics.STEP_DURATION + "_bucket{step=\"drain\",le=\"60.0\"}"), s);
    assertEquals(1, sample(s, RotationMetrics.STEP_DURATION + "_bucket{step=\"drain\",le=\"120.0\"}"), s);
  }

  @Test
  @DisplayName("node gauges follow the rounds; a run's result sets outcome counts, last success and mode")
  void gaugesAndRuns() {
    RotationMetrics m = new RotationMetrics();
    m.onRound(List.of(at("a", NodeState.PENDING, 0), at("b", NodeState.CORDONED, 0), at("c", NodeState.DONE, 0),
        at("d", NodeState.DONE, 0)));
    String s = m.scrape();
    assertEquals(1, sample(s, RotationMetrics.NODES_OUTDATED), s);
    assertEquals(1, sample(s, RotationMetrics.NODES_ROTATING), s);
    assertEquals(2, sample(s, RotationMetrics.NODES_DONE), s);
    assertEquals(0, sample(s, RotationMetrics.LAST_SUCCESS), s);

    m.recordRun(new RunResult(RunResult.Outcome.COMPLETED, null, "", List.of(), List.of(), Duration.ZERO), T0);
    m.recordRun(new RunResult(RunResult.Outcome.FROZEN, null, "", List.of(), List.of(), Duration.ZERO),
        T0.plusSeconds(60));
    s = m.scrape();
    assertEquals(1, sample(s, RotationMetrics.RUNS + "{outcome=\"COMPLETED\"}"), s);
    assertEquals(1, sample(s, RotationMetrics.RUNS + "{outcome=\"FROZEN\"}"), s);
    assertEquals(0, sample(s, RotationMetrics.RUNS + "{outcome=\"INTERRUPTED\"}"), s);
    assertEquals(T0.getEpochSecond(), sample(s, RotationMetrics.LAST_SUCCESS), s);
    assertEquals(1, sample(s, RotationMetrics.MODE), s);
    m.mode(new ModeState(Mode.ROTATE, "", "", List.of(), "cli:alice", T0));
    assertEquals(0, sample(m.scrape(), RotationMetrics.MODE));
  }

  @Test
  @DisplayName("refused evictions are counted per blocking PDB; accepted ones are not counted")
  void evictionsBlocked() {
    RotationMetrics m = new RotationMetrics();
    PodRef pod = new PodRef("shop", "web-1");
    m.onEviction("n1", pod, EvictionResult.blocked("429", List.of("shop/web")));
    m.onEviction("n1", pod, EvictionResult.blocked("429", List.of("shop/web")));
    m.onEviction("n1", pod, EvictionResult.blocked("429", List.of()));
    m.onEviction("n1", pod, EvictionResult.evicted());
    String s = m.scrape();
    assertEquals(2, sample(s, RotationMetrics.EVICTIONS_BLOCKED + "{pdb=\"shop/web\"}"), s);
    assertEquals(1, sample(s, RotationMetrics.EVICTIONS_BLOCKED + "{pdb=\"unknown\"}"), s);
  }

  @Test
  @DisplayName("the metered gate answers what the gate answers and counts each check's result by status")
  void gateResults() {
    RotationMetrics m = new RotationMetrics();
    GateDecision d = new GateDecision(GateDecision.Verdict.FAIL, null, List.of(
        CheckResult.healthy("cluster-state", "ok", Map.of()),
        CheckResult.unhealthy("etcd", "no quorum", Map.of())));
    List<String> asked = new ArrayList<>();
    var gate = m.meter(step -> {
      asked.add(step);
      return d;
    });
    assertEquals(d, gate.evaluate("cordon n1"));
    gate.evaluate("cordon n1");
    assertEquals(List.of("cordon n1", "cordon n1"), asked);
    String s = m.scrape();
    assertEquals(2, sample(s, RotationMetrics.GATE_RESULTS + "{check=\"cluster-state\",status=\"HEALTHY\"}"), s);
    assertEquals(2, sample(s, RotationMetrics.GATE_RESULTS + "{check=\"etcd\",status=\"UNHEALTHY\"}"), s);
  }

  @Test
  @DisplayName("every exported name is one of NAMES, and every name in NAMES is exported")
  void namesAreExported() {
    RotationMetrics m = new RotationMetrics();
    m.eventFailures(() -> 3);
    m.onEviction("n", new PodRef("a", "b"), EvictionResult.blocked("", List.of("a/b")));
    m.meter(step -> GateDecision.pass(List.of(CheckResult.healthy("x", "", Map.of())))).evaluate("s");
    String s = m.scrape();
    assertEquals(3, sample(s, RotationMetrics.EVENTS_FAILED), s);
    for (String name : RotationMetrics.NAMES) {
      assertTrue(s.contains("\n" + name + "{") || s.contains("\n" + name + " ") || s.contains("\n" + name + "_bucket"),
          name + " missing from\n" + s);
    }
    assertEquals(RotationMetrics.NAMES, List.copyOf(new java.util.LinkedHashSet<>(RotationMetrics.NAMES)));
  }
}
