package dev.rotator.provider.fake;

import dev.rotator.provider.CloudException;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodePool;
import dev.rotator.provider.NodePoolProvider;
import dev.rotator.provider.PoolTaint;
import dev.rotator.provider.QuotaHeadroom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whole node pools on a {@link FakeCloud}: a pool is one of its groups. Creating a pool adds a group made from
 * the old one's spec (zones, flavour, shape, provisioning delay) with the changes applied; deleting one
 * deletes the group, whose instances the cloud then terminates on its next reconcile.
 *
 * <p>The pool's node labels and taints (which the fake cloud's groups do not model) are kept here; the
 * simulator puts them on the Nodes it registers ({@link #labels}, {@link #taints}).
 *
 * <p>Quota: a pool created from another shares that pool's instance quota (the root's {@link
 * FakeCloud#quota}): a switch of a 6-node pool whose quota is 8 finds room for 2, not 6. The headroom is that
 * quota minus the live instances of every pool in the family.
 *
 * <p>Thread-safe: the simulator's thread reads labels and taints while the engine's creates pools.
 */
public final class FakeNodePools implements NodePoolProvider {
  private final FakeCloud cloud;
  private final Map<String, Map<String, String>> labels = new LinkedHashMap<>();
  private final Map<String, List<PoolTaint>> taints = new LinkedHashMap<>();
  /** Pool → the pool whose quota it shares (its root; a root maps to itself implicitly). */
  private final Map<String, String> familyRoot = new LinkedHashMap<>();
  private final List<String> calls = new ArrayList<>();

  public FakeNodePools(FakeCloud cloud) {
    this.cloud = cloud;
  }

  /** Sets the node labels and taints of a pool (setup; a pool created from it copies them). */
  public synchronized void setTemplate(String pool, Map<String, String> nodeLabels, List<PoolTaint> nodeTaints) {
    labels.put(pool, Map.copyOf(nodeLabels));
    taints.put(pool, List.copyOf(nodeTaints));
  }

  /** The labels the nodes of a pool get (empty for unknown pools). */
  public synchronized Map<String, String> labels(String pool) {
    return labels.getOrDefault(pool, Map.of());
  }

  /** The taints the nodes of a pool get (empty for unknown pools). */
  public synchronized List<PoolTaint> taints(String pool) {
    return taints.getOrDefault(pool, List.of());
  }

  /** Port calls so far ({@code createPool new-pool}, {@code deletePool old-pool}), in order. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  @Override
  public synchronized Optional<NodePool> pool(String name) {
    if (!cloud.hasGroup(name)) {
      return Optional.empty();
    }
    FakeGroupSpec spec = cloud.groupSpec(name);
    var view = cloud.peekGroup(name);
    return Optional.of(new NodePool(name, view.targetVersion(), "", "", "", spec.instanceType(), labels(name),
        taints(name), view.desired(), spec.min(), spec.max(), spec.zones()));
  }

  @Override
  public synchronized void createPool(NodePool pool, NodePool from) {
    calls.add("createPool " + pool.name());
    if (cloud.hasGroup(pool.name())) {
      return;
    }
    if (!cloud.hasGroup(from.name())) {
      throw new CloudException(CloudException.Kind.PERMANENT, "node group " + from.name() + " does not exist");
    }
    QuotaHeadroom q = quotaFor(pool, from, pool.size());
    if (!q.sufficient()) {
      throw new CloudException(CloudException.Kind.QUOTA, "creating pool " + pool.name() + ": " + q);
    }
    FakeGroupSpec old = cloud.groupSpec(from.name());
    String root = root(from.name());
    cloud.addGroup(
        new FakeGroupSpec(
            pool.name(), old.zones(), pool.size(), pool.min(), pool.max(),
            // The family's quota is checked above; the group's own must admit its size.
            Math.max(pool.size(), pool.max()), pool.version(), pool.machineType(), old.cpuMillis(), old.memoryMi(),
            old.provisioningDelay(), old.flavor()));
    familyRoot.put(pool.name(), root);
    labels.put(pool.name(), pool.labels());
    taints.put(pool.name(), pool.taints());
  }

  @Override
  public synchronized boolean deletePool(String name) {
    calls.add("deletePool " + name);
    if (!cloud.hasGroup(name)) {
      return cloud.liveInstances(name).isEmpty();
    }
    return cloud.deleteGroup(name);
  }

  @Override
  public List<InstanceRef> poolInstances(String name) {
    return cloud.liveInstances(name).stream().map(FakeInstance::ref).toList();
  }

  /**
   * In instances: the quota of {@code from}'s family minus the live instances of all its pools ({@code pool}
   * joins that family when created). A pool already created counts its own instances there, so ask before.
   */
  @Override
  public synchronized QuotaHeadroom quotaFor(NodePool pool, NodePool from, int count) {
    String root = root(from.name());
    int quota;
    try {
      quota = cloud.quota(root);
    } catch (IllegalArgumentException e) {
      throw new CloudException(CloudException.Kind.PERMANENT, "node group " + from.name() + " does not exist");
    }
    int live = 0;
    List<String> members = new ArrayList<>();
    for (String g : family(root)) {
      int n = cloud.liveInstances(g).size();
      live += n;
      members.add(g + ": " + n);
    }
    return new QuotaHeadroom("instances", count, Math.max(0, quota - live),
        "instance quota " + quota + " shared by the pools derived from " + root + ", live " + String.join(", ", members));
  }

  private String root(String pool) {
    return familyRoot.getOrDefault(pool, pool);
  }

  private List<String> family(String root) {
    List<String> out = new ArrayList<>();
    out.add(root);
    familyRoot.forEach((p, r) -> {
      if (r.equals(root)) {
        out.add(p);
      }
    });
    return out;
  }
}
