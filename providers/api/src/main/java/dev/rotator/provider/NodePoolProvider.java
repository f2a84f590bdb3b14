package dev.rotator.provider;

import java.util.List;
import java.util.Optional;

/**
 * Whole node pools, for the Red/Black (blue/green) pool switch: a new pool is created beside the old one from
 * its template, workloads move over, the old pool is deleted. Implemented by the providers that also implement
 * {@link CloudProvider}; the pool names are that provider's group ids.
 *
 * <p>Contract, as for {@link CloudProvider}: no SDK types, failures are {@link CloudException} (RETRYABLE,
 * PERMANENT, QUOTA), and every call is idempotent, so a switch that crashed can call them again:
 *
 * <ul>
 *   <li>creating a pool that already exists is success (nothing is changed: the caller checks what it finds);
 *   <li>deleting a pool that is gone is success.
 * </ul>
 */
public interface NodePoolProvider {

  /** A pool's template and size, fresh from the cloud; empty when no such pool exists. */
  Optional<NodePool> pool(String name);

  /**
   * Creates {@code pool} (made with {@link NodePool#derive}) with {@code pool.size()} nodes and returns once
   * the cloud accepted it (GKE: its create operation is done; AWS: the group exists). Its nodes come up
   * afterwards: the caller watches the cluster. Already existing = success.
   *
   * @param from the pool it is derived from (AWS copies the old group's network and launch template settings)
   */
  void createPool(NodePool pool, NodePool from);

  /**
   * Deletes a pool and its instances. May need several calls: returns false while the provider still removes
   * instances (AWS scales the group to zero first and deletes it, without ForceDelete, once it is empty), true
   * when the pool is gone. Callers drain the pool's nodes first: this terminates whatever still runs.
   */
  boolean deletePool(String name);

  /** The live instances of a pool (launching or running). */
  List<InstanceRef> poolInstances(String name);

  /**
   * Quota headroom for {@code count} more instances of {@code pool}'s machine type, in the quota's own unit
   * (AWS: vCPUs of the instance type's family; GKE: regional CPUs; fake: instances of the quota the pools
   * derived from {@code from} share).
   *
   * @param pool the pool about to be created (it need not exist)
   * @param from the existing pool it is derived from
   */
  QuotaHeadroom quotaFor(NodePool pool, NodePool from, int count);
}
