package dev.rotator.cli;

import dev.rotator.core.port.CheckResult;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator check. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description =
        "Runs every configured health gate once and prints a table (check, status, reason, "
        + "values). Exit 0 when all are healthy, 3 when any is unhealthy or unknown.",
    footer = ExitCodes.FOOTER)
final class CheckCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (Session s = Session.open(global)) {
      List<CheckResult> results = s.gate.runAll();
      Output.checks(spec.commandLine().getOut(), results, global.json());
      if (!global.json()) {
        s.skippedChecks.forEach(x -> spec.commandLine().getOut().println("skipped: " + x));
      }
      return results.stream().allMatch(CheckResult::healthy) ? ExitCodes.OK : ExitCodes.FROZEN;
    }
  }
}
