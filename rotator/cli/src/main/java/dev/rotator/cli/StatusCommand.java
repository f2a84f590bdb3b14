package dev.rotator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator status. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description =
        "Shows the persisted mode (ROTATE or FREEZE, with reason, evidence, who and when) and the "
        + "last rotation's per-node progress. Exit 3 when frozen.",
    footer = ExitCodes.FOOTER)
final class StatusCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (Session s = Session.openStateOnly(global)) {
      var mode = s.store.mode();
      Output.status(spec.commandLine().getOut(), mode, s.store.progress(), global.json());
      return mode.frozen() ? ExitCodes.FROZEN : ExitCodes.OK;
    }
  }
}
