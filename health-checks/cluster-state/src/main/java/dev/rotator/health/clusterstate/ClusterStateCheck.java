package dev.rotator.health.clusterstate;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The cluster-state gate: is the cluster healthy enough to take one more node away?
 *
 * <p>It counts, through the {@link Cluster} port only:
 *
 * <ol>
 *   <li><b>NotReady nodes that nobody is rotating</b>: a NotReady node that is cordoned is being rotated
 *       (by rotator or an operator) and is already accounted for by {@code maxUnavailable}; a NotReady node
 *       created less than {@code newNodeGrace} ago is a replacement still booting. Every other NotReady node
 *       is capacity the cluster lost on its own, and rotating on top of that loss is how outages grow.
 *   <li><b>Unschedulable pods</b>: Pending pods the scheduler marked Unschedulable (no node fits). During
 *       drains this is the first sign that capacity is running out; pods being deleted are not counted.
 * </ol>
 *
 * Either count above its maximum → UNHEALTHY ({@link ReasonCode#CLUSTER_UNHEALTHY}), with the first few
 * offenders named. A cluster that cannot be read, or that reports no nodes at all (an empty answer is far
 * more likely a broken cache or API than a cluster without nodes) → UNKNOWN: the gate fails closed.
 */
public final class ClusterStateCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "cluster-state";

  /** How many offenders a reason names; the counts carry the rest. */
  static final int MAX_NAMED = 5;

  /**
   * Thresholds.
   *
   * @param maxNotReadyNodes NotReady nodes tolerated that are neither cordoned nor within the grace
   * @param maxUnschedulablePods Pending pods marked Unschedulable tolerated
   * @param newNodeGrace a NotReady node younger than this is a booting replacement and not counted
   *     (zero: count every NotReady node)
   */
  public record Settings(int maxNotReadyNodes, int maxUnschedulablePods, Duration newNodeGrace) {
    public Settings {
      if (maxNotReadyNodes < 0) {
        throw new IllegalArgumentException("maxNotReadyNodes must be >= 0, got " + maxNotReadyNodes);
      }
      if (maxUnschedulablePods < 0) {
        throw new IllegalArgumentException(
            "maxUnschedulablePods must be >= 0, got " + maxUnschedulablePods);
      }
      Objects.requireNonNull(newNodeGrace, "newNodeGrace");
      if (newNodeGrace.isNegative()) {
        throw new IllegalArgumentException("newNodeGrace must be >= 0, got " + newNodeGrace);
      }
    }

    /** No NotReady node, no unschedulable pod, 300 s grace for new nodes. */
    public static Settings defaults() {
      return new Settings(0, 0, Duration.ofSeconds(300));
    }
  }

  private final Cluster cluster;
  private final Clock clock;
  private final Settings settings;

  public ClusterStateCheck(Cluster cluster, Clock clock, Settings settings) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.CLUSTER_UNHEALTHY;
  }

  @Override
  public CheckResult check() {
    List<NodeInfo> nodes;
    List<PodInfo> pending;
    Instant now;
    try {
      nodes = cluster.nodes();
      pending = cluster.pendingPods();
      now = clock.now();
    } catch (RuntimeException e) {
      // Not knowing is not healthy: the gate must fail closed.
      return CheckResult.unknown(NAME, "cannot read the cluster: " + describe(e));
    }
    if (nodes == null || pending == null) {
      return CheckResult.unknown(NAME, "the cluster answered with no list");
    }
    if (nodes.isEmpty()) {
      return CheckResult.unknown(
          NAME, "the cluster reports no nodes at all; refusing to judge its health from that");
    }

    List<String> notReady = new ArrayList<>();
    int cordonedNotReady = 0;
    int booting = 0;
    for (NodeInfo n : nodes) {
      if (n.ready()) {
        continue;
      }
      if (n.unschedulable()) {
        cordonedNotReady++;
      } else if (Duration.between(n.created(), now).compareTo(settings.newNodeGrace()) < 0) {
        booting++;
      } else {
        notReady.add(n.name());
      }
    }
    List<String> unschedulable =
        pending.stream()
            .filter(p -> p.unschedulable() && !p.terminating())
            .map(p -> p.ref().toString())
            .toList();
    notReady.sort(Comparator.naturalOrder());
    List<String> unschedulableSorted = new ArrayList<>(unschedulable);
    unschedulableSorted.sort(Comparator.naturalOrder());

    Map<String, String> values = new LinkedHashMap<>();
    values.put("notReadyNodes", Integer.toString(notReady.size()));
    values.put("maxNotReadyNodes", Integer.toString(settings.maxNotReadyNodes()));
    values.put("unschedulablePods", Integer.toString(unschedulableSorted.size()));
    values.put("maxUnschedulablePods", Integer.toString(settings.maxUnschedulablePods()));
    values.put("cordonedNotReadyNodes", Integer.toString(cordonedNotReady));
    values.put("newNotReadyNodes", Integer.toString(booting));

    List<String> problems = new ArrayList<>();
    if (notReady.size() > settings.maxNotReadyNodes()) {
      problems.add(
          notReady.size()
              + " NotReady node(s) not cordoned and older than "
              + settings.newNodeGrace().toSeconds()
              + "s, max "
              + settings.maxNotReadyNodes()
              + ": "
              + names(notReady));
    }
    if (unschedulableSorted.size() > settings.maxUnschedulablePods()) {
      problems.add(
          unschedulableSorted.size()
              + " unschedulable pod(s), max "
              + settings.maxUnschedulablePods()
              + ": "
              + names(unschedulableSorted));
    }
    if (!problems.isEmpty()) {
      return CheckResult.unhealthy(NAME, String.join("; ", problems), values);
    }
    return CheckResult.healthy(
        NAME,
        notReady.size()
            + " NotReady node(s) (max "
            + settings.maxNotReadyNodes()
            + "), "
            + unschedulableSorted.size()
            + " unschedulable pod(s) (max "
            + settings.maxUnschedulablePods()
            + ")",
        values);
  }

  private static String names(List<String> all) {
    if (all.size() <= MAX_NAMED) {
      return String.join(", ", all);
    }
    return String.join(", ", all.subList(0, MAX_NAMED)) + " and " + (all.size() - MAX_NAMED) + " more";
  }

  private static String describe(RuntimeException e) {
    String msg = e.getMessage();
    return e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }
}
