package dev.rotator.cli;

import dev.rotator.config.Durations;
import dev.rotator.core.engine.MaintenanceWindow;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.kubernetes.LeaseLock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator run. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description =
        "Rotates outdated nodes until none is left, a gate fails, or the run's budget is used. "
        + "Refuses to start while frozen (exit 3). Holds the Lease rotator-lock in the state namespace while it"
        + " runs: if another rotator holds it, exits 4 naming the holder (or waits, with --wait); a lock whose"
        + " holder died is taken over once its last renewal is older than 60 s + lock.maxClockSkew (2m) by this"
        + " machine's clock, or, with --wait, once it has stayed unchanged for 60 s. provider.type fake is refused"
        + " (exit 2) before anything is sent to the cluster. Dry runs take no lock; 'rotator sim' and"
        + " 'rotator demo' need none (they own their simulated cluster). With provider.gke.strategy native, GKE"
        + " upgrades the node pools itself, one pool at a time, and run starts, gates and stops each upgrade"
        + " (docs/configuration.md); --once upgrades one pool. Outside every policy.maintenanceWindows window it"
        + " touches nothing, says when the next window opens and exits 0; when the window closes mid-run, nodes in"
        + " flight are finished and no new one starts. With strategy: nodePool, run switches the configured node pool"
        + " (Red/Black: new pool, old pool tainted, cordoned, drained, deleted), resuming a switch in progress from"
        + " its persisted state; it refuses (exit 3, CLOUD_QUOTA) when the quota cannot hold the whole new pool.",
    footer = ExitCodes.FOOTER)
final class RunCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin LogOptions logs;
  @Spec CommandSpec spec;

  @Option(names = "--once", description = "rotate one batch (maxUnavailable + maxSurge nodes), then exit: the CronJob's bounded pass")
  boolean once;

  @Option(names = "--dry-run", description = "print the plan and what would happen; change nothing")
  boolean dryRun;

  @Option(names = "--max-nodes", paramLabel = "N", converter = MaxNodesConverter.class,
      description = "start at most N nodes (N >= 1) in this run, overriding policy.maxNodesPerRun")
  Integer maxNodes;

  @Option(names = "--wait", description = "if another rotator holds the lock, wait for it (up to --wait-timeout) instead of exiting 4")
  boolean waitForLock;

  @Option(names = "--wait-timeout", defaultValue = "30m", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "how long --wait waits for the lock before exiting 4 (default: ${DEFAULT-VALUE})")
  Duration waitTimeout;

  /** How often --wait asks again (sooner when the holder's lease expires sooner). */
  static final Duration LOCK_RETRY = Duration.ofSeconds(5);

  @Override
  public Integer call() throws Exception {
    ShutdownGuard guard = ShutdownGuard.install();
    try {
      return rotate();
    } finally {
      guard.done();
    }
  }

  private Integer rotate() throws Exception {
    // A run that would rotate refuses a configuration that cannot (provider.type fake) before any request; a dry
    // run only reads, and works with any provider.
    try (Session s = dryRun ? Session.open(global) : Session.openToRotate(global)) {
      Logging.format(logs.format, s.config.logging());
      if (maxNodes != null && s.nativeUpgrade()) {
        throw new UsageException("--max-nodes does not apply to provider.gke.strategy native: GKE picks the nodes"
            + " (set provider.gke.nativeUpgrade.batchNodeCount, or use --once for one pool)");
      }
      if (maxNodes != null && s.poolSwitch()) {
        throw new UsageException("--max-nodes does not apply to strategy nodePool: a pool switch moves the whole pool"
            + " (policy.maxUnavailable nodes are drained at once)");
      }
      if (dryRun && s.poolSwitch()) {
        PoolSwitchRun.plan(spec.commandLine().getOut(), s.poolSwitchOf(s.gate).plan(), global.json());
        spec.commandLine().getOut().println(global.json() ? "" : "dry run: nothing was changed");
        return ExitCodes.OK;
      }
      if (dryRun && s.nativeUpgrade()) {
        try (NativeUpgradeRun n = s.nativeUpgradeRun(s.gate, "dry-run")) {
          NativeUpgradeRun.printPlan(spec.commandLine().getOut(), n.plan(), global.json());
        }
        spec.commandLine().getOut().println(global.json() ? "" : "dry run: nothing was changed");
        return ExitCodes.OK;
      }
      if (dryRun) {
        Output.plan(spec.commandLine().getOut(), s.engine().plan(), global.json());
        spec.commandLine().getOut().println(global.json() ? "" : "dry run: nothing was changed");
        return ExitCodes.OK;
      }
      s.attachSlackAlerts();
      String runId = "run-" + UUID.randomUUID().toString().substring(0, 8);
      // The Lease on wall time, as its heartbeat: with provider.type sim the session's clock is the simulator's,
      // scaled, and would let a waiting rotator take over a lease its holder renews on time (--wait-timeout is
      // wall time too).
      try (LeaseLock lock = s.lock(dev.rotator.core.SystemClock.INSTANCE, LeaseLock.identity(runId))) {
        // Without --wait this is the only look at the Lease: a crashed holder's is taken once its renewTime is
        // older than its duration + lock.maxClockSkew. With --wait, only watching it unchanged for a whole lease
        // duration counts, which no clock skew can fool.
        LeaseLock.Attempt a = waitForLock ? lock.tryAcquire() : lock.tryAcquireOneShot();
        if (!a.acquired() && waitForLock) {
          spec.commandLine().getErr().println("rotator: another rotator holds the lock: " + a.holder() + " (until "
              + a.heldUntil() + "); waiting up to " + Durations.format(waitTimeout));
          a = lock.acquire(waitTimeout, LOCK_RETRY);
        }
        if (!a.acquired()) {
          spec.commandLine().getErr().println("rotator: another rotator holds the lock: " + a.holder() + " (until "
              + a.heldUntil() + "); exit " + ExitCodes.LOCKED);
          return ExitCodes.LOCKED;
        }
        lock.startHeartbeat();
        s.requireCloud();
        if (s.poolSwitch()) {
          // strategy nodePool: the Red/Black switch, resumed from its persisted state if one is in progress.
          var ps = s.poolSwitchOf(new LockGate(s.gate, lock));
          ps.addListener(PoolSwitchRun.progress(
              global.json() ? spec.commandLine().getErr() : spec.commandLine().getOut(), false, s.clock));
          var r = ps.run(runId);
          PoolSwitchRun.result(spec.commandLine().getOut(), r, global.json());
          return r.outcome().exitCode();
        }
        if (s.nativeUpgrade()) {
          Instant now = s.clock.now();
          if (!MaintenanceWindow.allows(s.config.policy().maintenanceWindows(), now)) {
            // The engine checks this itself; GKE's upgrade does not pass through it, so check before starting one.
            RunResult outside = new RunResult(RunResult.Outcome.OUTSIDE_WINDOW, null,
                MaintenanceWindow.outsideMessage(s.config.policy().maintenanceWindows(), now), List.of(), List.of(),
                Duration.ZERO);
            Output.result(spec.commandLine().getOut(), outside, global.json());
            return outside.outcome().exitCode();
          }
          // GKE drains and replaces the nodes itself; rotator starts, gates and stops its upgrade.
          try (NativeUpgradeRun n = s.nativeUpgradeRun(new LockGate(s.gate, lock), runId)) {
            // With -o json stdout carries the result object only; progress goes to stderr.
            NativeUpgradeRun.Result r =
                n.run(once, global.json() ? spec.commandLine().getErr() : spec.commandLine().getOut());
            NativeUpgradeRun.printResult(spec.commandLine().getOut(), r, global.json());
            return r.exitCode();
          }
        }
        // Session.engine() with the gate wrapped: losing the lock stops the run before its next disruptive step.
        // Kubernetes Events on the Nodes and the state ConfigMap: what rotator did, for kubectl describe.
        var events = new dev.rotator.kubernetes.KubernetesEventRecorder(s.client, s.clock,
            s.config.cluster().stateNamespace(), s.config.cluster().stateConfigMap(), lock.identity());
        var engine = new RotationEngine(
            new Ports(s.cluster, s.cloud, s.store, new LockGate(s.gate, lock),
                dev.rotator.observability.FanOutNotifier.of(s.notifier, events), s.clock),
            withMaxNodes(s.config.policy(), maxNodes), s.selector());
        engine.addListener(events);
        org.slf4j.MDC.put("run", runId);
        // With -o json stdout carries the result object only; progress goes to stderr.
        engine.addListener(new ProgressPrinter(
            global.json() ? spec.commandLine().getErr() : spec.commandLine().getOut(), false, s.clock));
        RunResult r;
        try {
          r = engine.run(new RunOptions(runId, once, false, "cli"));
        } finally {
          org.slf4j.MDC.remove("run");
        }
        Output.result(spec.commandLine().getOut(), r, global.json());
        return r.outcome().exitCode();
      }
    }
  }

  /** The policy of this run: {@code --max-nodes}, when given, replaces {@code policy.maxNodesPerRun}. */
  static RotationPolicy withMaxNodes(RotationPolicy policy, Integer maxNodes) {
    return maxNodes == null ? policy : policy.withMaxNodesPerRun(maxNodes);
  }

  /** --max-nodes: a whole number of at least 1 (0 would mean "no limit" in rotator.yaml, never meant here). */
  static final class MaxNodesConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      int n;
      try {
        n = Integer.parseInt(value.strip());
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
      }
      if (n < 1) {
        throw new CommandLine.TypeConversionException("must be at least 1, got " + n);
      }
      return n;
    }
  }

  /** --wait-timeout in rotator.yaml's duration syntax (90s, 15m, 1h30m). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
