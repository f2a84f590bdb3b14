package dev.rotator.cli;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import dev.rotator.core.port.StateStore;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.NodeGroup;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import dev.rotator.provider.gke.GkeVersion;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code rotator run} with {@code provider.gke.strategy: native}: GKE upgrades each node pool itself (its own
 * surge or blue-green rollout, its own drain) and rotator starts, gates and stops it.
 *
 * <ol>
 *   <li>Reads the persisted mode: frozen (or unreadable) → exit 3, no GKE call that changes anything.
 *   <li>Lists the managed pools (the cloud provider's node groups: {@code provider.gke.nodePools}, or every
 *       pool) and keeps those behind {@code provider.gke.targetVersion}. Without a target version every pool
 *       is handed to {@link GkeNativeUpgrade}, which compares it with the control plane's version and does
 *       nothing for a pool already on it.
 *   <li>Pool after pool, never two at once: waits (bounded) until the gate passes, as the engine does before
 *       its first disruptive step, then {@link GkeNativeUpgrade#upgrade} with a {@code shouldContinue} that
 *       re-reads the mode and evaluates the gate before every poll of GKE's operation.
 *   <li>Stops at the first pool that does not complete. {@code --once}: after the first pool upgraded.
 * </ol>
 *
 * <p>The gate between polls: FAIL persists a freeze (the gate's reason code and evidence, by {@code
 * rotator}), alerts, and stops the upgrade as {@code nativeUpgrade.onStop} says. WAIT lets GKE go on: once
 * GKE's operation runs, rotator cannot hold it between batches without cancelling it, and cancelling on every
 * "not enough consecutive passes yet" would stop upgrades for a flapping-but-healthy signal; WAIT only
 * holds the <em>start</em> of each pool's upgrade. A freeze by a human ({@code rotator freeze}) is seen at the
 * next poll.
 *
 * <p>Cloud failures follow the engine's policy: PERMANENT and QUOTA freeze (CLOUD_ERROR, CLOUD_QUOTA; exit
 * 3); RETRYABLE ones that outlived the provider's retries (an operation that outlasted {@code
 * operationTimeout} is one: GKE may still be running it) exit 1 without a freeze.
 */
final class NativeUpgradeRun implements AutoCloseable {
  /** Gate evaluations before a pool's start, at most: the engine's bound for its first disruptive step. */
  static final int MAX_GATE_WAITS = 100;
  static final String BY = "rotator";

  /** How the run ended, with the exit code of each. */
  enum Outcome {
    /** Every pool behind the target was upgraded (or {@code --once}'s one). */
    COMPLETED(ExitCodes.OK),
    /** No pool behind the target. */
    NOTHING_TO_DO(ExitCodes.OK),
    /** Frozen before or during the run, or stopped by the gate. */
    FROZEN(ExitCodes.FROZEN),
    /** A cloud failure retries could not fix, without a freeze (GKE may still be working). */
    FAILED(ExitCodes.RUNTIME);

    private final int exitCode;

    Outcome(int exitCode) {
      this.exitCode = exitCode;
    }

    int exitCode() {
      return exitCode;
    }
  }

  /** One pool in the plan: its version now and the version it is upgraded to (empty = the control plane's). */
  record PlannedPool(String pool, String version, String target, String strategy) {}

  /** What happened to one pool. */
  record PoolResult(String pool, String from, String target, GkeNativeUpgrade.Outcome outcome, String operation,
      String message) {}

  /** The run's result ({@code -o json} prints it). */
  record Result(Outcome outcome, ReasonCode reason, String message, List<String> evidence, List<PoolResult> pools) {
    Result {
      evidence = List.copyOf(evidence);
      pools = List.copyOf(pools);
    }

    int exitCode() {
      return outcome.exitCode();
    }
  }

  private final GkeNativeUpgrade upgrade;
  private final CloudProvider pools;
  private final String targetVersion;
  private final GkeNativeUpgrade.Spec spec;
  private final StateStore store;
  private final Gate gate;
  private final Notifier notifier;
  private final Clock clock;
  private final Duration gateRetry;
  private final String runId;
  /** Whether a new pool may start now (the maintenance windows); a pool in progress always finishes. */
  private java.util.function.BooleanSupplier mayStartPool = () -> true;

  /** Why the last {@code shouldContinue} said no (set by it; read after {@code upgrade} returns). */
  private Stop stop;
  /** The verdict of the last gate evaluation (null when the mode stopped it first). */
  private GateDecision.Verdict lastVerdict;

  private record Stop(ReasonCode reason, String message, List<String> evidence) {}

  /**
   * @param pools the GKE provider: its node groups are the managed pools, with their versions
   * @param targetVersion {@code provider.gke.targetVersion}; empty = the control plane's version
   * @param gateRetry pause between gate evaluations while it says WAIT before a pool's start
   */
  /** Pools start only while this says yes (the policy's maintenance windows); default: always. */
  NativeUpgradeRun startingOnlyWhile(java.util.function.BooleanSupplier allowed) {
    this.mayStartPool = allowed;
    return this;
  }

  NativeUpgradeRun(GkeNativeUpgrade upgrade, CloudProvider pools, String targetVersion, GkeNativeUpgrade.Spec spec,
      StateStore store, Gate gate, Notifier notifier, Clock clock, Duration gateRetry, String runId) {
    this.upgrade = Objects.requireNonNull(upgrade, "upgrade");
    this.pools = Objects.requireNonNull(pools, "pools");
    this.targetVersion = targetVersion == null ? "" : targetVersion.trim();
    this.spec = Objects.requireNonNull(spec, "spec");
    this.store = Objects.requireNonNull(store, "store");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.notifier = Objects.requireNonNull(notifier, "notifier");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.gateRetry = Objects.requireNonNull(gateRetry, "gateRetry");
    this.runId = Objects.requireNonNull(runId, "runId");
  }

  /** The managed pools behind the target version, in the provider's order (reads only). */
  List<PlannedPool> plan() {
    List<PlannedPool> out = new ArrayList<>();
    for (NodeGroup g : pools.nodeGroups()) {
      if (behind(g.targetVersion())) {
        out.add(new PlannedPool(g.id(), g.targetVersion(), targetVersion, spec.strategy().name()));
      }
    }
    return out;
  }

  /** Upgrades the pools behind the target one at a time; prints a line per step to {@code out}. */
  Result run(boolean once, PrintWriter out) {
    ModeState mode;
    try {
      mode = store.mode();
    } catch (RuntimeException e) {
      // An unreadable mode reads as frozen: fail closed (nothing can be persisted either).
      String msg = "cannot read the persisted mode, refusing to upgrade: " + e.getMessage();
      notifier.notify(event(RotationEvent.Type.ERROR, ReasonCode.API_UNAVAILABLE, msg, List.of()));
      return new Result(Outcome.FROZEN, ReasonCode.API_UNAVAILABLE, msg, List.of(), List.of());
    }
    if (mode.frozen()) {
      return new Result(Outcome.FROZEN, reasonOf(mode), "rotator is frozen (" + mode.reason() + " by " + mode.by()
          + " at " + mode.at() + "): " + mode.message() + "; run 'rotator resume' after checking the runbook",
          mode.evidence(), List.of());
    }
    List<PoolResult> done = new ArrayList<>();
    boolean windowClosed = false;
    String pool = "";
    try {
      List<PlannedPool> plan = plan();
      if (plan.isEmpty()) {
        return new Result(Outcome.NOTHING_TO_DO, null, "no managed node pool is behind " + targetVersion, List.of(),
            List.of());
      }
      for (PlannedPool p : plan) {
        if (!done.isEmpty() && !mayStartPool.getAsBoolean()) {
          // The window closed while GKE upgraded the previous pool: that one finished; the rest wait.
          windowClosed = true;
          break;
        }
        pool = p.pool();
        String to = targetVersion.isEmpty() ? "the control plane's version" : targetVersion;
        Result held = awaitGate(p.pool(), done);
        if (held != null) {
          return held;
        }
        line(out, p.pool(), "STARTING", p.version() + " -> " + to + " (" + spec.strategy() + ", onStop "
            + spec.onStop() + ")");
        stop = null;
        GkeNativeUpgrade.Result r = upgrade.upgrade(p.pool(), targetVersion, spec, () -> shouldContinue(p.pool()));
        done.add(new PoolResult(p.pool(), p.version(), targetVersion, r.outcome(), r.operation(), r.message()));
        line(out, p.pool(), r.outcome().name(), r.message());
        if (r.outcome() != GkeNativeUpgrade.Outcome.COMPLETED) {
          Stop s = stop != null ? stop
              : new Stop(ReasonCode.CLUSTER_UNHEALTHY, "upgrade of node pool " + p.pool() + " stopped", List.of());
          return new Result(Outcome.FROZEN, s.reason(), s.message() + "; node pool " + p.pool() + ": "
              + r.message(), s.evidence(), done);
        }
        if (once && !r.operation().isEmpty()) {
          break; // --once: one pool really upgraded per run (a pool found already current does not count)
        }
      }
    } catch (CloudException e) {
      return cloudFailure(pool, e, done);
    }
    boolean upgraded = done.stream().anyMatch(r -> !r.operation().isEmpty());
    if (!upgraded) {
      return new Result(Outcome.NOTHING_TO_DO, null, "every managed node pool already runs the target version",
          List.of(), done);
    }
    String msg = done.stream().filter(r -> !r.operation().isEmpty()).map(PoolResult::pool).toList()
        + " upgraded by GKE" + (windowClosed ? "; the maintenance window closed, the other pools wait for the next" : "");
    notifier.notify(event(RotationEvent.Type.FINISHED, null, msg, List.of()));
    return new Result(Outcome.COMPLETED, null, msg, List.of(), done);
  }

  /**
   * Before a pool's upgrade starts: the mode must be ROTATE and the gate must PASS (WAIT waits, bounded).
   * Returns the run's result when it must not start, else null.
   */
  private Result awaitGate(String pool, List<PoolResult> done) {
    String step = "start GKE upgrade of node pool " + pool;
    for (int i = 0; i < MAX_GATE_WAITS; i++) {
      Stop s = check(step);
      if (s != null) {
        return new Result(Outcome.FROZEN, s.reason(), s.message(), s.evidence(), done);
      }
      if (lastVerdict == GateDecision.Verdict.PASS) {
        return null;
      }
      try {
        clock.sleep(gateRetry);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Result(Outcome.FAILED, null, "interrupted before " + step, List.of(), done);
      }
    }
    Stop s = freeze(ReasonCode.CLUSTER_UNHEALTHY, "health gate never passed before: " + step, List.of());
    return new Result(Outcome.FROZEN, s.reason(), s.message(), s.evidence(), done);
  }

  /** GkeNativeUpgrade's {@code shouldContinue}: the mode, then the gate (FAIL freezes, WAIT goes on). */
  private boolean shouldContinue(String pool) {
    Stop s = check("continue GKE upgrade of node pool " + pool);
    if (s != null) {
      stop = s;
      return false;
    }
    return true;
  }

  /** Mode and gate once; a Stop when the upgrade must stop (a FAIL is persisted and alerted here). */
  private Stop check(String step) {
    lastVerdict = null;
    ModeState mode;
    try {
      mode = store.mode();
    } catch (RuntimeException e) {
      // Fail closed: an upgrade nobody can freeze must not go on. Nothing can be persisted either.
      String msg = "cannot read the persisted mode, stopping: " + e.getMessage();
      notifier.notify(event(RotationEvent.Type.ERROR, ReasonCode.API_UNAVAILABLE, msg, List.of()));
      return new Stop(ReasonCode.API_UNAVAILABLE, msg, List.of());
    }
    if (mode.frozen()) {
      return new Stop(reasonOf(mode), "frozen by " + mode.by() + ": " + mode.message(), mode.evidence());
    }
    GateDecision d = gate.evaluate(step);
    lastVerdict = d.verdict();
    if (d.verdict() == GateDecision.Verdict.FAIL) {
      ReasonCode reason = d.reason() == null ? ReasonCode.CLUSTER_UNHEALTHY : d.reason();
      return freeze(reason, "health gate failed before: " + step, d.evidence());
    }
    return null;
  }

  private Result cloudFailure(String pool, CloudException e, List<PoolResult> done) {
    String what = "GKE native upgrade" + (pool.isEmpty() ? "" : " of node pool " + pool);
    if (e.kind() == CloudException.Kind.RETRYABLE) {
      String msg = what + " failed: " + e.getMessage();
      notifier.notify(event(RotationEvent.Type.ERROR, null, msg, List.of()));
      return new Result(Outcome.FAILED, null, msg, List.of(e.kind() + ": " + e.getMessage()), done);
    }
    ReasonCode code = e.kind() == CloudException.Kind.QUOTA ? ReasonCode.CLOUD_QUOTA : ReasonCode.CLOUD_ERROR;
    Stop s = freeze(code, what + " failed at provider gke: " + e.getMessage(), List.of(e.kind() + ": "
        + e.getMessage()));
    return new Result(Outcome.FROZEN, s.reason(), s.message(), s.evidence(), done);
  }

  /** Persists a freeze and alerts, unless someone else's freeze is already in place (theirs is kept). */
  private Stop freeze(ReasonCode reason, String message, List<String> evidence) {
    String msg = message;
    ModeState persisted = null;
    try {
      persisted = store.freeze(reason.name(), message, evidence, BY);
    } catch (RuntimeException e) {
      msg = message + " (could not persist the freeze: " + e.getMessage() + ")";
    }
    boolean ours = persisted == null || persisted.reason().equals(reason.name()) && BY.equals(persisted.by());
    if (ours) {
      notifier.notify(event(RotationEvent.Type.FROZEN, reason, msg, evidence));
    }
    return new Stop(reason, msg, evidence);
  }

  private boolean behind(String version) {
    if (targetVersion.isEmpty()) {
      return true; // compared with the control plane's version by GkeNativeUpgrade, which reads it
    }
    try {
      return GkeVersion.parse(version).isBehind(GkeVersion.parse(targetVersion));
    } catch (IllegalArgumentException e) {
      return true; // not a plain version (an alias): GkeNativeUpgrade decides
    }
  }

  private static ReasonCode reasonOf(ModeState mode) {
    try {
      return ReasonCode.valueOf(mode.reason());
    } catch (IllegalArgumentException e) {
      return ReasonCode.MANUAL;
    }
  }

  private RotationEvent event(RotationEvent.Type type, ReasonCode reason, String message, List<String> evidence) {
    return new RotationEvent(type, runId, "", reason == null ? "" : reason.name(), message, evidence, clock.now());
  }

  private void line(PrintWriter out, String pool, String phase, String detail) {
    out.printf("  %s  %-22s %-12s %s%n", clock.now(), pool, phase, detail);
    out.flush();
  }

  /** Closes the upgrade's own GKE clients (those it created; clients a caller passed stay open). */
  @Override
  public void close() {
    upgrade.close();
  }

  /** Text or JSON rendering of the plan (dry run). */
  static void printPlan(PrintWriter out, List<PlannedPool> plan, boolean json) {
    if (json) {
      out.println(Output.json(plan));
      return;
    }
    out.printf("%d node pool(s) to upgrade by GKE, one at a time%n", plan.size());
    for (PlannedPool p : plan) {
      out.printf("  %-22s %s -> %s (native %s)%n", p.pool(), p.version(),
          p.target().isEmpty() ? "the control plane's version" : p.target(), p.strategy());
    }
  }

  /** Text or JSON rendering of the result. */
  static void printResult(PrintWriter out, Result r, boolean json) {
    if (json) {
      out.println(Output.json(r));
      return;
    }
    out.println("outcome: " + r.outcome() + (r.reason() == null ? "" : " (" + r.reason() + ")"));
    out.println(r.message());
    for (String e : r.evidence()) {
      out.println("  evidence: " + e);
    }
    if (r.reason() != null) {
      out.println("runbook: " + r.reason().runbook());
    }
  }
}
