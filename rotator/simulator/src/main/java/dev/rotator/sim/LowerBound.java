package dev.rotator.sim;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.core.engine.KubeVersion;
import dev.rotator.sim.Scenario.IntOrPercent;
import dev.rotator.sim.Scenario.NodeGroupSpec;
import dev.rotator.sim.Scenario.WorkloadKind;
import dev.rotator.sim.Scenario.WorkloadSpec;

/**
 * The shortest makespan any orchestrator could achieve on a scenario, whatever its algorithm, given the
 * cluster's own limits and the rotation policy's {@code maxUnavailable} and {@code maxSurge}. It is the
 * largest of two independent bounds (docs/performance.md explains them):
 *
 * <ol>
 *   <li><b>Capacity.</b> Every outdated node needs one new instance, and a new instance takes {@code
 *       provisioningSeconds + readySeconds} from launch to a Ready Node. At most {@code maxUnavailable +
 *       maxSurge} new instances can be on their way at once (surge instances plus replacements of nodes
 *       taken down), so the nodes go in at least {@code ceil(nodes / (maxUnavailable + maxSurge))} waves of
 *       the fastest group's boot time.
 *   <li><b>Disruption budgets.</b> A PDB allowing {@code k} disruptions lets at most {@code k} of its pods be
 *       away at once, and a pod counts as away from its eviction until its replacement is Ready: at least
 *       its startup time (for a StatefulSet pod, whose replacement keeps the name, also its termination
 *       grace). When every node is outdated, each of the PDB's {@code n} pods moves at least once, which
 *       takes {@code ceil(n / k)} such moves in a row.
 * </ol>
 *
 * Scheduling, API and drain latencies are taken as zero, so the bound is optimistic: a real orchestrator
 * can approach it but not beat it. A PDB that allows no disruption makes the bound infinite ({@link
 * Result#seconds()} is then null).
 */
public final class LowerBound {
  private LowerBound() {}

  /**
   * The bound and what it is made of.
   *
   * @param seconds the lower bound in simulated seconds; null when a PDB allows no disruption at all
   * @param nodes outdated nodes at the start
   * @param inFlight {@code maxUnavailable + maxSurge}
   * @param waves {@code ceil(nodes / inFlight)}
   * @param bootSeconds the fastest group's {@code provisioningSeconds + readySeconds}
   * @param capacitySeconds {@code waves * bootSeconds}
   * @param pdbSeconds the longest chain of pod moves any PDB forces (0 when no PDB, or not every node is
   *     outdated)
   * @param bindingPdb the PDB ({@code namespace/name}) of that chain, or null
   * @param binding which bound is the larger: {@code capacity}, {@code pdb}, or {@code unsatisfiable-pdb}
   */
  @JsonPropertyOrder({
    "seconds", "binding", "nodes", "inFlight", "waves", "bootSeconds", "capacitySeconds", "pdbSeconds",
    "bindingPdb"
  })
  public record Result(
      Double seconds,
      int nodes,
      int inFlight,
      int waves,
      double bootSeconds,
      double capacitySeconds,
      double pdbSeconds,
      String bindingPdb,
      String binding) {

    /** {@code makespan / seconds}, rounded to 3 decimals; null when there is no finite, positive bound. */
    public Double ratio(double makespanSeconds) {
      if (seconds == null || seconds <= 0) {
        return null;
      }
      return Math.round(makespanSeconds / seconds * 1000) / 1000.0;
    }
  }

  /** With the policy of the scenario's {@code rotator:} section (rotator's defaults 1 and 1 where unset). */
  public static Result of(Scenario scenario) {
    int maxUnavailable = Math.max(0, policyInt(scenario, "maxUnavailable", 1));
    int maxSurge = Math.max(0, policyInt(scenario, "maxSurge", 1));
    // Both 0 is refused by rotator's config loader; judge such a scenario as if one node could move.
    return of(scenario, maxUnavailable + maxSurge == 0 ? 1 : maxUnavailable, maxSurge);
  }

  /** With an explicit policy (the rotator's {@code policy.maxUnavailable} and {@code policy.maxSurge}). */
  public static Result of(Scenario scenario, int maxUnavailable, int maxSurge) {
    if (maxUnavailable < 0 || maxSurge < 0 || maxUnavailable + maxSurge == 0) {
      throw new IllegalArgumentException(
          "maxUnavailable and maxSurge must be >= 0 and not both 0, got " + maxUnavailable + " and " + maxSurge);
    }
    int nodes = 0;
    int total = 0;
    double boot = Double.MAX_VALUE;
    for (NodeGroupSpec g : scenario.nodeGroups()) {
      total += g.size();
      if (KubeVersion.parse(g.kubeletVersion()).compareTo(KubeVersion.parse(g.targetVersion())) < 0) {
        nodes += g.size();
        boot = Math.min(boot, g.provisioningSeconds() + g.readySeconds());
      }
    }
    if (nodes == 0) {
      return new Result(0.0, 0, maxUnavailable + maxSurge, 0, 0, 0, 0, null, "capacity");
    }
    int inFlight = maxUnavailable + maxSurge;
    int waves = (nodes + inFlight - 1) / inFlight;
    double capacity = waves * boot;

    // Pods move only when their node goes; with some nodes up to date a pod might already sit on one.
    boolean everyNodeMoves = nodes == total;
    double pdb = 0;
    String bindingPdb = null;
    for (WorkloadSpec w : scenario.workloads()) {
      if (w.pdb() == null || w.replicas() == 0 || !replicated(w.kind())) {
        continue;
      }
      int allowed = allowedDisruptions(w);
      if (allowed <= 0) {
        return new Result(null, nodes, inFlight, waves, boot, capacity, Double.POSITIVE_INFINITY,
            w.namespace() + "/" + w.name(), "unsatisfiable-pdb");
      }
      if (!everyNodeMoves) {
        continue;
      }
      double perMove = w.startupSeconds() + (w.kind() == WorkloadKind.StatefulSet ? w.terminationGraceSeconds() : 0);
      double chain = Math.ceil(w.replicas() / (double) allowed) * perMove;
      if (chain > pdb) {
        pdb = chain;
        bindingPdb = w.namespace() + "/" + w.name();
      }
    }
    double seconds = Math.max(capacity, pdb);
    return new Result(seconds, nodes, inFlight, waves, boot, capacity, pdb, bindingPdb,
        pdb > capacity ? "pdb" : "capacity");
  }

  private static boolean replicated(WorkloadKind k) {
    return k == WorkloadKind.Deployment || k == WorkloadKind.StatefulSet;
  }

  /** Disruptions the workload's PDB allows when every pod is healthy, as the disruption controller counts. */
  static int allowedDisruptions(WorkloadSpec w) {
    int n = w.replicas();
    IntOrPercent maxU = w.pdb().maxUnavailable();
    if (maxU != null) {
      return maxU.percent() ? (int) Math.ceil(maxU.value() * n / 100.0) : maxU.value();
    }
    IntOrPercent minA = w.pdb().minAvailable();
    int desired = minA.percent() ? (int) Math.ceil(minA.value() * n / 100.0) : minA.value();
    return n - desired;
  }

  private static int policyInt(Scenario scenario, String key, int dflt) {
    JsonNode tree = scenario.rotatorConfig();
    JsonNode v = tree == null ? null : tree.path("policy").get(key);
    return v != null && v.canConvertToInt() ? v.asInt() : dflt;
  }
}
