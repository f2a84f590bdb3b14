package dev.rotator.config;

import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.clusterstate.ClusterStateCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The health gate asked before every disruptive step.
 *
 * @param consecutivePasses how many healthy evaluations in a row the gate needs before it lets a
 *     disruptive step through (>= 1)
 * @param checkTimeout how long one check may take; a check without an answer by then is UNKNOWN, which
 *     fails the gate
 * @param clusterState the built-in cluster-state check
 */
public record GateSettings(int consecutivePasses, Duration checkTimeout, ClusterStateSettings clusterState) {

  /**
   * The cluster-state check ({@link ClusterStateCheck}).
   *
   * @param enabled run it (strongly recommended)
   * @param maxNotReadyNodes NotReady nodes tolerated that are neither cordoned nor new
   * @param maxUnschedulablePods Pending pods marked Unschedulable tolerated
   * @param newNodeGrace a NotReady node younger than this is a booting replacement, not counted
   */
  public record ClusterStateSettings(
      boolean enabled, int maxNotReadyNodes, int maxUnschedulablePods, Duration newNodeGrace) {
    public ClusterStateSettings {
      // Let the check's own settings validate the numbers, so the two can never disagree.
      new ClusterStateCheck.Settings(maxNotReadyNodes, maxUnschedulablePods, newNodeGrace);
    }

    public static ClusterStateSettings defaults() {
      ClusterStateCheck.Settings d = ClusterStateCheck.Settings.defaults();
      return new ClusterStateSettings(true, d.maxNotReadyNodes(), d.maxUnschedulablePods(), d.newNodeGrace());
    }

    public ClusterStateCheck.Settings toCheckSettings() {
      return new ClusterStateCheck.Settings(maxNotReadyNodes, maxUnschedulablePods, newNodeGrace);
    }
  }

  public static final int DEFAULT_CONSECUTIVE_PASSES = 2;
  public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(10);

  public GateSettings {
    if (consecutivePasses < 1) {
      throw new IllegalArgumentException("consecutivePasses must be >= 1, got " + consecutivePasses);
    }
    Objects.requireNonNull(checkTimeout, "checkTimeout");
    if (checkTimeout.isNegative() || checkTimeout.isZero()) {
      throw new IllegalArgumentException("checkTimeout must be positive, got " + checkTimeout);
    }
    Objects.requireNonNull(clusterState, "clusterState");
  }

  public static GateSettings defaults() {
    return new GateSettings(DEFAULT_CONSECUTIVE_PASSES, DEFAULT_CHECK_TIMEOUT, ClusterStateSettings.defaults());
  }

  /** The enabled health checks, reading the cluster through {@code cluster}. */
  public List<HealthCheck> checks(Cluster cluster, Clock clock) {
    List<HealthCheck> checks = new ArrayList<>();
    if (clusterState.enabled()) {
      checks.add(new ClusterStateCheck(cluster, clock, clusterState.toCheckSettings()));
    }
    return List.copyOf(checks);
  }

  /** The gate with these checks and settings. The caller closes it (it owns a thread pool). */
  public CompositeGate gate(Cluster cluster, Clock clock) {
    return new CompositeGate(checks(cluster, clock), consecutivePasses, checkTimeout);
  }
}
