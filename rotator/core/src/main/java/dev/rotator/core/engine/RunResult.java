package dev.rotator.core.engine;

import java.time.Duration;
import java.util.List;

/**
 * How a run ended.
 *
 * @param outcome the outcome
 * @param reason freeze reason code, or null
 * @param message a human sentence
 * @param evidence facts behind a freeze
 * @param nodes final per-node progress
 * @param elapsed clock time the run took
 */
public record RunResult(
    Outcome outcome,
    ReasonCode reason,
    String message,
    List<String> evidence,
    List<NodeProgress> nodes,
    Duration elapsed) {

  /** Outcomes, with the CLI exit code each maps to. */
  public enum Outcome {
    /** Every selected node rotated (or the run's budget was used up cleanly). Exit 0. */
    COMPLETED(0),
    /** No outdated node. Exit 0. */
    NOTHING_TO_DO(0),
    /** Started outside every maintenance window: nothing was touched; the message says when the next opens. Exit 0. */
    OUTSIDE_WINDOW(0),
    /** Stopped by a gate or already frozen. Exit 3. */
    FROZEN(3),
    /** Interrupted (SIGTERM); in-flight nodes left in a safe state. Exit 1. */
    INTERRUPTED(1);

    private final int exitCode;

    Outcome(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  public RunResult {
    message = message == null ? "" : message;
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }

  public long count(NodeState state) {
    return nodes.stream().filter(n -> n.state() == state).count();
  }
}
