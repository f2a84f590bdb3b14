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
        + "last rotation's per-node progress, and the last node-pool switch (strategy nodePool) when one is "
        + "recorded. Exit 3 when frozen.",
    footer = ExitCodes.FOOTER)
final class StatusCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  /** "always open", "open now", or when the next window opens (policy.maintenanceWindows). */
  static String window(Session s) {
    var windows = s.config.policy().maintenanceWindows();
    if (windows.isEmpty()) {
      return "none configured (rotation allowed at any time)";
    }
    java.time.Instant now = s.clock.now();
    if (dev.rotator.core.engine.MaintenanceWindow.allows(windows, now)) {
      return "open now";
    }
    return dev.rotator.core.engine.MaintenanceWindow.nextOpening(windows, now)
        .map(at -> "closed; next opens " + dev.rotator.core.engine.MaintenanceWindow.describe(at))
        .orElse("closed");
  }

  @Override
  public Integer call() {
    try (Session s = Session.openStateOnly(global)) {
      var mode = s.store.mode();
      Output.status(spec.commandLine().getOut(), mode, s.store.progress(), s.store.poolSwitch(), window(s),
          global.json());
      return mode.frozen() ? ExitCodes.FROZEN : ExitCodes.OK;
    }
  }
}
