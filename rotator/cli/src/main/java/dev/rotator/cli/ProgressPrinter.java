package dev.rotator.cli;

import dev.rotator.core.engine.EngineListener;
import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.port.Clock;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Live progress: a line per node step, and an overall bar whenever the count of finished nodes changes. Time
 * is the run's clock (simulated time in the simulator).
 */
final class ProgressPrinter implements EngineListener {
  private final PrintWriter out;
  private final boolean verbose;
  private final Clock clock;
  private final Instant start;
  private long lastDone = -1;

  ProgressPrinter(PrintWriter out, boolean verbose, Clock clock) {
    this.out = out;
    this.verbose = verbose;
    this.clock = clock;
    this.start = clock.now();
  }

  ProgressPrinter(PrintWriter out, boolean verbose) {
    this(out, verbose, dev.rotator.core.SystemClock.INSTANCE);
  }

  @Override
  public void onTransition(NodeProgress n) {
    out.printf("  %s  %-22s %-10s %s%n", elapsed(), n.node(), n.state(), n.detail());
    out.flush();
  }

  @Override
  public void onInfo(String node, String message) {
    if (verbose) {
      out.printf("  %s  %-22s %-10s %s%n", elapsed(), node.isEmpty() ? "-" : node, "info", message);
      out.flush();
    }
  }

  @Override
  public void onRound(List<NodeProgress> nodes) {
    long done = nodes.stream().filter(n -> n.state() == NodeState.DONE).count();
    if (done == lastDone) {
      return;
    }
    lastDone = done;
    int width = 30;
    int filled = nodes.isEmpty() ? width : (int) (width * done / nodes.size());
    long inFlight = nodes.stream().filter(n -> n.state().inFlight()).count();
    out.printf("  %s  [%s%s] %d/%d nodes done, %d in flight%n", elapsed(), "#".repeat(filled),
        ".".repeat(width - filled), done, nodes.size(), inFlight);
    out.flush();
  }

  private String elapsed() {
    Duration d = Duration.between(start, clock.now());
    return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
  }
}
