package dev.rotator.cli;

import dev.rotator.sim.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator sim. */
@Command(name = "sim", mixinStandardHelpOptions = true,
    subcommands = {SimServeCommand.class, SimBenchCommand.class},
    description =
        "Runs a rotation against a simulated cluster (API on loopback, simulated scheduler, "
        + "kubelet, controllers and cloud, on a scaled clock) and reports what the simulator itself "
        + "observed: PDB violations, pods lost, max nodes unavailable, API requests, freezes. The "
        + "rotator policy comes from the scenario's 'rotator' section. Exit 1 if the simulator saw "
        + "a safety violation, else the run's exit code.",
    footer = ExitCodes.FOOTER)
final class SimCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Spec CommandSpec spec;

  static final class Source {
    @Option(names = "--scenario", paramLabel = "FILE", description = "scenario file (docs/simulator.md)")
    Path file;

    @Option(names = "--builtin", paramLabel = "NAME", completionCandidates = BuiltinNames.class,
        description = "a built-in scenario: ${COMPLETION-CANDIDATES}")
    String builtin;
  }

  /** The built-in scenario names, from the simulator itself so that --help never goes stale. */
  static final class BuiltinNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Scenario.BUILTIN.iterator();
    }
  }

  // Optional for picocli so that 'sim serve' and 'sim bench' need none; call() requires one.
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Source source;

  @Option(names = "--report", paramLabel = "FILE", description = "write the JSON report here")
  Path report;

  @Option(names = {"-v", "--verbose"}, description = "print every engine message and keep the engine's INFO log on stderr")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      // The progress lines say what the engine's INFO log would; keep stderr for warnings and alerts.
      Logging.quietEngine();
    }
    if (source == null) {
      throw new UsageException("one of --scenario FILE or --builtin NAME is required (or a subcommand: serve, bench)");
    }
    Scenario scenario = load(source);
    // Validate the rotator section before starting anything.
    SimRunner.configOf(scenario);
    var out = spec.commandLine().getOut();
    SimRunner.Outcome o = SimRunner.run(scenario, global.json() ? null : out, verbose);
    if (report != null) {
      Path parent = report.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(report, Output.json(o.json()));
    }
    if (global.json()) {
      out.println(Output.json(o.json()));
    } else {
      SimRunner.summary(out, o);
      if (report != null) {
        out.println("report: " + report);
      }
    }
    return SimRunner.exitCode(o);
  }

  static Scenario load(Source s) {
    if (s.file != null) {
      if (!Files.isRegularFile(s.file)) {
        throw new UsageException("--scenario: no such file: " + s.file);
      }
      try {
        return Scenario.load(s.file);
      } catch (dev.rotator.sim.ScenarioException e) {
        // A bad scenario file is bad usage (exit 2), like a bad rotator.yaml; the message names the key.
        throw new UsageException("--scenario: " + e.getMessage());
      }
    }
    try {
      return Scenario.builtin(s.builtin);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--builtin: " + e.getMessage());
    }
  }
}
