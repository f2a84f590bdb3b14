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
 * @param speed the speed levers ({@code policy.speed}): each can be switched off
 * @param unhealthyPodEviction the opt-in removal of not-Ready pods whose PDB holds a drain hostage; off by default
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
    Duration soak,
    Speed speed,
    UnhealthyPodEviction unhealthyPodEviction) {

  /**
   * How fast a rotation may go within maxUnavailable/maxSurge. Every lever is safe to leave on: none lets more
   * capacity go than {@code maxUnavailable}, none evicts past a PDB.
   *
   * @param maxUnavailablePerZone at most this many nodes of one zone in flight at once (0 = no per-zone limit:
   *     only {@code maxUnavailable + maxSurge} bounds the in-flight set, which may span zones and node groups)
   * @param surgeBeforeDrain raise each group's desired capacity by {@code maxSurge} before the first drain, so
   *     the new instances provision while nodes drain; off: no surge is requested, each node's replacement is
   *     requested by its termination (and nothing waits for capacity never asked for)
   * @param drainabilityOrder among the next pending nodes, start first those whose pods' PDBs allow a
   *     disruption now (NotReady-first and the order stay as tie-breaks), so a node blocked by a PDB does not
   *     hold the queue
   * @param evictionParallelism how many eviction requests of one node are in flight at once (1 = one after the
   *     other); each pod keeps its own backoff
   * @param adaptive adaptive concurrency (AIMD) below {@code maxUnavailable + maxSurge}
   * @param pdbAwareEvictions schedule the due evictions of every draining node together, each round, against the
   *     PDBs' {@code disruptionsAllowed}, oldest waiter first: a pod whose PDB allows no disruption now is not sent
   *     (no 429, no growing backoff) and goes as soon as the budget allows; off: each node sends its due pods and a
   *     refused pod backs off on its own timer
   */
  public record Speed(
      int maxUnavailablePerZone,
      boolean surgeBeforeDrain,
      boolean drainabilityOrder,
      int evictionParallelism,
      Adaptive adaptive,
      boolean pdbAwareEvictions) {

    /** Upper bound of {@code evictionParallelism}: more concurrent requests only load the API server. */
    public static final int MAX_EVICTION_PARALLELISM = 64;

    public Speed {
      requireNonNegative("speed.maxUnavailablePerZone", maxUnavailablePerZone);
      if (evictionParallelism < 1 || evictionParallelism > MAX_EVICTION_PARALLELISM) {
        throw new IllegalArgumentException("speed.evictionParallelism must be 1.." + MAX_EVICTION_PARALLELISM
            + ", got " + evictionParallelism);
      }
      Objects.requireNonNull(adaptive, "adaptive");
    }

    /** The levers before {@code pdbAwareEvictions} existed, with it on (its default). */
    public Speed(
        int maxUnavailablePerZone,
        boolean surgeBeforeDrain,
        boolean drainabilityOrder,
        int evictionParallelism,
        Adaptive adaptive) {
      this(maxUnavailablePerZone, surgeBeforeDrain, drainabilityOrder, evictionParallelism, adaptive, true);
    }

    /** The defaults documented in docs/configuration.md. */
    public static Speed defaults() {
      return new Speed(0, true, true, 8, Adaptive.defaults(), true);
    }

    /** Every lever off: the engine as it was before the levers (serial evictions, no surge, fixed order). */
    public static Speed off() {
      return new Speed(0, false, false, 1, Adaptive.off(), false);
    }

    public Speed withMaxUnavailablePerZone(int v) {
      return new Speed(v, surgeBeforeDrain, drainabilityOrder, evictionParallelism, adaptive, pdbAwareEvictions);
    }

    public Speed withSurgeBeforeDrain(boolean v) {
      return new Speed(maxUnavailablePerZone, v, drainabilityOrder, evictionParallelism, adaptive, pdbAwareEvictions);
    }

    public Speed withDrainabilityOrder(boolean v) {
      return new Speed(maxUnavailablePerZone, surgeBeforeDrain, v, evictionParallelism, adaptive, pdbAwareEvictions);
    }

    public Speed withEvictionParallelism(int v) {
      return new Speed(maxUnavailablePerZone, surgeBeforeDrain, drainabilityOrder, v, adaptive, pdbAwareEvictions);
    }

    public Speed withAdaptive(Adaptive v) {
      return new Speed(maxUnavailablePerZone, surgeBeforeDrain, drainabilityOrder, evictionParallelism, v,
          pdbAwareEvictions);
    }

    public Speed withPdbAwareEvictions(boolean v) {
      return new Speed(maxUnavailablePerZone, surgeBeforeDrain, drainabilityOrder, evictionParallelism, adaptive, v);
    }
  }

  /**
   * Adaptive concurrency: a limit between 1 and {@code maxUnavailable + maxSurge}, starting at the maximum,
   * halved when the cluster shows congestion and raised by one for each node done while all is green.
   *
   * @param enabled off: the limit is always the maximum
   * @param maxUnschedulablePods congestion: more Pending pods that no node fits than this
   * @param maxApiLatency congestion: the engine's own Kubernetes API calls (smoothed) slower than this
   */
  public record Adaptive(boolean enabled, int maxUnschedulablePods, Duration maxApiLatency) {
    public Adaptive {
      requireNonNegative("speed.adaptive.maxUnschedulablePods", maxUnschedulablePods);
      requirePositive("speed.adaptive.maxApiLatency", maxApiLatency);
    }

    public static Adaptive defaults() {
      return new Adaptive(true, 0, Duration.ofSeconds(2));
    }

    public static Adaptive off() {
      return new Adaptive(false, 0, Duration.ofSeconds(2));
    }
  }

  /**
   * Opt-in: a not-Ready pod on a node being drained, whose PDB allows no disruption because of pods that have
   * been not Ready for longer than {@code after} (the PDB is held hostage), is deleted gracefully, as a PDB with
   * {@code unhealthyPodEvictionPolicy: AlwaysAllow} would let the Eviction API do. Only pods in the scope (a
   * listed namespace, matching the selector) are deleted; a hostage PDB outside the scope freezes the run with
   * PDB_HOSTAGE.
   *
   * @param namespaces the namespaces in scope (empty: any namespace, when a selector is set)
   * @param selector the pod labels in scope (empty: any pod, when namespaces are set)
   * @param after how long a pod must have been not Ready to count as holding its PDB hostage (the freeze uses
   *     it too)
   */
  public record UnhealthyPodEviction(
      List<String> namespaces, dev.rotator.core.model.LabelSelector selector, Duration after) {
    public UnhealthyPodEviction {
      namespaces = List.copyOf(Objects.requireNonNull(namespaces, "namespaces"));
      Objects.requireNonNull(selector, "selector");
      requirePositive("unhealthyPodEviction.after", after);
    }

    /** Off (no scope), with the documented grace of 10 minutes for the hostage freeze. */
    public static UnhealthyPodEviction off() {
      return new UnhealthyPodEviction(List.of(), dev.rotator.core.model.LabelSelector.of(java.util.Map.of()),
          Duration.ofMinutes(10));
    }

    /** True when namespaces or a selector are set. */
    public boolean enabled() {
      return !namespaces.isEmpty() || !selector.matchLabels().isEmpty() || !selector.matchExpressions().isEmpty();
    }

    /** Whether the opt-in covers this pod. */
    public boolean covers(dev.rotator.core.model.PodInfo pod) {
      return enabled()
          && (namespaces.isEmpty() || namespaces.contains(pod.ref().namespace()))
          && selector.matches(pod.labels());
    }
  }

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
    Objects.requireNonNull(speed, "speed");
    Objects.requireNonNull(unhealthyPodEviction, "unhealthyPodEviction");
    if (maxUnavailable == 0 && !speed.surgeBeforeDrain()) {
      throw new IllegalArgumentException(
          "maxUnavailable is 0 and speed.surgeBeforeDrain is false: no capacity could ever be freed for a node;"
              + " set maxUnavailable above 0 or turn surgeBeforeDrain on");
    }
  }

  /** A policy with the default speed levers and no unhealthy-pod eviction. */
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
      int maxNodesPerRun,
      List<MaintenanceWindow> maintenanceWindows,
      Duration soak) {
    this(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout, evictionBackoffInitial, evictionBackoffMax,
        replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData, taintOutdated, maxNodesPerRun,
        maintenanceWindows, soak, Speed.defaults(), UnhealthyPodEviction.off());
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
        taintOutdated, maxNodesPerRun, maintenanceWindows, soak, speed,
        unhealthyPodEviction);
  }

  public RotationPolicy withMaxSurge(int v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, v, drainTimeout, evictionBackoffInitial,
        evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData,
        taintOutdated, maxNodesPerRun, maintenanceWindows, soak, speed,
        unhealthyPodEviction);
  }

  public RotationPolicy withDrainTimeout(Duration v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, v, evictionBackoffInitial,
        evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods, allowEmptyDirData,
        taintOutdated, maxNodesPerRun, maintenanceWindows, soak, speed,
        unhealthyPodEviction);
  }

  public RotationPolicy withMaxNodesPerRun(int v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, v, maintenanceWindows, soak, speed, unhealthyPodEviction);
  }

  public RotationPolicy withPodRules(boolean allowUnmanaged, boolean allowEmptyDir) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanaged,
        allowEmptyDir, taintOutdated, maxNodesPerRun, maintenanceWindows, soak, speed,
        unhealthyPodEviction);
  }

  public RotationPolicy withMaintenanceWindows(List<MaintenanceWindow> v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, maxNodesPerRun, v, soak, speed, unhealthyPodEviction);
  }

  public RotationPolicy withSoak(Duration v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, maxNodesPerRun, maintenanceWindows, v, speed,
        unhealthyPodEviction);
  }

  public RotationPolicy withSpeed(Speed v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, maxNodesPerRun, maintenanceWindows, soak, v, unhealthyPodEviction);
  }

  public RotationPolicy withUnhealthyPodEviction(UnhealthyPodEviction v) {
    return new RotationPolicy(order, notReadyFirst, maxUnavailable, maxSurge, drainTimeout,
        evictionBackoffInitial, evictionBackoffMax, replacementTimeout, pollInterval, allowUnmanagedPods,
        allowEmptyDirData, taintOutdated, maxNodesPerRun, maintenanceWindows, soak, speed, v);
  }
}
