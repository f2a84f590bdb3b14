package dev.rotator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import dev.rotator.sim.fault.FaultReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the real engine, wired exactly as in production (fabric8 client over HTTP, ConfigMap state store,
 * health gates), against a simulated cluster in this JVM, and returns the simulator's own record of what
 * happened beside the rotator's claims.
 *
 * <p>When the scenario has a fake etcd or a fake Prometheus, their URLs are only known once the simulator
 * runs: {@code gates.etcd.endpoints} and {@code gates.prometheus.url} are then written into the scenario's
 * {@code rotator:} tree before it is loaded (scenario files leave those two keys out; the scenario parser
 * refuses them).
 */
final class SimRunner {

  /** The rotator's result and the simulator's independent report. */
  record Outcome(RunResult run, SimReport report, ObjectNode json) {
    /**
     * True when the simulator saw anything unsafe, whatever the rotator claims ({@link SimReport#safe()}: a pod
     * DELETE other than an accepted unhealthy-pod delete is among its invariant violations).
     */
    boolean unsafe() {
      return !report.safe();
    }
  }

  private SimRunner() {}

  /**
   * The scenario's rotator configuration, validated before any simulator starts: the fake etcd's and
   * Prometheus' URLs are stand-ins here (ports are chosen when they start).
   */
  static RotatorConfig configOf(Scenario scenario) {
    List<String> etcd = new ArrayList<>();
    for (int i = 0; scenario.hasEtcd() && i < scenario.etcd().members(); i++) {
      etcd.add("http://127.0.0.1:" + (2379 + i));
    }
    return configOf(scenario, etcd, scenario.hasPrometheus() ? Optional.of("http://127.0.0.1:9090") : Optional.empty());
  }

  /** The configuration against a running simulator: its fakes' real URLs. */
  static RotatorConfig configOf(Scenario scenario, Simulator sim) {
    return configOf(scenario, sim.etcdEndpoints(), sim.prometheusUrl());
  }

  private static RotatorConfig configOf(Scenario scenario, List<String> etcdEndpoints, Optional<String> prometheusUrl) {
    JsonNode tree = scenario.rotatorConfig();
    if (tree == null && etcdEndpoints.isEmpty() && prometheusUrl.isEmpty()) {
      return ConfigLoader.defaults();
    }
    ObjectNode root = tree == null ? Output.JSON.createObjectNode() : (ObjectNode) tree;
    if (!etcdEndpoints.isEmpty()) {
      ArrayNode list = section(root, "gates", "etcd").putArray("endpoints");
      etcdEndpoints.forEach(list::add);
    }
    prometheusUrl.ifPresent(url -> section(root, "gates", "prometheus").put("url", url));
    return ConfigLoader.fromTree(root, "scenario " + scenario.name() + ", key rotator");
  }

  /** The mapping at {@code path}, created where missing (a key set to something else is left to the loader). */
  private static ObjectNode section(ObjectNode root, String... path) {
    ObjectNode at = root;
    for (String key : path) {
      JsonNode next = at.get(key);
      if (next == null || next.isNull()) {
        at = at.putObject(key);
      } else if (next instanceof ObjectNode o) {
        at = o;
      } else {
        // Not a mapping: the loader reports the key; write nothing into it.
        return Output.JSON.createObjectNode();
      }
    }
    return at;
  }

  static Outcome run(Scenario scenario, PrintWriter out, boolean verbose) throws InterruptedException {
    try (Simulator sim = Simulator.start(scenario);
        Session s = Session.forSimulator(configOf(scenario, sim), sim.apiUrl(), sim.cloud(), sim.clock())) {
      RunResult r;
      dev.rotator.core.pool.PoolSwitchResult switched = null;
      if (s.poolSwitch()) {
        // strategy nodePool: the Red/Black switch instead of the engine, through the simulated cloud's pools.
        s.withNodePools(sim.nodePools());
        dev.rotator.core.pool.PoolSwitch ps = s.poolSwitchOf(s.gate);
        if (out != null) {
          ps.addListener(PoolSwitchRun.progress(out, verbose, sim.clock()));
        }
        java.time.Instant began = sim.clock().now();
        switched = ps.run("sim-" + scenario.name());
        r = PoolSwitchRun.asRunResult(switched, Duration.between(began, sim.clock().now()));
      } else {
        RotationEngine engine = s.engine();
        if (out != null) {
          engine.addListener(new ProgressPrinter(out, verbose, sim.clock()));
        }
        r = engine.run(new RunOptions("sim-" + scenario.name(), false, false, "sim"));
      }
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
      if (switched != null) {
        claims.put("poolSwitchOutcome", switched.outcome().name());
        claims.set("poolSwitch", Output.JSON.valueToTree(switched.record()));
      }
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
    out.printf("  lower bound          %s%n", SimServeCommand.describe(r));
    out.printf("  PDB violations       %d%n", r.pdbViolations());
    out.printf("  pods lost            %d%s%n", r.podsLost(),
        r.podsLostToOthers() == 0 ? "" : " (and " + r.podsLostToOthers() + " lost to someone else's actions)");
    if (r.unhealthyPodDeletes() > 0) {
      out.printf("  unhealthy pod deletes %d (policy.unhealthyPodEviction)%n", r.unhealthyPodDeletes());
    }
    if (r.rollbackActions() > 0 || r.disruptiveActionsAfterFreeze() > 0) {
      out.printf("  after FREEZE         %d rollback action(s), %d other disruptive action(s)%s%n", r.rollbackActions(),
          r.disruptiveActionsAfterFreeze(), r.disruptiveActionsAfterFreeze() == 0 ? ""
              : " " + r.disruptiveActionsAfterFreezeDetails());
    }
    out.printf("  max nodes unavailable %d%n", r.maxNodesUnavailable());
    out.printf("  evictions            %d accepted, %d refused by PDB%n", r.evictionsAccepted(), r.evictionsRefused());
    out.printf("  API requests         %d%n", r.apiRequests());
    out.printf("  freezes              %s%n", r.freezes().isEmpty() ? "none" : r.freezes());
    for (FaultReport f : r.faults()) {
      out.printf("  fault %-14s started %s, onset %s, ended %s: %s%n", f.kind(), seconds(f.startedSeconds()),
          seconds(f.onsetSeconds()), seconds(f.endSeconds()), f.detail());
    }
    if (!r.faults().isEmpty()) {
      out.printf("  reaction             %s from the first fault onset to the freeze (one check interval: %.0f s)%n",
          r.reactionSeconds() == null ? "none" : String.format(java.util.Locale.ROOT, "%.1f simulated s",
              r.reactionSeconds()), r.graceSeconds());
      out.printf("  disruptive after fault %d%s%n", r.disruptiveActionsAfterFault(),
          r.disruptiveActionsAfterFault() == 0 ? "" : " " + r.disruptiveActionsAfterFaultDetails());
    }
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

  private static String seconds(Double s) {
    return s == null ? "-" : String.format(java.util.Locale.ROOT, "%.0fs", s);
  }

  static int exitCode(Outcome o) {
    return o.unsafe() ? ExitCodes.RUNTIME : o.run().outcome().exitCode();
  }
}
