package dev.rotator.provider.gke;

import com.google.cloud.compute.v1.Quota;
import com.google.container.v1.CreateNodePoolRequest;
import com.google.container.v1.DeleteNodePoolRequest;
import com.google.container.v1.NodeConfig;
import com.google.container.v1.NodePool;
import com.google.container.v1.NodeTaint;
import com.google.container.v1.Operation;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodePoolProvider;
import dev.rotator.provider.PoolTaint;
import dev.rotator.provider.QuotaHeadroom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whole GKE node pools for a node-pool switch: {@code CreateNodePool} from the old pool's config (labels, taints,
 * locations, autoscaling, management, the changes applied) and {@code DeleteNodePool}, each followed until its
 * operation is DONE. Reached through {@link GkeCloudProvider}, which implements {@link NodePoolProvider} with it.
 *
 * <p>The new pool's size is per zone on GKE ({@code initialNodeCount}): a size that does not divide by the number
 * of locations is rounded up. Both pools must be managed by rotator ({@code provider.gke.nodePools} empty, or
 * listing both), so that the new pool's nodes map to it.
 */
final class GkeNodePools implements NodePoolProvider {
  private final GkeApi api;

  GkeNodePools(GkeApi api) {
    this.api = api;
  }

  private Optional<NodePool> find(String name) {
    return api.nodePools().stream().filter(p -> p.getName().equals(name)).findFirst();
  }

  @Override
  public Optional<dev.rotator.provider.NodePool> pool(String name) {
    return find(name).map(this::describe);
  }

  private dev.rotator.provider.NodePool describe(NodePool p) {
    int size = 0;
    for (MigRef mig : GkeApi.migsOf(p)) {
      size += api.mig(mig).getTargetSize();
    }
    int zones = Math.max(1, p.getLocationsCount());
    int min = 0;
    int max = Math.max(size, api.settings.maxPoolSize());
    if (p.hasAutoscaling() && p.getAutoscaling().getEnabled()) {
      var a = p.getAutoscaling();
      boolean total = a.getTotalMaxNodeCount() > 0;
      min = total ? a.getTotalMinNodeCount() : a.getMinNodeCount() * zones;
      max = total ? a.getTotalMaxNodeCount() : a.getMaxNodeCount() * zones;
    }
    List<PoolTaint> taints = new ArrayList<>();
    for (NodeTaint t : p.getConfig().getTaintsList()) {
      taints.add(new PoolTaint(t.getKey(), t.getValue(), effect(t.getEffect())));
    }
    return new dev.rotator.provider.NodePool(p.getName(), p.getVersion(), p.getConfig().getImageType(), "", "",
        p.getConfig().getMachineType(), p.getConfig().getLabelsMap(), taints, size, min, Math.max(max, size),
        p.getLocationsList());
  }

  static String effect(NodeTaint.Effect e) {
    return switch (e) {
      case NO_SCHEDULE -> "NoSchedule";
      case PREFER_NO_SCHEDULE -> "PreferNoSchedule";
      case NO_EXECUTE -> "NoExecute";
      default -> e.name();
    };
  }

  static NodeTaint.Effect effect(String e) {
    return switch (e) {
      case "NoSchedule" -> NodeTaint.Effect.NO_SCHEDULE;
      case "PreferNoSchedule" -> NodeTaint.Effect.PREFER_NO_SCHEDULE;
      case "NoExecute" -> NodeTaint.Effect.NO_EXECUTE;
      default -> throw new CloudException(Kind.PERMANENT, "unknown taint effect " + e);
    };
  }

  @Override
  public void createPool(dev.rotator.provider.NodePool pool, dev.rotator.provider.NodePool from) {
    if (find(pool.name()).isPresent()) {
      return;
    }
    NodePool old = find(from.name()).orElseThrow(() -> new CloudException(Kind.PERMANENT,
        "node pool " + from.name() + " does not exist in cluster " + api.settings.cluster()));
    NodeConfig.Builder config = old.getConfig().toBuilder()
        .setMachineType(pool.machineType())
        .clearLabels().putAllLabels(pool.labels())
        .clearTaints();
    if (!pool.image().isEmpty()) {
      config.setImageType(pool.image());
    }
    for (PoolTaint t : pool.taints()) {
      config.addTaints(NodeTaint.newBuilder().setKey(t.key()).setValue(t.value()).setEffect(effect(t.effect())));
    }
    int zones = Math.max(1, old.getLocationsCount());
    NodePool.Builder b = NodePool.newBuilder()
        .setName(pool.name())
        .setConfig(config)
        .addAllLocations(old.getLocationsList())
        .setInitialNodeCount((pool.size() + zones - 1) / zones)
        .setVersion(pool.version());
    if (old.hasAutoscaling()) {
      b.setAutoscaling(old.getAutoscaling());
    }
    if (old.hasManagement()) {
      b.setManagement(old.getManagement());
    }
    if (old.hasUpgradeSettings()) {
      b.setUpgradeSettings(old.getUpgradeSettings());
    }
    if (old.hasMaxPodsConstraint()) {
      b.setMaxPodsConstraint(old.getMaxPodsConstraint());
    }
    if (old.hasNetworkConfig()) {
      b.setNetworkConfig(old.getNetworkConfig());
    }
    String what = "create node pool " + pool.name();
    Operation op;
    try {
      op = api.call(what, () -> api.clients.clusterManager.createNodePool(CreateNodePoolRequest.newBuilder()
          .setParent(api.settings.clusterName()).setNodePool(b).build()));
    } catch (CloudException e) {
      // A create that reached GKE before a retry (or a crash) left the pool there: that is the pool we wanted.
      if (find(pool.name()).isPresent()) {
        return;
      }
      throw e;
    }
    api.follow(op, what);
  }

  /** DeleteNodePool, followed until DONE; GKE drains nothing here (the switch drained the pool first). */
  @Override
  public boolean deletePool(String name) {
    if (find(name).isEmpty()) {
      return true;
    }
    String what = "delete node pool " + name;
    Operation op;
    try {
      op = api.call(what, () -> api.clients.clusterManager.deleteNodePool(DeleteNodePoolRequest.newBuilder()
          .setName(api.settings.poolName(name)).build()));
    } catch (CloudException e) {
      if (GkeErrors.isNotFound(e)) {
        return true;
      }
      throw e;
    }
    api.follow(op, what);
    return find(name).isEmpty();
  }

  @Override
  public List<InstanceRef> poolInstances(String name) {
    Optional<NodePool> p = find(name);
    if (p.isEmpty()) {
      return List.of();
    }
    List<InstanceRef> out = new ArrayList<>();
    for (MigRef mig : GkeApi.migsOf(p.get())) {
      for (String instance : api.managedInstances(mig).keySet()) {
        out.add(new InstanceRef(instance, name, mig.zone()));
      }
    }
    return out;
  }

  /**
   * Regional CPUs (the machine family's {@code <FAMILY>_CPUS} metric when the region has one, {@code
   * PREEMPTIBLE_CPUS} for spot pools, else {@code CPUS}), capped by the {@code INSTANCES} quota expressed in
   * CPUs; the same metrics the provider's {@code headroom} reads.
   */
  @Override
  public QuotaHeadroom quotaFor(dev.rotator.provider.NodePool pool, dev.rotator.provider.NodePool from, int count) {
    NodePool old = find(from.name()).orElseThrow(() -> new CloudException(Kind.PERMANENT,
        "node pool " + from.name() + " does not exist in cluster " + api.settings.cluster()));
    List<MigRef> migs = GkeApi.migsOf(old);
    if (migs.isEmpty()) {
      return new QuotaHeadroom("CPUs", count, Long.MAX_VALUE, "pool " + from.name() + " has no instance group yet");
    }
    Map<String, Quota> quotas = api.regionQuotas(migs.get(0).region());
    boolean spot = old.getConfig().getSpot() || old.getConfig().getPreemptible();
    String metric = GkeCloudProvider.cpuMetric(pool.machineType(), spot, quotas);
    int cpus = Math.max(1, api.machineCpus(migs.get(0).zone(), pool.machineType()));
    long needed = (long) count * cpus;
    long available = Long.MAX_VALUE;
    Map<String, String> facts = new LinkedHashMap<>();
    Quota q = quotas.get(metric);
    if (q != null) {
      available = (long) Math.floor(q.getLimit() - q.getUsage());
      facts.put(metric, "limit " + (long) q.getLimit() + ", usage " + (long) q.getUsage());
    }
    Quota instances = quotas.get("INSTANCES");
    if (instances != null) {
      long roomInstances = (long) Math.floor(instances.getLimit() - instances.getUsage());
      available = Math.min(available, roomInstances * cpus);
      facts.put("INSTANCES", "limit " + (long) instances.getLimit() + ", usage " + (long) instances.getUsage());
    }
    List<String> lines = new ArrayList<>();
    facts.forEach((k, v) -> lines.add(k + " " + v));
    return new QuotaHeadroom("CPUs", needed, Math.max(0, available), "region " + migs.get(0).region() + ", "
        + count + " x " + pool.machineType() + " (" + cpus + " vCPU each); " + String.join("; ", lines));
  }
}
