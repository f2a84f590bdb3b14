package dev.rotator.provider;

import java.util.List;
import java.util.Optional;

/**
 * The narrow port through which rotator talks to a cloud: AWS Auto Scaling groups, GKE node pools, or the
 * in-memory fake used by the simulator.
 *
 * <p>Contract, for every implementation:
 *
 * <ul>
 *   <li>No SDK type crosses this interface; failures are {@link CloudException} with a {@link
 *       CloudException.Kind} the engine turns into policy (retry, freeze).
 *   <li>Every call is idempotent. Terminating an instance that is already gone is success, not an
 *       error: the caller treats "not found" on terminate as done.
 *   <li>Nothing here waits for provisioning: the engine watches the cluster for the replacement Node.
 * </ul>
 */
public interface CloudProvider {

  /** A short name for logs and reports ({@code aws}, {@code gke}, {@code fake}). */
  String name();

  /**
   * Maps a Node's {@code spec.providerID} to the instance behind it and the group that owns it.
   *
   * @return empty when the provider ID is not one this provider manages (a node of another cloud, or no
   *     provider ID at all); the engine then never terminates anything for that node.
   */
  Optional<InstanceRef> instanceOf(String providerId);

  /** The node groups this provider manages (ASGs, node pools). */
  List<NodeGroup> nodeGroups();

  /** One node group, fresh from the cloud. Throws PERMANENT when it does not exist. */
  NodeGroup nodeGroup(String groupId);

  /**
   * Sets a group's desired capacity (surge up, or back down). Must stay within the group's min/max,
   * otherwise PERMANENT; raising it beyond the quota headroom fails with QUOTA.
   */
  void setDesiredCapacity(String groupId, int desired);

  /**
   * Terminates one instance. With {@code decrementDesired} the group shrinks by one and no replacement
   * comes; without it the group replaces the instance. Already gone = success.
   */
  void terminate(InstanceRef instance, boolean decrementDesired);

  /**
   * The provider's own view of whether an instance runs an outdated template/version.
   *
   * @return empty when the provider has no opinion (the engine's other selectors decide).
   */
  Optional<Boolean> isOutdated(InstanceRef instance);

  /** How many more instances the group could launch right now given quotas and max size. */
  int headroom(String groupId);

  /**
   * Called once per group before the run's first disruptive step in it: stop what would fight the rotation
   * (e.g. suspend an ASG's AZRebalance). Idempotent; must be undone by {@link #endRotation}.
   */
  default void beginRotation(String groupId) {}

  /**
   * Called once per group when a run ends, however it ends (completed, frozen, interrupted): undo {@link
   * #beginRotation}. Idempotent; safe to call for a group that was never begun.
   */
  default void endRotation(String groupId) {}
}
