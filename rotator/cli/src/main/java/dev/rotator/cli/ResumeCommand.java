package dev.rotator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator resume. */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = {"Switches back to ROTATE after a human has checked the freeze's runbook, logs and status.",
        "The next run re-checks every gate before its first disruptive step."},
    footer = ExitCodes.FOOTER)
final class ResumeCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (Session s = Session.open(global)) {
      var before = s.store.mode();
      var state = s.store.resume("cli:" + Output.user());
      spec.commandLine().getOut().println("mode: ROTATE (was " + before.mode()
          + (before.frozen() ? ", frozen for " + before.reason() + ": " + before.message() : "") + ")");
      return state.frozen() ? ExitCodes.RUNTIME : ExitCodes.OK;
    }
  }
}
