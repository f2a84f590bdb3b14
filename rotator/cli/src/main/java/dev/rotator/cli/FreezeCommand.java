package dev.rotator.cli;

import dev.rotator.core.engine.ReasonCode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator freeze. */
@Command(name = "freeze", mixinStandardHelpOptions = true,
    description =
        "Switches to FREEZE: every rotator (CronJob, CLI, controller) stops before its next "
        + "disruptive step. Persisted in the cluster. An existing freeze keeps its original reason. A new "
        + "freeze is announced: a Kubernetes Event on the state ConfigMap and, with slack.alerts on, Slack.",
    footer = ExitCodes.FOOTER)
final class FreezeCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Option(names = "--reason", required = true, description = "why (recorded and shown by status)")
  String reason;

  @Override
  public Integer call() {
    if (reason.isBlank()) {
      throw new UsageException("--reason must not be empty");
    }
    try (Session s = Session.openStateOnly(global)) {
      boolean wasFrozen;
      try {
        wasFrozen = s.store.mode().frozen();
      } catch (RuntimeException unreadable) {
        wasFrozen = false; // freeze writes the mode keys anyway; announce it
      }
      var state = s.store.freeze(ReasonCode.MANUAL.name(), reason, List.of(), "cli:" + Output.user());
      spec.commandLine().getOut().println("mode: FREEZE (" + state.reason() + " by " + state.by() + "): " + state.message());
      if (!wasFrozen) {
        ModeAnnouncer.announce(s, state, spec.commandLine().getErr());
      }
      return ExitCodes.OK;
    }
  }
}
