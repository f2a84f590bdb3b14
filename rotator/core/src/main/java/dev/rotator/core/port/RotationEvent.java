package dev.rotator.core.port;

import java.time.Instant;
import java.util.List;

/**
 * Something operators should hear about.
 *
 * @param type what happened
 * @param runId the run it belongs to
 * @param node the node, or empty
 * @param reason reason code for FROZEN / ERROR, or empty
 * @param message a human sentence
 * @param evidence facts behind it
 * @param at when (clock time)
 */
public record RotationEvent(
    Type type,
    String runId,
    String node,
    String reason,
    String message,
    List<String> evidence,
    Instant at) {

  /** Event types. */
  public enum Type {
    STARTED,
    NODE_DONE,
    FROZEN,
    FINISHED,
    ERROR,
    /** A not-Ready pod was deleted under the opt-in {@code policy.unhealthyPodEviction} (evidence says why). */
    POD_DELETED
  }

  public RotationEvent {
    node = node == null ? "" : node;
    reason = reason == null ? "" : reason;
    message = message == null ? "" : message;
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
  }
}
