package dev.rotator.cli;

import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator run. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description =
        "Rotates outdated nodes until none is left, a gate fails, or the run's budget is used. "
        + "Refuses to start while frozen (exit 3).",
    footer = ExitCodes.FOOTER)
final class RunCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Option(names = "--once", description = "rotate one batch (maxUnavailable + maxSurge nodes), then exit: the CronJob's bounded pass")
  boolean once;

  @Option(names = "--dry-run", description = "print the plan and what would happen; change nothing")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    try (Session s = Session.open(global)) {
      if (dryRun) {
        Output.plan(spec.commandLine().getOut(), s.engine().plan(), global.json());
        spec.commandLine().getOut().println(global.json() ? "" : "dry run: nothing was changed");
        return ExitCodes.OK;
      }
      s.requireCloud();
      var engine = s.engine();
      engine.addListener(new ProgressPrinter(spec.commandLine().getOut(), false, s.clock));
      RunResult r = engine.run(new RunOptions("run-" + UUID.randomUUID().toString().substring(0, 8), once, false, "cli"));
      Output.result(spec.commandLine().getOut(), r, global.json());
      return r.outcome().exitCode();
    }
  }
}
