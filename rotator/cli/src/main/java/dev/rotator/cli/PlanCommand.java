package dev.rotator.cli;

import dev.rotator.core.engine.Plan;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator plan. */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description =
        "Prints the nodes that would rotate now, in order and batches, and for each the "
        + "PodDisruptionBudgets that would block its drain right now. With strategy: nodePool, prints the pool"
        + " switch instead: the old and new pool, the capacity needed at the peak (up to twice the pool), the quota"
        + " headroom with its numbers, the PDBs that block now and a rough duration. Changes nothing.",
    footer = ExitCodes.FOOTER)
final class PlanCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (Session s = Session.open(global)) {
      if (s.poolSwitch()) {
        PoolSwitchRun.plan(spec.commandLine().getOut(), s.poolSwitchOf(s.gate).plan(), global.json());
        return ExitCodes.OK;
      }
      Plan plan = s.engine().plan();
      Output.plan(spec.commandLine().getOut(), plan, global.json());
      return ExitCodes.OK;
    }
  }
}
