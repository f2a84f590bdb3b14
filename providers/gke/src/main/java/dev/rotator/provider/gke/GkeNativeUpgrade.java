package dev.rotator.provider.gke;

import com.google.container.v1.BlueGreenSettings;
import com.google.container.v1.NodePool;
import com.google.container.v1.NodePoolUpdateStrategy;
import com.google.container.v1.Operation;
import com.google.container.v1.UpdateNodePoolRequest;
import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strategy (b): GKE upgrades the node pool itself — its own surge or blue-green rollout, its own drain —
 * and rotator starts it, watches it and stops it when its health gate or a freeze says so.
 *
 * <ol>
 *   <li>Refuses to start when {@code shouldContinue} is already false (nothing changed: {@link
 *       Outcome#NOT_STARTED}).
 *   <li>{@code UpdateNodePool} with the {@link Spec}'s {@code UpgradeSettings} (SURGE: maxSurge /
 *       maxUnavailable; BLUE_GREEN: a standard rollout policy by node count or percentage, batch soak, pool
 *       soak), followed to DONE. Settings and version are two calls: GKE applies one kind of change per
 *       update.
 *   <li>{@code UpdateNodePool} with the target version (and the pool's current image type, which the API
 *       requires), then its operation is polled every {@code pollInterval}, at most {@code operationTimeout}.
 *   <li>Before every poll {@code shouldContinue} is asked (the lead wires the health gate and the freeze
 *       mode to it). When it says no, {@link Spec#onStop} decides: {@link OnStop#ROLLBACK} cancels the
 *       operation and calls {@code RollbackNodePoolUpgrade} (GKE only rolls back an aborted upgrade);
 *       {@link OnStop#CANCEL} only cancels it — GKE's way of pausing: nodes stay as they are, running the
 *       upgrade again resumes it; {@link OnStop#DETACH} stops following and leaves GKE to finish.
 *   <li>Blue-green with {@link Spec#completeAfterSoak}: once the pool reaches {@code NODE_POOL_SOAKING} and
 *       {@code shouldContinue} still says yes, {@code CompleteNodePoolUpgrade} ends the soak early (the gate
 *       was the soak's purpose); otherwise GKE waits out {@code nodePoolSoakDuration} itself.
 * </ol>
 *
 * <p>Never: starts an upgrade while the gate says no; treats a timed-out operation as done (RETRYABLE, it
 * may still be running); swallows an operation error (a {@link CloudException} of its code's kind).
 */
public final class GkeNativeUpgrade {
  private static final Logger LOG = LoggerFactory.getLogger(GkeNativeUpgrade.class);

  /** GKE's two node pool upgrade strategies. */
  public enum Strategy { SURGE, BLUE_GREEN }

  /** What to do when {@code shouldContinue} turns false mid-upgrade. */
  public enum OnStop { ROLLBACK, CANCEL, DETACH }

  /** How an upgrade run ended (failures are {@link CloudException}s). */
  public enum Outcome { COMPLETED, NOT_STARTED, ROLLED_BACK, CANCELLED, DETACHED }

  /** The result of {@link #upgrade}: the outcome, the GKE operation involved (if any) and what happened. */
  public record Result(Outcome outcome, String operation, String message) {}

  /**
   * How GKE should upgrade the pool.
   *
   * @param strategy SURGE or BLUE_GREEN
   * @param maxSurge SURGE: extra nodes at a time (≥ 0)
   * @param maxUnavailable SURGE: nodes down at a time (≥ 0; maxSurge + maxUnavailable ≥ 1)
   * @param batchNodeCount BLUE_GREEN: nodes drained per batch (0 = use {@code batchPercentage})
   * @param batchPercentage BLUE_GREEN: fraction of the pool per batch, in (0, 1] (when batchNodeCount = 0)
   * @param batchSoak BLUE_GREEN: wait after each batch
   * @param nodePoolSoak BLUE_GREEN: wait after the last batch before the blue nodes are deleted
   * @param onStop what a false {@code shouldContinue} does
   * @param completeAfterSoak BLUE_GREEN: end the pool soak as soon as it starts and the gate still passes
   * @param rollbackRespectsPdb {@code respectPdb} of RollbackNodePoolUpgrade (false = GKE may ignore PDBs)
   */
  public record Spec(
      Strategy strategy,
      int maxSurge,
      int maxUnavailable,
      int batchNodeCount,
      float batchPercentage,
      Duration batchSoak,
      Duration nodePoolSoak,
      OnStop onStop,
      boolean completeAfterSoak,
      boolean rollbackRespectsPdb) {

    public Spec {
      Objects.requireNonNull(strategy, "strategy");
      Objects.requireNonNull(onStop, "onStop");
      batchSoak = batchSoak == null ? Duration.ZERO : batchSoak;
      nodePoolSoak = nodePoolSoak == null ? Duration.ZERO : nodePoolSoak;
      if (strategy == Strategy.SURGE && (maxSurge < 0 || maxUnavailable < 0 || maxSurge + maxUnavailable < 1)) {
        throw new IllegalArgumentException(
            "surge upgrade needs maxSurge >= 0, maxUnavailable >= 0 and maxSurge + maxUnavailable >= 1");
      }
      if (strategy == Strategy.BLUE_GREEN) {
        if (batchNodeCount < 0 || batchNodeCount == 0 && (batchPercentage <= 0 || batchPercentage > 1)) {
          throw new IllegalArgumentException(
              "blue-green upgrade needs batchNodeCount >= 1 or batchPercentage in (0, 1]");
        }
        if (batchSoak.isNegative() || nodePoolSoak.isNegative()) {
          throw new IllegalArgumentException("blue-green soak durations must not be negative");
        }
      }
    }

    public static Spec surge(int maxSurge, int maxUnavailable, OnStop onStop) {
      return new Spec(Strategy.SURGE, maxSurge, maxUnavailable, 0, 0, null, null, onStop, false, true);
    }

    public static Spec blueGreen(int batchNodeCount, Duration batchSoak, Duration nodePoolSoak, OnStop onStop,
        boolean completeAfterSoak) {
      return new Spec(Strategy.BLUE_GREEN, 0, 0, batchNodeCount, 0, batchSoak, nodePoolSoak, onStop,
          completeAfterSoak, true);
    }

    NodePool.UpgradeSettings toUpgradeSettings() {
      if (strategy == Strategy.SURGE) {
        return NodePool.UpgradeSettings.newBuilder().setStrategy(NodePoolUpdateStrategy.SURGE)
            .setMaxSurge(maxSurge).setMaxUnavailable(maxUnavailable).build();
      }
      var rollout = BlueGreenSettings.StandardRolloutPolicy.newBuilder().setBatchSoakDuration(proto(batchSoak));
      if (batchNodeCount > 0) {
        rollout.setBatchNodeCount(batchNodeCount);
      } else {
        rollout.setBatchPercentage(batchPercentage);
      }
      return NodePool.UpgradeSettings.newBuilder().setStrategy(NodePoolUpdateStrategy.BLUE_GREEN)
          .setBlueGreenSettings(BlueGreenSettings.newBuilder().setStandardRolloutPolicy(rollout)
              .setNodePoolSoakDuration(proto(nodePoolSoak)))
          .build();
    }

    private static com.google.protobuf.Duration proto(Duration d) {
      return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
  }

  private final GkeApi api;
  private final GkeSettings settings;
  private final Clock clock;
  private final boolean ownsClients;

  /** Native upgrades with their own clients (default credentials); {@link #close} closes them. */
  public GkeNativeUpgrade(GkeSettings settings, Clock clock) {
    this(settings, GkeClients.create(settings), clock, true);
  }

  /** Native upgrades on clients the caller owns. */
  public GkeNativeUpgrade(GkeSettings settings, GkeClients clients, Clock clock) {
    this(settings, clients, clock, false);
  }

  private GkeNativeUpgrade(GkeSettings settings, GkeClients clients, Clock clock, boolean owns) {
    this.api = new GkeApi(settings, clients, clock);
    this.settings = settings;
    this.clock = clock;
    this.ownsClients = owns;
  }

  /**
   * Upgrades {@code pool} to {@code version} (empty = the control plane's version) the GKE way, checking
   * {@code shouldContinue} before every poll. Returns when the upgrade is done, rolled back, cancelled or
   * left to GKE.
   */
  public Result upgrade(String pool, String version, Spec spec, BooleanSupplier shouldContinue) {
    if (!settings.manages(pool)) {
      throw new CloudException(Kind.PERMANENT, "node pool " + pool + " is not managed by rotator");
    }
    if (!shouldContinue.getAsBoolean()) {
      return new Result(Outcome.NOT_STARTED, "", "gate closed before the upgrade of " + pool + " started");
    }
    NodePool before = api.nodePool(pool);
    String target = version == null || version.isBlank() ? api.cluster().getCurrentMasterVersion() : version;
    if (isAtLeast(before.getVersion(), target)) {
      // Asking GKE for the version a pool already runs would recreate every node for nothing.
      return new Result(Outcome.COMPLETED, "", "node pool " + pool + " already runs " + before.getVersion());
    }
    api.follow(api.updateNodePool(UpdateNodePoolRequest.newBuilder().setName(settings.poolName(pool))
        .setUpgradeSettings(spec.toUpgradeSettings()).build(),
        "set upgrade settings of node pool " + pool), "set upgrade settings of node pool " + pool);
    String what = "upgrade node pool " + pool + " from " + before.getVersion() + " to " + target + " ("
        + spec.strategy() + ")";
    Operation op = api.updateNodePool(UpdateNodePoolRequest.newBuilder().setName(settings.poolName(pool))
        .setNodeVersion(target).setImageType(before.getConfig().getImageType()).build(), what);
    LOG.info("{}: started, operation {}", what, op.getName());

    Instant deadline = clock.now().plus(settings.operationTimeout());
    long maxPolls = api.maxPolls();
    boolean completed = false;
    for (long poll = 0; op.getStatus() != Operation.Status.DONE; poll++) {
      if (!shouldContinue.getAsBoolean()) {
        return stop(pool, op, spec);
      }
      if (poll >= maxPolls || !clock.now().isBefore(deadline)) {
        throw new CloudException(Kind.RETRYABLE, what + ": operation " + op.getName() + " still " + op.getStatus()
            + " after " + settings.operationTimeout().toSeconds() + "s; GKE goes on with it");
      }
      if (spec.strategy() == Strategy.BLUE_GREEN && spec.completeAfterSoak() && !completed
          && phase(api.nodePool(pool)) == NodePool.UpdateInfo.BlueGreenInfo.Phase.NODE_POOL_SOAKING) {
        LOG.info("{}: soaking and the gate passes; completing the upgrade", what);
        api.completeNodePoolUpgrade(pool);
        completed = true;
      }
      api.pause(what);
      op = api.getOperation(op.getName());
    }
    GkeApi.checkDone(op, what);
    LOG.info("{}: done", what);
    return new Result(Outcome.COMPLETED, op.getName(), what + ": done");
  }

  private Result stop(String pool, Operation op, Spec spec) {
    String why = "gate or freeze stopped the upgrade of " + pool;
    switch (spec.onStop()) {
      case DETACH -> {
        LOG.warn("{}: no longer following operation {}; GKE continues the upgrade", why, op.getName());
        return new Result(Outcome.DETACHED, op.getName(), why + "; GKE continues it (operation " + op.getName()
            + ")");
      }
      case CANCEL -> {
        cancel(op);
        return new Result(Outcome.CANCELLED, op.getName(), why + "; upgrade cancelled where it was, run it again"
            + " to resume");
      }
      default -> {
        cancel(op);
        Operation rb = rollback(pool, spec.rollbackRespectsPdb());
        return new Result(Outcome.ROLLED_BACK, rb.getName(), why + "; upgrade cancelled and rolled back");
      }
    }
  }

  /** Cancels an operation and waits (bounded) until GKE has stopped it; its "cancelled" error is expected. */
  private void cancel(Operation op) {
    api.cancelOperation(op.getName());
    Operation current = op;
    long maxPolls = api.maxPolls();
    for (long poll = 0; current.getStatus() != Operation.Status.DONE; poll++) {
      if (poll >= maxPolls) {
        throw new CloudException(Kind.RETRYABLE, "operation " + op.getName() + " not stopped after cancel");
      }
      api.pause("cancel operation " + op.getName());
      current = api.getOperation(op.getName());
    }
  }

  /** RollbackNodePoolUpgrade (of an aborted or failed upgrade), followed to DONE. */
  public Operation rollback(String pool) {
    return rollback(pool, true);
  }

  private Operation rollback(String pool, boolean respectPdb) {
    String what = "roll back upgrade of node pool " + pool;
    Operation done = api.follow(api.rollbackNodePoolUpgrade(pool, respectPdb), what);
    LOG.info("{}: done", what);
    return done;
  }

  /** CompleteNodePoolUpgrade: ends a blue-green upgrade's pool soak now (the blue nodes get deleted). */
  public void complete(String pool) {
    api.completeNodePoolUpgrade(pool);
  }

  /** Whether {@code have} is not behind {@code target}; false when either is not a plain version (an alias). */
  private static boolean isAtLeast(String have, String target) {
    try {
      return !GkeVersion.parse(have).isBehind(GkeVersion.parse(target));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static NodePool.UpdateInfo.BlueGreenInfo.Phase phase(NodePool p) {
    return p.hasUpdateInfo() && p.getUpdateInfo().hasBlueGreenInfo()
        ? p.getUpdateInfo().getBlueGreenInfo().getPhase()
        : NodePool.UpdateInfo.BlueGreenInfo.Phase.PHASE_UNSPECIFIED;
  }

  public void close() {
    if (ownsClients) {
      api.clients.close();
    }
  }
}
