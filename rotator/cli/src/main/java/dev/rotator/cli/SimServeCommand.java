package dev.rotator.cli;

import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.SystemClock;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** rotator sim serve. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
      "Serves a simulated cluster as its own process, for a rotator, kubectl or a script in other processes: "
          + "the Kubernetes API on 127.0.0.1 (enough of it for 'kubectl get nodes,pods,pdb -A', cordon and "
          + "drain), the simulated controllers, and the simulator's own endpoints on the same port: GET "
          + "/sim/report (the record so far), GET /sim/clock, and /sim/cloud/... (the fake cloud, which "
          + "'provider.type: sim' in rotator.yaml uses, together with the simulator's clock).",
      "Writes a kubeconfig for it, then runs until SIGTERM/SIGINT, --for, or --until-complete; on the way "
          + "out writes the simulator's record (violations, max unavailable, API requests by verb and by "
          + "client) to --report. Exit 1 if the simulator saw a safety violation."},
    footer = ExitCodes.FOOTER)
final class SimServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  SimCommand.Source source;

  @Option(names = "--kubeconfig-out", paramLabel = "FILE", required = true,
      description = "write a kubeconfig for the simulated API here (context rotator-sim)")
  Path kubeconfigOut;

  @Option(names = "--report", paramLabel = "FILE", description = "write the JSON record here on the way out")
  Path report;

  @Option(names = "--for", paramLabel = "DURATION",
      description = "stop after this much simulated time (e.g. 2h; default: until signalled)")
  String duration;

  @Option(names = "--until-complete",
      description = "stop once every outdated node has been rotated and the cluster is quiet")
  boolean untilComplete;

  @Option(names = "--scale", paramLabel = "X",
      description = "simulated seconds per wall second, instead of the scenario's clock.scale")
  Double scale;

  @Option(names = "--rotator-config", paramLabel = "FILE",
      description = "judge the makespan against this rotator.yaml's policy.maxUnavailable and maxSurge "
          + "(default: the scenario's rotator section)")
  Path rotatorConfig;

  @Override
  public Integer call() throws Exception {
    Scenario scenario = SimCommand.load(source);
    if (scale != null) {
      try {
        scenario = scenario.withScale(scale);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--scale: " + e.getMessage());
      }
    }
    Duration limit = duration == null ? null : parseDuration(duration);
    RotatorConfig policy = rotatorConfig == null ? null : ConfigLoader.load(rotatorConfig);
    PrintWriter out = spec.commandLine().getOut();
    Logging.quietEngine();
    ShutdownGuard guard = ShutdownGuard.install();
    try (Simulator sim = Simulator.start(scenario)) {
      if (policy != null) {
        sim.assumePolicy(policy.policy().maxUnavailable(), policy.policy().maxSurge());
      }
      sim.writeKubeconfig(kubeconfigOut);
      out.printf("serving scenario %s: API %s, kubeconfig %s, clock x%s%n", scenario.name(), sim.apiUrl(),
          kubeconfigOut, trim(sim.clock().scale()));
      out.printf("record: GET %s/sim/report; lower bound %s%n", sim.apiUrl(), describe(sim.report()));
      out.flush();
      String why = serve(sim, limit);
      if (untilComplete && "complete".equals(why)) {
        sim.awaitQuiet(Duration.ofMinutes(10));
      } else if (sim.failure().isEmpty()) {
        // Signalled or at --for: let pods and nodes in transition settle (bounded, simulated time) so that the
        // end-of-run replica check does not count a replacement pod still starting as lost.
        sim.awaitQuiet(Duration.ofMinutes(5));
      }
      SimReport r = sim.report();
      if (report != null) {
        Path parent = report.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.writeString(report, r.toJson());
      }
      out.printf("stopped (%s): %d of %d outdated nodes rotated, makespan %.0f s, %s, %d PDB violations,"
          + " %d pods lost, max %d nodes unavailable, %d API requests%n", why, r.nodesRotated(),
          r.nodesOutdatedAtStart(), r.makespanSeconds(), describe(r), r.pdbViolations(), r.podsLost(),
          r.maxNodesUnavailable(), r.apiRequests());
      if (report != null) {
        out.println("report: " + report);
      }
      out.flush();
      return r.safe() ? ExitCodes.OK : ExitCodes.RUNTIME;
    } finally {
      guard.done();
    }
  }

  /** Waits until signalled (interrupt), the simulated time limit, or completion; says which. */
  private String serve(Simulator sim, Duration limit) {
    Instant end = limit == null ? null : sim.clock().now().plus(limit);
    // Bounded by the signal, the limit or completion; each turn waits a quarter of a wall second.
    while (true) {
      if (end != null && !sim.clock().now().isBefore(end)) {
        return "--for " + duration + " elapsed";
      }
      if (untilComplete && sim.rotationComplete()) {
        return "complete";
      }
      if (sim.failure().isPresent()) {
        return "the simulated controllers failed";
      }
      try {
        SystemClock.INSTANCE.sleep(Duration.ofMillis(250));
      } catch (InterruptedException e) {
        // SIGTERM/SIGINT: ShutdownGuard interrupted us and waits for the report.
        Thread.interrupted();
        return "signalled";
      }
    }
  }

  static String describe(SimReport r) {
    if (r.lowerBound() == null || r.lowerBound().seconds() == null) {
      return "no finite lower bound";
    }
    String ratio = r.makespanOverLowerBound() == null || r.makespanSeconds() == 0 ? ""
        : String.format(Locale.ROOT, ", makespan/lowerBound %.2f", r.makespanOverLowerBound());
    return String.format(Locale.ROOT, "lowerBound %.0f s (%s)%s", r.lowerBound().seconds(),
        r.lowerBound().binding(), ratio);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static Duration parseDuration(String text) {
    try {
      return dev.rotator.config.Durations.parse(text);
    } catch (RuntimeException e) {
      throw new UsageException("--for: " + e.getMessage());
    }
  }
}
