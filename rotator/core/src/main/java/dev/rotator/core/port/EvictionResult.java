package dev.rotator.core.port;

import java.time.Duration;
import java.util.List;

/**
 * The answer of the Eviction API for one pod.
 *
 * @param outcome what happened
 * @param message the server's message (for evidence)
 * @param blockingPdbs PDB names the server named as blocking (may be empty; the engine also matches
 *     PDBs itself)
 * @param retryAfter the server's Retry-After, or null
 */
public record EvictionResult(
    Outcome outcome, String message, List<String> blockingPdbs, Duration retryAfter) {

  /** Outcomes of an eviction request. */
  public enum Outcome {
    /** 201: the pod is being deleted gracefully. */
    EVICTED,
    /** 404: the pod is already gone. */
    GONE,
    /** 429: a PodDisruptionBudget allows no disruption now. */
    BLOCKED,
    /** Any other failure (5xx, timeouts, 500 for a pod under several PDBs): retry with backoff. */
    FAILED
  }

  public EvictionResult {
    message = message == null ? "" : message;
    blockingPdbs = blockingPdbs == null ? List.of() : List.copyOf(blockingPdbs);
  }

  public static EvictionResult evicted() {
    return new EvictionResult(Outcome.EVICTED, "", List.of(), null);
  }

  public static EvictionResult gone() {
    return new EvictionResult(Outcome.GONE, "", List.of(), null);
  }

  public static EvictionResult blocked(String message, List<String> pdbs) {
    return new EvictionResult(Outcome.BLOCKED, message, pdbs, null);
  }

  public static EvictionResult failed(String message) {
    return new EvictionResult(Outcome.FAILED, message, List.of(), null);
  }
}
