package dev.rotator.core.engine;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to rotate. Validated on construction: an invalid policy never reaches the engine.
 *
 * @param order in which order outdated nodes go (NotReady nodes always first when {@code notReadyFirst})
 * @param notReadyFirst rotate nodes that are already NotReady before healthy ones
 * @param maxUnavailable how many nodes may be unavailable (cordoned, draining, deleted and not yet
 *     replaced) at once, counted against the Ready schedulable capacity at the start of the run
 * @param maxSurge extra instances each node group gets before draining (surge); the last {@code maxSurge}
 *     nodes of a group are then terminated with the group's desired capacity decremented
 * @param drainTimeout how long one node's drain may take before the engine freezes with DRAIN_TIMEOUT
 * @param evictionBackoffInitial first wait after a 429 or failed eviction of a pod
 * @param evictionBackoffMax cap of that exponential backoff
 * @param replacementTimeout how long a terminated node's replacement may take to be Ready
 * @param pollInterval how often the engine re-evaluates in-flight nodes
 * @param allowUnmanagedPods evict pods that no controller owns (they will not come back)
 * @param allowEmptyDirData evict pods with emptyDir volumes (their data is lost)
 * @param taintOutdated taint every outdated node {@code PreferNoSchedule} at the start, so evicted pods
 *     land on new nodes and move only once
 * @param maxNodesPerRun stop starting nodes after this many in one run (0 = no limit)
 * @param maintenanceWindows when nodes may start; empty = always. Outside every window a run does nothing; when
 *     the window closes during a run, nodes in flight are finished and no new node starts
 * @param soak after a node is DONE, no new node starts until this much time has passed since the most recent
 *     DONE (nodes already in flight go on); zero = no soak
 */
public record RotationPolicy(
    Order order,
    boolean notReadyFirst,
    int maxUnavailable,
    int maxSurge,
    Duration drainTimeout,
    Duration evictionBackoffInitial,
    Duration evictionBackoffMax,
    Duration replacementTimeout,
    Duration pollInterval,
    boolean allowUnmanagedPods,
    boolean allowEmptyDirData,
    boolean taintOutdated,
    int maxNodesPerRun,
    List<MaintenanceWindow> maintenanceWindows,
    Duration soak) {

  /** Node order. */
  public enum Order {
    /** Oldest creation timestamp first. */
    OLDEST_FIRST,
    /** By node name. */
    NAME,
    /** Round-robin across zones (oldest first within a zone), so no zone loses much at once. */
    ZONE_ROUND_ROBIN
  }

  /** Taint key rotator puts on outdated nodes. */
  public static final String OUTDATED_TAINT = "rotator.dev/outdated";

  /** Annotation that makes rotator leave a node alone ({@code "true"}). */
  public static final String SKIP_ANNOTATION = "rotator.dev/skip";

  public RotationPolicy {
    Objects.requireNonNull(order, "order");
    requireNonNegative("maxUnavailable", maxUnavailable);
    requireNonNegative("maxSurge", maxSurge);
    requireNonNegative("maxNodesPerRun", maxNodesPerRun);
    if (maxUnavailable == 0 && maxSurge == 0) {
      throw new IllegalArgumentException(
          "maxUnavailable and maxSurge are both 0: no node could ever be rotated; set one of them above 0");
    }
    requirePositive("drainTimeout", drainTimeout);
    requirePositive("evictionBackoffInitial", evictionBackoffInitial);
    requirePositive("evictionBackoffMax", evictionBackoffMax);
    requirePositive("replacementTimeout", replacementTimeout);
    requirePositive("pollInterval", pollInterval);
    if (evictionBackoffMax.compareTo(evictionBackoffInitial) < 0) {
      throw new IllegalArgumentException("evictionBackoffMax must be >= evictionBackoffInitial");
    }
    maintenanceWindows = List.copyOf(Objects.requireNonNull(maintenanceWindows, "maintenanceWindows"));
    if (soak == null || soak.isNegative()) {
      throw new IllegalArgumentException("soak must be a duration >= 0, got " + soak);
    }
  }

  /** A policy without maintenance windows (always allowed) and without soak. */
  public RotationPolicy(
      Order order,
      boolean notReadyFirst,
      int maxUnavailable,
      int maxSurge,
      Duration drainTimeout,
      Duration evictionBackoffInitial,
      Duration evictionBackoffMax,
      Duration replacementTimeout,
      Duration pollInterval,
      boolean allowUnmanagedPods,
      boolean allowEmptyDirData,
      boolean taintOutdated,
      int maxNodesPerRun) {
    this(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout, evictionBackoffInitial, evictionBackoffMax,
        replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData, taintOutdated, maxNodesPerRun,
        List.of(), Duration.ZERO);
  }

  /** The defaults documented in docs/configuration.md. */
  public static RotationPolicy defaults() {
    return new RotationPolicy(
        Order.ZONE_ROUND_ROBIN,
        true,
        1,
        1,
        Duration.ofMinutes(15),
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        Duration.ofMinutes(15),
        Duration.ofSeconds(5),
        false,
        false,
        true,
        0,
        List.of(),
        Duration.ZERO);
  }

  /** How many nodes may be in flight at once. */
  public int maxInFlight() {
    return maxUnavailable + maxSurge;
  }

  private static void requireNonNegative(String key, int v) {
    if (v < 0) {
      throw new IllegalArgumentException(key + " must be >= 0, got " + v);
    }
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
    }
  }

  public RotationPolicy withMaxUnavailable(int v) {
    return new RotationPolicy(order, notReadyFirst, v, maxSurge, drainTimeout, evictionBackoffInitial,
        evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData,
        taintOutdated, maxNodesPerRun, maintenanceWindows, soak);
  }

  public RotationPolicy withMaxSurge(int v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, v, drainTimeout, evictionBackoffInitial,
        evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData,
        taintOutdated, maxNodesPerRun, maintenanceWindows, soak);
  }

  public RotationPolicy withDrainTimeout(Duration v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, v, evictionBackoffInitial,
        evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData,
        taintOutdated, maxNodesPerRun, maintenanceWindows, soak);
  }

  public RotationPolicy withMaxNodesPerRun(int v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, v, maintenanceWindows, soak);
  }

  public RotationPolicy withPodRules(boolean allowUnmanaged, boolean allowEmptyDir) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanaged,
        allowEmptyDir, taintOutdated, maxNodesPerRun, maintenanceWindows, soak);
  }

  public RotationPolicy withMaintenanceWindows(List<MaintenanceWindow> v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, maxNodesPerRun, v, soak);
  }

  public RotationPolicy withSoak(Duration v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, maxNodesPerRun, maintenanceWindows, v);
  }
}
