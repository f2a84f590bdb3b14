package dev.rotator.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.pool.PoolPlan;
import dev.rotator.core.pool.PoolSwitch;
import dev.rotator.core.pool.PoolSwitchRecord;
import dev.rotator.core.pool.PoolSwitchResult;
import dev.rotator.core.port.Clock;
import dev.rotator.provider.QuotaHeadroom;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The CLI side of {@code strategy: nodePool}: printing a pool switch's plan and result (text or JSON), its
 * progress, and mapping its result onto the engine's for the simulator's report.
 */
final class PoolSwitchRun {
  private PoolSwitchRun() {}

  /** Prints progress lines: one per state change, and every message when verbose. */
  static PoolSwitch.PoolSwitchListener progress(PrintWriter out, boolean verbose, Clock clock) {
    Instant start = clock.now();
    return new PoolSwitch.PoolSwitchListener() {
      @Override
      public void onState(PoolSwitchRecord r) {
        out.printf("  %s  %-18s %s%n", elapsed(start, clock), r.state(), r.detail());
        out.flush();
      }

      @Override
      public void onInfo(String message) {
        if (verbose) {
          out.printf("  %s  %-18s %s%n", elapsed(start, clock), "info", message);
          out.flush();
        }
      }
    };
  }

  private static String elapsed(Instant start, Clock clock) {
    Duration d = Duration.between(start, clock.now());
    return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
  }

  static void plan(PrintWriter out, PoolPlan p, boolean json) {
    if (json) {
      ObjectNode o = Output.JSON.createObjectNode();
      o.put("strategy", "nodePool");
      o.set("oldPool", Output.JSON.valueToTree(p.oldPool()));
      o.set("newPool", Output.JSON.valueToTree(p.newPool()));
      o.set("oldNodes", Output.JSON.valueToTree(p.oldNodes()));
      o.put("peakInstances", p.peakInstances());
      ObjectNode q = o.putObject("quota");
      q.put("unit", p.quota().unit());
      q.put("needed", p.quota().needed());
      if (p.quota().available() == Long.MAX_VALUE) {
        q.putNull("available");
      } else {
        q.put("available", p.quota().available());
      }
      q.put("sufficient", p.quota().sufficient());
      q.put("detail", p.quota().detail());
      o.set("pdbBlockers", Output.JSON.valueToTree(p.pdbBlockers()));
      o.set("refusedPods", Output.JSON.valueToTree(p.refusedPods()));
      o.put("estimateSeconds", p.estimate().toSeconds());
      o.put("estimateBasis", p.estimateBasis());
      if (p.inProgress() != null) {
        o.set("inProgress", Output.JSON.valueToTree(p.inProgress()));
      }
      out.println(Output.json(o));
      return;
    }
    out.printf("Node-pool switch (Red/Black): %s -> %s%n", p.oldPool().name(), p.newPool().name());
    if (p.inProgress() != null) {
      out.printf("  IN PROGRESS: %s -> %s is %s since %s (%s)%n", p.inProgress().oldPool(), p.inProgress().newPool(),
          p.inProgress().state(), p.inProgress().updatedAt(), p.inProgress().detail());
    }
    out.printf("  old pool     %s: %d node(s) of %s, version %s%s%n", p.oldPool().name(), p.oldPool().size(),
        p.oldPool().machineType(), blank(p.oldPool().version()), zones(p.oldPool().zones()));
    out.printf("  new pool     %s: %d node(s) of %s, version %s%s%n", p.newPool().name(), p.newPool().size(),
        p.newPool().machineType(), blank(p.newPool().version()),
        p.newPool().image().isEmpty() ? "" : ", image " + p.newPool().image());
    out.printf("  carried over labels %s, taints %s%n", p.newPool().labels(), p.newPool().taints());
    out.printf("  capacity     up to %d instances at the peak: both pools run at once (%d old + %d new; a pool"
        + " switch needs up to twice the capacity)%n", p.peakInstances(), p.oldPool().size(), p.newPool().size());
    QuotaHeadroom q = p.quota();
    out.printf("  quota        %s: %s%n", q.sufficient() ? "OK" : "INSUFFICIENT, run would refuse (CLOUD_QUOTA)", q);
    out.printf("  old nodes    %s%n", p.oldNodes().isEmpty() ? "(none registered)" : String.join(", ", p.oldNodes()));
    if (p.pdbBlockers().isEmpty()) {
      out.println("  PDB blockers none right now");
    } else {
      out.println("  PDB blockers (allow no disruption right now; the drain waits on them):");
      p.pdbBlockers().forEach(b -> out.println("    " + b));
    }
    if (!p.refusedPods().isEmpty()) {
      out.println("  REFUSED pods (the drain would stop on them):");
      p.refusedPods().forEach(b -> out.println("    " + b));
    }
    out.printf("  estimate     ~%dm: %s%n", (p.estimate().toSeconds() + 59) / 60, p.estimateBasis());
  }

  static void result(PrintWriter out, PoolSwitchResult r, boolean json) {
    if (json) {
      ObjectNode o = Output.JSON.createObjectNode();
      o.put("outcome", r.outcome().name());
      o.put("reason", r.reason() == null ? null : r.reason().name());
      o.put("message", r.message());
      o.set("evidence", Output.JSON.valueToTree(r.evidence()));
      if (r.record() != null) {
        o.set("poolSwitch", Output.JSON.valueToTree(r.record()));
      }
      out.println(Output.json(o));
      return;
    }
    out.println(r.outcome() + (r.reason() == null ? "" : " (" + r.reason() + ")") + ": " + r.message());
    for (String e : r.evidence()) {
      out.println("  evidence: " + e);
    }
    if (r.record() != null) {
      out.printf("  switch %s -> %s: %s%n", r.record().oldPool(), r.record().newPool(), r.record().state());
    }
    if (r.reason() != null) {
      out.println("  runbook: " + r.reason().runbook() + " (rollback: runbooks/rollback-node-pool.md)");
    }
  }

  /** The engine's result shape, for the simulator's report (REFUSED and ROLLED_BACK stop like a freeze: exit 3). */
  static RunResult asRunResult(PoolSwitchResult r, Duration elapsed) {
    RunResult.Outcome o = switch (r.outcome()) {
      case COMPLETED -> RunResult.Outcome.COMPLETED;
      case NOTHING_TO_DO -> RunResult.Outcome.NOTHING_TO_DO;
      case OUTSIDE_WINDOW -> RunResult.Outcome.OUTSIDE_WINDOW;
      case INTERRUPTED -> RunResult.Outcome.INTERRUPTED;
      case REFUSED, FROZEN, ROLLED_BACK -> RunResult.Outcome.FROZEN;
    };
    String msg = r.outcome() == PoolSwitchResult.Outcome.REFUSED || r.outcome() == PoolSwitchResult.Outcome.ROLLED_BACK
        ? r.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + r.message()
        : r.message();
    return new RunResult(o, r.reason(), msg, r.evidence(), List.of(), elapsed);
  }

  private static String blank(String s) {
    return s.isEmpty() ? "(template's)" : s;
  }

  private static String zones(List<String> zones) {
    return zones.isEmpty() ? "" : ", zones " + String.join(", ", zones);
  }
}
