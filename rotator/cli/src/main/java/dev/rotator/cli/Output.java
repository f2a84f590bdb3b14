package dev.rotator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.Plan;
import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.ModeState;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Text and JSON rendering of command results. */
final class Output {
  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private Output() {}

  static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String user() {
    String u = System.getenv("USER");
    return u == null || u.isBlank() ? System.getProperty("user.name", "unknown") : u;
  }

  static void plan(PrintWriter out, Plan plan, boolean json) {
    if (json) {
      out.println(json(plan));
      return;
    }
    out.printf("%d of %d node(s) outdated; up to %d in flight at once%n", plan.nodes().size(), plan.totalNodes(),
        plan.batchSize());
    if (!plan.nodes().isEmpty()) {
      out.printf("%-4s %-6s %-24s %-14s %-10s %-5s %s%n", "#", "BATCH", "NODE", "GROUP", "ZONE", "PODS", "WHY / BLOCKERS");
    }
    for (Plan.PlannedNode n : plan.nodes()) {
      StringBuilder notes = new StringBuilder(n.why());
      if (!n.blockingPdbs().isEmpty()) {
        notes.append("; blocked now by PDB ").append(String.join(", ", n.blockingPdbs()));
      }
      if (!n.refusedPods().isEmpty()) {
        notes.append("; REFUSED: ").append(String.join("; ", n.refusedPods()));
      }
      out.printf("%-4d %-6d %-24s %-14s %-10s %-5d %s%n", n.position(), n.batch(), n.node(), n.group(), n.zone(),
          n.pods(), notes);
    }
    for (String s : plan.skipped()) {
      out.println("skipped: " + s);
    }
  }

  static void result(PrintWriter out, RunResult r, boolean json) {
    if (json) {
      out.println(json(r));
      return;
    }
    out.println("outcome: " + r.outcome() + (r.reason() == null ? "" : " (" + r.reason() + ")"));
    out.println(r.message());
    for (String e : r.evidence()) {
      out.println("  evidence: " + e);
    }
    if (r.reason() != null) {
      out.println("runbook: " + r.reason().runbook());
    }
  }

  static void status(PrintWriter out, ModeState mode, Optional<RotationProgress> progress, String window,
      boolean json) {
    status(out, mode, progress, Optional.empty(), window, json);
  }

  /** The mode, the last node rotation and, when one is recorded, the last node-pool switch. */
  static void status(PrintWriter out, ModeState mode, Optional<RotationProgress> progress,
      Optional<dev.rotator.core.pool.PoolSwitchRecord> poolSwitch, String window, boolean json) {
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", mode);
      m.put("maintenanceWindow", window);
      m.put("lastRun", progress.orElse(null));
      m.put("poolSwitch", poolSwitch.orElse(null));
      out.println(json(m));
      return;
    }
    out.println("maintenance window: " + window);
    out.println("mode: " + mode.mode() + (mode.frozen() ? " (" + mode.reason() + ")" : ""));
    if (!mode.by().isEmpty()) {
      out.println("set by: " + mode.by() + " at " + mode.at());
    }
    if (!mode.message().isEmpty()) {
      out.println("message: " + mode.message());
    }
    for (String e : mode.evidence()) {
      out.println("  evidence: " + e);
    }
    if (mode.frozen()) {
      out.println("to resume after checking the runbook: rotator resume");
    }
    progress.ifPresentOrElse(p -> {
      out.printf("last run: %s started %s, updated %s, %s%n", p.runId(), p.startedAt(), p.updatedAt(), p.outcome());
      for (NodeProgress n : p.nodes()) {
        out.printf("  %-24s %-10s %s%n", n.node(), n.state(), n.detail());
      }
    }, () -> out.println("last run: none recorded"));
    poolSwitch.ifPresent(p -> {
      out.printf("pool switch: %s -> %s (run %s) %s%s, started %s, updated %s%n", p.oldPool(), p.newPool(),
          p.runId(), p.state(), p.rolledBackFrom() == null ? "" : " (rolling back from " + p.rolledBackFrom() + ")",
          p.startedAt(), p.updatedAt());
      out.printf("  new pool size %d, old nodes drained %d/%d%n", p.newPoolSize(), p.drained().size(),
          p.oldNodes().size());
      if (!p.detail().isEmpty()) {
        out.println("  detail: " + p.detail());
      }
      if (!p.state().terminal()) {
        out.println(p.state().rollbackPossible()
            ? "  not finished: 'rotator run' goes on with it, 'rotator rollback' undoes it (runbooks/rollback-node-pool.md)"
            : "  not finished: the old pool is being deleted, 'rotator run' finishes it; no rollback any more");
      }
    });
  }

  static void checks(PrintWriter out, java.util.List<CheckResult> results, boolean json) {
    if (json) {
      out.println(json(results));
      return;
    }
    out.printf("%-16s %-10s %-50s %s%n", "CHECK", "STATUS", "REASON", "VALUES");
    for (CheckResult r : results) {
      out.printf("%-16s %-10s %-50s %s%n", r.check(), r.status(), r.reason(), r.values());
    }
    if (results.isEmpty()) {
      out.println("(no checks configured)");
    }
  }
}
