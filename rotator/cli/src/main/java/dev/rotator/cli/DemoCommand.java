package dev.rotator.cli;

import dev.rotator.sim.Scenario;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator demo. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description =
        "Rotates a small built-in simulated cluster (12 nodes in 3 zones, Deployments with PDBs, "
        + "a StatefulSet, a DaemonSet) end to end with live progress and a closing summary. Needs "
        + "no cluster.",
    footer = ExitCodes.FOOTER)
final class DemoCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  @Option(names = {"-v", "--verbose"}, description = "print every engine message and keep the engine's INFO log on stderr")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      // The progress lines say what the engine's INFO log would; keep stderr for warnings and alerts.
      Logging.quietEngine();
    }
    var out = spec.commandLine().getOut();
    Scenario scenario = Scenario.builtin("demo");
    out.println("rotator demo: rotating the simulated cluster '" + scenario.name()
        + "' (simulated time runs faster than the wall clock)");
    SimRunner.Outcome o = SimRunner.run(scenario, out, verbose);
    SimRunner.summary(out, o);
    return SimRunner.exitCode(o);
  }
}
