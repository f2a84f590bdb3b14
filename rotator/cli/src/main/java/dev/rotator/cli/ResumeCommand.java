package dev.rotator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator resume. */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description =
        "Switches back to ROTATE after a human has checked the freeze's runbook, logs and status. "
        + "The next run re-checks every gate before its first disruptive step. Announced like a freeze: a "
        + "Kubernetes Event on the state ConfigMap and, with slack.alerts on, Slack.",
    footer = ExitCodes.FOOTER)
final class ResumeCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (Session s = Session.openStateOnly(global)) {
      String was;
      boolean wasRotating = false;
      try {
        var before = s.store.mode();
        wasRotating = !before.frozen();
        was = before.mode() + (before.frozen() ? ", frozen for " + before.reason() + ": " + before.message() : "");
      } catch (RuntimeException unreadable) {
        // resume rewrites the mode keys, so an unreadable mode is no reason to refuse it.
        was = "unreadable: " + unreadable.getMessage();
      }
      var state = s.store.resume("cli:" + Output.user());
      spec.commandLine().getOut().println("mode: ROTATE (was " + was + ")");
      if (!wasRotating && !state.frozen()) {
        ModeAnnouncer.announce(s, state, spec.commandLine().getErr());
      }
      return state.frozen() ? ExitCodes.RUNTIME : ExitCodes.OK;
    }
  }
}
