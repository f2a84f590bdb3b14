package dev.rotator.observability;

import dev.rotator.core.engine.EngineListener;
import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * rotator's Prometheus metrics, fed by the engine ({@link EngineListener}), its alerts ({@link Notifier}), the
 * gate ({@link #meter(Gate)}) and each run's result ({@link #recordRun}). The names below are the exported
 * names, exactly as {@code /metrics} shows them; deploy/monitoring uses these and a test keeps both in step.
 *
 * <p>Step durations are measured between the clock times the engine stamps on a node's transitions
 * ({@link NodeProgress#since()}): simulated time in the simulator, wall time in a cluster.
 */
public final class RotationMetrics implements EngineListener, Notifier {
  /** Gauge: nodes of the current (or last) run still waiting to be rotated. */
  public static final String NODES_OUTDATED = "rotator_nodes_outdated";
  /** Gauge: nodes in flight (cordoned, draining, deleted, terminated awaiting replacement). */
  public static final String NODES_ROTATING = "rotator_nodes_rotating";
  /** Gauge: nodes the current (or last) run has rotated. */
  public static final String NODES_DONE = "rotator_nodes_done";
  /** Histogram (label {@code step}: drain, delete, terminate, replacement), seconds. */
  public static final String STEP_DURATION = "rotator_step_duration_seconds";
  /** Counter (label {@code pdb}): evictions the Eviction API refused (429) because of a PodDisruptionBudget. */
  public static final String EVICTIONS_BLOCKED = "rotator_evictions_blocked_total";
  /** Counter (labels {@code check}, {@code status}): health-check results behind every gate decision. */
  public static final String GATE_RESULTS = "rotator_gate_results_total";
  /** Gauge: 0 ROTATE, 1 FREEZE. */
  public static final String MODE = "rotator_mode";
  /** Gauge: Unix time (s) of the last run that ended with exit code 0; 0 before the first. */
  public static final String LAST_SUCCESS = "rotator_last_success_timestamp_seconds";
  /** Counter (label {@code outcome}): runs (passes) by outcome. */
  public static final String RUNS = "rotator_runs_total";
  /** Gauge: 1 while this process holds the rotator-lock Lease (serve's leader), else 0. */
  public static final String LEADER = "rotator_leader";
  /** Counter: Kubernetes Events rotator could not create (the rotation went on). */
  public static final String EVENTS_FAILED = "rotator_events_failed_total";

  /** Every name above: what deploy/monitoring may reference. */
  public static final List<String> NAMES = List.of(NODES_OUTDATED, NODES_ROTATING, NODES_DONE, STEP_DURATION,
      EVICTIONS_BLOCKED, GATE_RESULTS, MODE, LAST_SUCCESS, RUNS, LEADER, EVENTS_FAILED);

  /** Histogram buckets of the step durations: a drain takes seconds to an hour, a replacement minutes. */
  private static final Duration[] BUCKETS = {
    Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
    Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20),
    Duration.ofMinutes(30), Duration.ofHours(1)
  };

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong outdated = new AtomicLong();
  private final AtomicLong rotating = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong mode = new AtomicLong();
  private final AtomicLong lastSuccess = new AtomicLong();
  private final AtomicLong leader = new AtomicLong();
  private final Map<String, NodeProgress> lastTransition = new ConcurrentHashMap<>();

  public RotationMetrics() {
    gauge("rotator.nodes.outdated", outdated, "Nodes of the current or last run still waiting to be rotated");
    gauge("rotator.nodes.rotating", rotating, "Nodes in flight: cordoned, draining, deleted, or awaiting replacement");
    gauge("rotator.nodes.done", done, "Nodes the current or last run rotated");
    gauge("rotator.mode", mode, "0 ROTATE, 1 FREEZE");
    gauge("rotator.last.success.timestamp.seconds", lastSuccess,
        "Unix time of the last run that ended with exit code 0 (0: none yet)");
    gauge("rotator.leader", leader, "1 while this process holds the rotator-lock Lease");
    for (String outcome : List.of("COMPLETED", "NOTHING_TO_DO", "OUTSIDE_WINDOW", "FROZEN", "INTERRUPTED")) {
      runs(outcome);
    }
    for (String step : List.of("drain", "delete", "terminate", "replacement")) {
      stepTimer(step);
    }
  }

  private void gauge(String name, AtomicLong value, String help) {
    Gauge.builder(name, value, AtomicLong::get).description(help).register(registry);
  }

  private Counter runs(String outcome) {
    return Counter.builder("rotator.runs").description("Runs (serve passes, run invocations) by outcome")
        .tag("outcome", outcome).register(registry);
  }

  private Timer stepTimer(String step) {
    return Timer.builder("rotator.step.duration")
        .description("Duration of one node step: drain (cordon to drained), delete, terminate, replacement Ready")
        .tag("step", step).serviceLevelObjectives(BUCKETS).register(registry);
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** The Micrometer registry, to add metrics of other components. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Exposes a count another component keeps (e.g. the event recorder's failures) as {@link #EVENTS_FAILED}. */
  public void eventFailures(Supplier<? extends Number> count) {
    FunctionCounter.builder("rotator.events.failed", count, s -> s.get().doubleValue())
        .description("Kubernetes Events rotator could not create (the rotation went on)").register(registry);
  }

  // ---- EngineListener

  @Override
  public void onTransition(NodeProgress n) {
    NodeProgress prev = lastTransition.put(n.node(), n);
    if (prev == null || prev.since() == null || n.since() == null) {
      return;
    }
    String step = stepOf(prev.state(), n.state());
    if (step != null) {
      Duration d = Duration.between(prev.since(), n.since());
      stepTimer(step).record(d.isNegative() ? Duration.ZERO : d);
    }
  }

  /** The step a transition ends, or null for transitions that are not a measured step. */
  static String stepOf(NodeState from, NodeState to) {
    if (from == NodeState.CORDONED && to == NodeState.DRAINED) {
      return "drain";
    }
    if (from == NodeState.DRAINED && to == NodeState.DELETED) {
      return "delete";
    }
    if (from == NodeState.DELETED && to == NodeState.TERMINATED) {
      return "terminate";
    }
    if (from == NodeState.TERMINATED && to == NodeState.DONE) {
      return "replacement";
    }
    return null;
  }

  @Override
  public void onRound(List<NodeProgress> nodes) {
    nodeGauges(nodes);
  }

  @Override
  public void onEviction(String node, PodRef pod, EvictionResult result) {
    if (result.outcome() != EvictionResult.Outcome.BLOCKED) {
      return;
    }
    List<String> pdbs = result.blockingPdbs().isEmpty() ? List.of("unknown") : result.blockingPdbs();
    for (String pdb : pdbs) {
      Counter.builder("rotator.evictions.blocked")
          .description("Evictions refused (429) because of a PodDisruptionBudget, by PDB (unknown: not named)")
          .tag("pdb", pdb).register(registry).increment();
    }
  }

  // ---- Notifier

  @Override
  public void notify(RotationEvent event) {
    if (event.type() == RotationEvent.Type.FROZEN) {
      mode.set(1);
    }
  }

  // ---- runs, mode, gate, leadership

  /** A run (or serve pass) ended at {@code at}: counts it, and stamps the last success on exit code 0. */
  public void recordRun(RunResult r, Instant at) {
    runs(r.outcome().name()).increment();
    if (r.outcome().exitCode() == 0) {
      lastSuccess.set(at.getEpochSecond());
    }
    if (r.outcome() == RunResult.Outcome.FROZEN) {
      mode.set(1);
    }
    if (r.outcome() == RunResult.Outcome.NOTHING_TO_DO) {
      outdated.set(0);
      rotating.set(0);
    } else if (!r.nodes().isEmpty()) {
      nodeGauges(r.nodes());
    }
  }

  /** The persisted mode, as read. */
  public void mode(ModeState m) {
    mode.set(m.frozen() ? 1 : 0);
  }

  public void leader(boolean held) {
    leader.set(held ? 1 : 0);
  }

  /** {@code gate}, counting each check's result of every decision by check and status. */
  public Gate meter(Gate gate) {
    return step -> {
      GateDecision d = gate.evaluate(step);
      for (CheckResult r : d.results()) {
        Counter.builder("rotator.gate.results").description("Health-check results behind gate decisions")
            .tag("check", r.check()).tag("status", r.status().name()).register(registry).increment();
      }
      return d;
    };
  }

  private void nodeGauges(List<NodeProgress> nodes) {
    outdated.set(nodes.stream().filter(n -> n.state() == NodeState.PENDING).count());
    rotating.set(nodes.stream().filter(n -> n.state().inFlight()).count());
    done.set(nodes.stream().filter(n -> n.state() == NodeState.DONE).count());
  }
}
