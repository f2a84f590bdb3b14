package dev.rotator.core.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A rotation's persisted progress.
 *
 * @param runId run identifier
 * @param startedAt when the run started
 * @param updatedAt last update
 * @param outcome RUNNING, or the final {@link RunResult.Outcome} name
 * @param originalDesired each cloud group's desired capacity before rotator changed it (for restore)
 * @param nodes per-node progress in rotation order
 */
public record RotationProgress(
    String runId,
    Instant startedAt,
    Instant updatedAt,
    String outcome,
    Map<String, Integer> originalDesired,
    List<NodeProgress> nodes) {

  public RotationProgress {
    originalDesired = originalDesired == null ? Map.of() : Map.copyOf(originalDesired);
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }
}
