package dev.rotator.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Runs the real engine, wired exactly as in production (fabric8 client over HTTP, ConfigMap state store,
 * health gates), against a simulated cluster in this JVM, and returns the simulator's own record of what
 * happened beside the rotator's claims.
 */
final class SimRunner {

  /** The rotator's result and the simulator's independent report. */
  record Outcome(RunResult run, SimReport report, ObjectNode json) {
    /** True when the simulator saw anything unsafe, whatever the rotator claims. */
    boolean unsafe() {
      return report.pdbViolations() > 0 || report.podsLost() > 0 || report.podDeleteRequests() > 0
          || !report.invariantViolations().isEmpty();
    }
  }

  private SimRunner() {}

  static RotatorConfig configOf(Scenario scenario) {
    return scenario.rotatorConfig() == null
        ? ConfigLoader.defaults()
        : ConfigLoader.fromTree(scenario.rotatorConfig(), "scenario " + scenario.name() + ", key rotator");
  }

  static Outcome run(Scenario scenario, PrintWriter out, boolean verbose) throws InterruptedException {
    RotatorConfig config = configOf(scenario);
    try (Simulator sim = Simulator.start(scenario);
        Session s = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
      RotationEngine engine = s.engine();
      if (out != null) {
        engine.addListener(new ProgressPrinter(out, verbose, sim.clock()));
      }
      RunResult r = engine.run(new RunOptions("sim-" + scenario.name(), false, false, "sim"));
      // Let evicted pods finish starting so "pods lost" and readiness are judged on a settled cluster.
      sim.awaitQuiet(Duration.ofMinutes(10));
      SimReport report = sim.report();
      ObjectNode json = (ObjectNode) Output.JSON.readTree(report.toJson());
      ObjectNode claims = json.putObject("rotator");
      claims.put("note", "what the rotator reported; every other field is the simulator's own observation");
      claims.put("outcome", r.outcome().name());
      claims.put("reason", r.reason() == null ? null : r.reason().name());
      claims.put("message", r.message());
      claims.set("evidence", Output.JSON.valueToTree(r.evidence()));
      claims.put("nodesDone", r.count(dev.rotator.core.engine.NodeState.DONE));
      return new Outcome(r, report, json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("simulator report is not valid JSON: " + e.getMessage(), e);
    }
  }

  static void summary(PrintWriter out, Outcome o) {
    SimReport r = o.report();
    out.println();
    out.println("Simulator record (observed independently of rotator):");
    out.printf("  nodes rotated        %d of %d outdated (%d total)%n", r.nodesRotated(), r.nodesOutdatedAtStart(), r.nodesTotal());
    out.printf("  makespan             %.0f simulated s (%.1f wall s)%n", r.makespanSeconds(), r.wallSeconds());
    out.printf("  PDB violations       %d%n", r.pdbViolations());
    out.printf("  pods lost            %d%n", r.podsLost());
    out.printf("  max nodes unavailable %d%n", r.maxNodesUnavailable());
    out.printf("  evictions            %d accepted, %d refused by PDB%n", r.evictionsAccepted(), r.evictionsRefused());
    out.printf("  API requests         %d%n", r.apiRequests());
    out.printf("  freezes              %s%n", r.freezes().isEmpty() ? "none" : r.freezes());
    if (!r.invariantViolations().isEmpty()) {
      out.println("  INVARIANT VIOLATIONS " + r.invariantViolations());
    }
    out.println("Rotator: " + o.run().outcome() + (o.run().reason() == null ? "" : " (" + o.run().reason() + ")")
        + ": " + o.run().message());
    for (String e : o.run().evidence()) {
      out.println("  evidence: " + e);
    }
    if (o.run().reason() != null) {
      out.println("  runbook: " + o.run().reason().runbook());
    }
    if (o.unsafe()) {
      out.println("SAFETY VIOLATION observed by the simulator: see the report.");
    }
  }

  static int exitCode(Outcome o) {
    return o.unsafe() ? ExitCodes.RUNTIME : o.run().outcome().exitCode();
  }
}
