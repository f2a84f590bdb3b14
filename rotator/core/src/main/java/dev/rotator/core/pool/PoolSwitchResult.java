package dev.rotator.core.pool;

import dev.rotator.core.engine.ReasonCode;
import java.util.List;

/**
 * How a pool switch run (or rollback) ended.
 *
 * @param outcome the outcome
 * @param reason the freeze or refusal reason, or null
 * @param message a human sentence
 * @param evidence facts behind it (quota numbers, blocking PDBs)
 * @param record the persisted record as it was left (null when nothing was started)
 */
public record PoolSwitchResult(
    Outcome outcome, ReasonCode reason, String message, List<String> evidence, PoolSwitchRecord record) {

  /** Outcomes, with the CLI exit code of each. */
  public enum Outcome {
    /** The switch (or a rollback asked for by a human) finished. Exit 0. */
    COMPLETED(0),
    /** Nothing to do (no change configured; no switch to roll back). Exit 0. */
    NOTHING_TO_DO(0),
    /** Outside every maintenance window: nothing touched. Exit 0. */
    OUTSIDE_WINDOW(0),
    /** Refused before changing anything (quota, a pool missing, a switch of another pool in progress). Exit 3. */
    REFUSED(3),
    /** Stopped by a gate or already frozen; the switch stays where it is. Exit 3. */
    FROZEN(3),
    /** Frozen, then rolled back automatically ({@code rollbackOnFreeze}). Exit 3. */
    ROLLED_BACK(3),
    /** Interrupted; the state is persisted and the next run resumes it. Exit 1. */
    INTERRUPTED(1);

    private final int exitCode;

    Outcome(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  public PoolSwitchResult {
    message = message == null ? "" : message;
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
  }
}
