package dev.rotator.cli;

import dev.rotator.core.engine.Ports;
import dev.rotator.core.pool.PoolSwitch;
import dev.rotator.core.pool.PoolSwitchRecord;
import dev.rotator.core.pool.PoolSwitchResult;
import dev.rotator.core.pool.PoolSwitchSpec;
import dev.rotator.kubernetes.LeaseLock;
import dev.rotator.provider.PoolChanges;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator rollback. */
@Command(name = "rollback", mixinStandardHelpOptions = true,
    description =
        "Rolls back the node-pool switch in progress (strategy: nodePool), as recorded in the state ConfigMap:"
        + " removes rotator's taint from the old pool's nodes and uncordons them, cordons and drains the new pool's"
        + " nodes through the Eviction API (PodDisruptionBudgets respected; not gated, and it goes on while frozen:"
        + " undoing the switch is what a freeze usually calls for), then deletes the new pool. Refused (exit 3) once"
        + " the old pool is being deleted or deleted: there is nothing left to go back to. Holds the Lease"
        + " rotator-lock like run (exit 4 when another rotator holds it). provider.type fake is refused (exit 2) before"
        + " anything is read. Leaves the mode as it is: after checking,"
        + " 'rotator resume'. See runbooks/rollback-node-pool.md.",
    footer = ExitCodes.FOOTER)
final class RollbackCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ShutdownGuard guard = ShutdownGuard.install();
    try (Session s = Session.openToRotate(global)) {
      Optional<PoolSwitchRecord> recorded = s.store.poolSwitch();
      if (recorded.isEmpty()) {
        spec.commandLine().getOut().println("no node-pool switch is recorded in " + s.store.location()
            + ": nothing to roll back");
        return ExitCodes.OK;
      }
      PoolSwitchRecord rec = recorded.get();
      String runId = "rollback-" + UUID.randomUUID().toString().substring(0, 8);
      try (LeaseLock lock = s.lock(s.clock, LeaseLock.identity(runId))) {
        LeaseLock.Attempt a = lock.tryAcquireOneShot();
        if (!a.acquired()) {
          spec.commandLine().getErr().println("rotator: another rotator holds the lock: " + a.holder() + " (until "
              + a.heldUntil() + "); exit " + ExitCodes.LOCKED);
          return ExitCodes.LOCKED;
        }
        lock.startHeartbeat();
        s.requireCloud();
        // The record names both pools: roll back what was started, whatever rotator.yaml says now.
        PoolSwitchSpec what = new PoolSwitchSpec(rec.oldPool(), Optional.of(rec.newPool()), PoolChanges.none(),
            OptionalInt.empty(), false);
        PoolSwitch ps = new PoolSwitch(new Ports(s.cluster, s.cloud, s.store, new LockGate(s.gate, lock), s.notifier,
            s.clock), s.nodePools(), s.config.policy(), what);
        ps.addListener(PoolSwitchRun.progress(
            global.json() ? spec.commandLine().getErr() : spec.commandLine().getOut(), false, s.clock));
        PoolSwitchResult r = ps.rollback(runId, "cli:" + Output.user());
        PoolSwitchRun.result(spec.commandLine().getOut(), r, global.json());
        return r.outcome().exitCode();
      }
    } finally {
      guard.done();
    }
  }
}
