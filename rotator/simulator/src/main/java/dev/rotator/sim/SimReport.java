package dev.rotator.sim;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rotator.sim.fault.FaultReport;
import dev.rotator.sim.record.Observations;
import java.util.List;
import java.util.Map;

/**
 * What the simulator observed, independently of what rotator claims. Safety figures come from the
 * simulator's recorder; see {@link dev.rotator.sim.record.Recorder} for the exact definitions.
 *
 * @param scenario scenario name
 * @param nodesTotal nodes present at the start
 * @param nodesOutdatedAtStart nodes whose kubelet version was below their group's target at the start
 * @param nodesRotated original nodes whose Node was deleted and whose instance was terminated
 * @param rotationComplete every originally outdated node rotated, the cloud settled (nothing to launch or
 *     provisioning) and every live instance has a Ready Node
 * @param makespanSeconds simulated seconds from the first surge, cordon or eviction to completion (or to now)
 * @param wallSeconds wall seconds since the simulation was ready
 * @param pdbViolations number of PDB violations
 * @param pdbViolationDetails one line per violation
 * @param minHealthyByPdb per PDB ({@code ns/name}): the lowest currentHealthy seen and desiredHealthy then
 * @param maxNodesUnavailable most Ready schedulable nodes missing at once, relative to the start
 * @param podsLost pods lost
 * @param podsLostDetails one line per loss
 * @param podsLostToOthers pods lost because someone other than rotator (a fault, a simulator client) deleted
 *     them or their Node; not rotator's violations
 * @param podsLostToOthersDetails one line per such pod
 * @param actionsByOthers what someone other than rotator did (Node and pod deletions, the PDB budgets they
 *     broke), with its simulated time
 * @param podDeleteRequests pod DELETE requests received, whatever became of them; rotator sends none except
 *     the opt-in deletes of unhealthy pods
 * @param unhealthyPodDeletes graceful DELETEs of pods not Ready for at least the scenario's {@code
 *     rotator.policy.unhealthyPodEviction.after}, in its scope: accepted, not violations
 * @param unhealthyPodDeleteDetails one line per such delete
 * @param invariantViolations one line per broken invariant (any other pod DELETE is one)
 * @param evictionsAccepted evictions accepted
 * @param evictionsRefused evictions refused with 429
 * @param apiRequests API requests served
 * @param apiRequestsByVerb by Kubernetes verb
 * @param apiRequestsByClient by User-Agent
 * @param apiRequestsByResource by {@code verb resource}
 * @param freezes every transition of rotator's persisted mode to FREEZE
 * @param graceSeconds "one check interval" of the scenario's rotator: {@code policy.pollInterval} + {@code
 *     gates.checkTimeout}, in simulated seconds; a fault's deadline is its onset plus this
 * @param faults what each of the scenario's faults did, with its onset and deadline
 * @param reactionSeconds simulated seconds from the first fault onset to the first freeze at or after it;
 *     null when no fault set in or nothing froze after it
 * @param disruptiveActions disruptive actions seen in the whole run (cordons, accepted evictions, Node
 *     deletions, instance terminations, desired-capacity changes)
 * @param disruptiveActionsAfterFault of those, the ones later than the earliest fault deadline: actions a
 *     gate should have prevented (0 when no fault set in)
 * @param disruptiveActionsAfterFaultDetails the first of them, with their time
 * @param disruptiveActionsAfterFreeze disruptive actions later than one check interval ({@code graceSeconds})
 *     after rotator's mode turned FREEZE, while it stayed FREEZE (rollback actions excepted); must be 0
 * @param disruptiveActionsAfterFreezeDetails the first of them, with their time
 * @param rollbackActions compensating actions while frozen: cordons, evictions, Node deletions and instance
 *     terminations on node groups created during the run (a node-pool switch's new pool, rolled back); not
 *     counted in {@code disruptiveActions}, still subject to the invariants
 * @param rollbackActionDetails the first of them, with their time
 * @param cloudFlavors per node group, the cloud its fake imitates ({@code fake}, {@code aws}, {@code gke})
 * @param cloudZones per node group, at report time: live instances per zone
 * @param cloudInstances every instance the fake cloud ever had, in launch order, terminated ones included
 * @param lowerBound the shortest makespan any orchestrator could achieve on this scenario under the policy's
 *     maxUnavailable and maxSurge ({@link LowerBound})
 * @param makespanOverLowerBound {@code makespanSeconds / lowerBound.seconds}; null when there is no finite,
 *     positive bound
 */
@JsonPropertyOrder({
  "scenario", "nodesTotal", "nodesOutdatedAtStart", "nodesRotated", "rotationComplete", "makespanSeconds",
  "wallSeconds", "pdbViolations", "pdbViolationDetails", "minHealthyByPdb", "maxNodesUnavailable", "podsLost",
  "podsLostDetails", "podsLostToOthers", "podsLostToOthersDetails", "actionsByOthers", "podDeleteRequests",
  "unhealthyPodDeletes", "unhealthyPodDeleteDetails", "invariantViolations", "evictionsAccepted", "evictionsRefused",
  "apiRequests", "apiRequestsByVerb", "apiRequestsByClient", "apiRequestsByResource", "freezes",
  "graceSeconds", "faults", "reactionSeconds", "disruptiveActions", "disruptiveActionsAfterFault",
  "disruptiveActionsAfterFaultDetails", "disruptiveActionsAfterFreeze", "disruptiveActionsAfterFreezeDetails",
  "rollbackActions", "rollbackActionDetails", "cloudFlavors", "cloudZones", "cloudInstances", "lowerBound",
  "makespanOverLowerBound"
})
public record SimReport(
    String scenario,
    int nodesTotal,
    int nodesOutdatedAtStart,
    int nodesRotated,
    boolean rotationComplete,
    double makespanSeconds,
    double wallSeconds,
    int pdbViolations,
    List<String> pdbViolationDetails,
    Map<String, Observations.PdbLow> minHealthyByPdb,
    int maxNodesUnavailable,
    int podsLost,
    List<String> podsLostDetails,
    int podsLostToOthers,
    List<String> podsLostToOthersDetails,
    List<String> actionsByOthers,
    long podDeleteRequests,
    int unhealthyPodDeletes,
    List<String> unhealthyPodDeleteDetails,
    List<String> invariantViolations,
    long evictionsAccepted,
    long evictionsRefused,
    long apiRequests,
    Map<String, Long> apiRequestsByVerb,
    Map<String, Long> apiRequestsByClient,
    Map<String, Long> apiRequestsByResource,
    List<Observations.Freeze> freezes,
    double graceSeconds,
    List<FaultReport> faults,
    Double reactionSeconds,
    int disruptiveActions,
    int disruptiveActionsAfterFault,
    List<String> disruptiveActionsAfterFaultDetails,
    int disruptiveActionsAfterFreeze,
    List<String> disruptiveActionsAfterFreezeDetails,
    int rollbackActions,
    List<String> rollbackActionDetails,
    Map<String, String> cloudFlavors,
    Map<String, Map<String, Integer>> cloudZones,
    List<CloudInstance> cloudInstances,
    LowerBound.Result lowerBound,
    Double makespanOverLowerBound) {

  /**
   * One instance of the fake cloud as the report shows it.
   *
   * @param group node group
   * @param zone zone it runs in
   * @param id instance id (the instance name for gke)
   * @param providerId the providerID its Node carries
   * @param nodeName the name its Node registers under
   * @param version the version it was launched with
   * @param state PROVISIONING, RUNNING or TERMINATED
   */
  @JsonPropertyOrder({"group", "zone", "id", "providerId", "nodeName", "version", "state"})
  public record CloudInstance(
      String group, String zone, String id, String providerId, String nodeName, String version, String state) {}

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /**
   * No PDB violation, no pod lost by rotator, no broken invariant (which includes every pod DELETE other than an
   * accepted unhealthy-pod delete), no disruptive action later than a fault's deadline or after a FREEZE. What
   * someone else did ({@code podsLostToOthers}) does not count against rotator.
   */
  public boolean safe() {
    return pdbViolations == 0 && podsLost == 0 && invariantViolations.isEmpty() && disruptiveActionsAfterFault == 0
        && disruptiveActionsAfterFreeze == 0;
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the report", e);
    }
  }
}
