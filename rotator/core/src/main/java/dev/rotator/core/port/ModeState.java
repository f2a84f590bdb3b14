package dev.rotator.core.port;

import java.time.Instant;
import java.util.List;

/**
 * The persisted mode with why, who and when.
 *
 * @param mode ROTATE or FREEZE
 * @param reason the reason code (a {@link dev.rotator.core.engine.ReasonCode} name) for a freeze, empty
 *     for ROTATE
 * @param message a human sentence
 * @param evidence facts behind the freeze (check values, blocking PDBs, stuck pods)
 * @param by who set it ({@code rotator}, {@code cli:alice}, {@code slack:U123})
 * @param at when
 */
public record ModeState(
    Mode mode, String reason, String message, List<String> evidence, String by, Instant at) {

  public ModeState {
    reason = reason == null ? "" : reason;
    message = message == null ? "" : message;
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
    by = by == null ? "" : by;
  }

  /** The state of a cluster rotator has never touched: ROTATE. */
  public static ModeState initial() {
    return new ModeState(Mode.ROTATE, "", "never frozen", List.of(), "", null);
  }

  public boolean frozen() {
    return mode == Mode.FREEZE;
  }
}
