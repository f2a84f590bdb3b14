package dev.rotator.core.engine;

/**
 * A node's progress through one rotation. Transitions only go forward:
 *
 * <pre>
 * PENDING -> CORDONED -> DRAINED -> DELETED -> TERMINATED -> DONE
 *    \
 *     `--> FAILED   (the node vanished before rotator cordoned it)
 * </pre>
 *
 * A problem after cordon does not fail the node: the engine freezes and the node keeps its state (a cordoned
 * node stays cordoned) for a human to look at.
 *
 * CORDONED covers the whole drain (evictions in progress); DRAINED means no pod that needs eviction is
 * left; TERMINATED means the instance is gone and the group's replacement is awaited.
 */
public enum NodeState {
  PENDING,
  CORDONED,
  DRAINED,
  DELETED,
  TERMINATED,
  DONE,
  FAILED;

  /** Started and not finished: the node counts against maxUnavailable. */
  public boolean inFlight() {
    return this == CORDONED || this == DRAINED || this == DELETED || this == TERMINATED;
  }

  public boolean terminal() {
    return this == DONE || this == FAILED;
  }
}
