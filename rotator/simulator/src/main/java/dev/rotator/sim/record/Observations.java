package dev.rotator.sim.record;

import java.util.List;
import java.util.Map;

/**
 * What the recorder saw, at one moment.
 *
 * @param nodesAtStart nodes present when the recorder was armed
 * @param nodesOutdatedAtStart of those, nodes whose kubelet version was below their group's target
 * @param nodesRotated original nodes whose Node was deleted and whose instance was terminated
 * @param rotationComplete every originally outdated node rotated, the cloud settled (nothing to launch or
 *     provisioning) and every live instance has a Ready Node
 * @param makespanSeconds simulated seconds from the first surge, cordon or eviction to completion (or to now)
 * @param pdbViolations details of each violation; the count is the list's size
 * @param minHealthyByPdb per PDB ({@code ns/name}): the lowest currentHealthy seen and desiredHealthy then
 * @param maxNodesUnavailable most (Ready schedulable nodes at start − Ready schedulable nodes) seen
 * @param podsLost pods lost (see {@link Recorder})
 * @param podsLostDetails one line per loss
 * @param podDeleteRequests pod DELETE requests received
 * @param invariantViolations one line per broken invariant
 * @param evictionsAccepted evictions the API accepted
 * @param evictionsRefused evictions refused with 429
 * @param freezes every transition of the rotator's persisted mode to FREEZE
 * @param firstDisruptionSeconds simulated seconds since the start at which the first cordon or accepted
 *     eviction was seen; null before that
 * @param disruptiveActions every disruptive action seen, in order, rollback actions excepted (see {@link Recorder})
 * @param disruptiveActionsAfterFreeze those later than one check interval after the mode turned FREEZE, while
 *     it stayed FREEZE, with their time
 * @param rollbackActions compensating actions while frozen: on nodes and instances of groups created during
 *     the run (a node-pool switch rolled back)
 * @param unhealthyPodDeletes accepted graceful DELETEs of pods not Ready for long enough, one line each
 * @param podsLostToOthers pods lost because someone other than rotator deleted them or their Node
 * @param actionsByOthers what someone other than rotator did that rotator is not judged on (Node and pod
 *     deletions, and the PDB budgets they broke), with their time
 */
public record Observations(
    int nodesAtStart,
    int nodesOutdatedAtStart,
    int nodesRotated,
    boolean rotationComplete,
    double makespanSeconds,
    List<String> pdbViolations,
    Map<String, PdbLow> minHealthyByPdb,
    int maxNodesUnavailable,
    int podsLost,
    List<String> podsLostDetails,
    long podDeleteRequests,
    List<String> invariantViolations,
    long evictionsAccepted,
    long evictionsRefused,
    List<Freeze> freezes,
    Double firstDisruptionSeconds,
    List<Action> disruptiveActions,
    List<String> disruptiveActionsAfterFreeze,
    List<Action> rollbackActions,
    List<String> unhealthyPodDeletes,
    List<String> podsLostToOthers,
    List<String> actionsByOthers) {

  /** The lowest currentHealthy a PDB had, and its desiredHealthy at that moment. */
  public record PdbLow(int minHealthy, int desiredHealthy) {}

  /** A transition to FREEZE: reason code, message, simulated seconds since the simulation's start. */
  public record Freeze(String reason, String message, double atSeconds) {}

  /** A disruptive action: simulated seconds since the simulation's start, and what it was. */
  public record Action(double atSeconds, String what) {}
}
