package dev.rotator.core.pool;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import dev.rotator.provider.NodePool;
import dev.rotator.provider.NodePoolProvider;
import dev.rotator.provider.PoolTaint;
import dev.rotator.provider.QuotaHeadroom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tiny world for pool-switch unit tests: pools whose nodes register Ready a provisioning delay after the pool
 * is created (with the pool's labels and taints), an instance quota shared by all pools, and Deployment-like
 * workloads whose evicted pods come back Ready on a schedulable untainted node after a startup delay.
 */
final class PoolWorld implements CloudProvider, NodePoolProvider {
  final ManualClock clock = new ManualClock();
  final InMemoryCluster cluster = new InMemoryCluster();
  final InMemoryStateStore store = new InMemoryStateStore(clock);
  final RecordingNotifier notifier = new RecordingNotifier();
  final List<String> poolCalls = new ArrayList<>();
  final Map<String, NodePool> pools = new LinkedHashMap<>();
  Duration provisioning = Duration.ofSeconds(60);
  Duration startup = Duration.ofSeconds(10);
  int quota = 100;
  int maxPodsLostWatch;
  private final Map<String, List<String>> nodesOfPool = new HashMap<>();
  private final Map<String, Instant> launchAt = new HashMap<>();
  private final Map<String, Integer> replicas = new HashMap<>();
  private final Map<PodRef, Instant> readyAt = new HashMap<>();
  private int seq;

  PoolWorld() {
    clock.onAdvance(this::step);
  }

  PoolWorld pool(String name, int size) {
    NodePool p = new NodePool(name, "v1.30.0", "cos", "", "", "n2-standard-4", Map.of("workload", "web"),
        List.of(new PoolTaint("dedicated", "web", "NoSchedule")), size, 0, 10, List.of("zone-a"));
    pools.put(name, p);
    for (int i = 0; i < size; i++) {
      addNode(p, true);
    }
    return this;
  }

  private void addNode(NodePool p, boolean ready) {
    String name = p.name() + "-" + (seq++);
    Map<String, String> labels = new HashMap<>(p.labels());
    labels.put("topology.kubernetes.io/zone", "zone-a");
    List<Taint> taints = p.taints().stream().map(t -> new Taint(t.key(), t.value(), t.effect())).toList();
    cluster.addNode(new NodeInfo(name, labels, Map.of(), p.version(), "pool:///" + p.name() + "/" + name, ready, false,
        clock.now(), taints));
    nodesOfPool.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(name);
  }

  PoolWorld deployment(String ns, String app, int count, String pdbMaxUnavailable) {
    replicas.put(ns + "/" + app, count);
    List<NodeInfo> all = cluster.nodes();
    for (int i = 0; i < count; i++) {
      cluster.addPod(pod(ns, app, app + "-" + (seq++), all.get(i % all.size()).name(), true));
    }
    if (pdbMaxUnavailable != null) {
      cluster.addPdb(new InMemoryCluster.PdbSpec(ns, app + "-pdb", LabelSelector.of(Map.of("app", app)), null,
          pdbMaxUnavailable));
    }
    return this;
  }

  static PodInfo pod(String ns, String app, String name, String node, boolean ready) {
    return new PodInfo(new PodRef(ns, name), node, Map.of("app", app), OwnerKind.REPLICA_SET, app, false, false, ready,
        ready ? "Running" : "Pending", false, false);
  }

  List<PodInfo> podsOf(String app) {
    return cluster.nodes().stream().flatMap(n -> cluster.podsOnNode(n.name()).stream())
        .filter(p -> app.equals(p.labels().get("app"))).toList();
  }

  List<String> nodeNamesOf(String pool) {
    return cluster.nodes().stream().map(NodeInfo::name).filter(n -> n.startsWith(pool + "-")).toList();
  }

  private void step(Instant now) {
    for (var it = launchAt.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      NodePool p = pools.get(e.getKey());
      if (p != null && !now.isBefore(e.getValue())) {
        it.remove();
        for (int i = 0; i < p.size(); i++) {
          addNode(p, true);
        }
      }
    }
    for (var e : replicas.entrySet()) {
      String ns = e.getKey().split("/")[0];
      String app = e.getKey().split("/")[1];
      long have = podsOf(app).size();
      List<NodeInfo> avail = cluster.nodes().stream().filter(NodeInfo::available)
          .filter(n -> !n.hasTaint(RotationPolicy.OUTDATED_TAINT)).toList();
      for (long i = have; i < e.getValue() && !avail.isEmpty(); i++) {
        PodInfo p = pod(ns, app, app + "-" + (seq++), avail.get((int) (i % avail.size())).name(), false);
        cluster.addPod(p);
        readyAt.put(p.ref(), now.plus(startup));
      }
    }
    for (var it = readyAt.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!now.isBefore(e.getValue())) {
        it.remove();
        cluster.nodes().stream().flatMap(n -> cluster.podsOnNode(n.name()).stream())
            .filter(p -> p.ref().equals(e.getKey())).findFirst()
            .ifPresent(p -> cluster.addPod(pod(p.ref().namespace(), p.labels().get("app"), p.ref().name(),
                p.nodeName(), true)));
      }
    }
  }

  Ports ports(Gate gate) {
    return new Ports(cluster, this, store, gate, notifier, clock);
  }

  PoolSwitch poolSwitch(PoolSwitchSpec spec, Gate gate) {
    return new PoolSwitch(ports(gate), this, policy(), spec);
  }

  static RotationPolicy policy() {
    return RotationPolicy.defaults().withMaxUnavailable(2).withMaxSurge(0).withDrainTimeout(Duration.ofMinutes(10));
  }

  int live() {
    return nodesOfPool.values().stream().mapToInt(List::size).sum();
  }

  // ---- NodePoolProvider ----

  @Override
  public Optional<NodePool> pool(String name) {
    return Optional.ofNullable(pools.get(name));
  }

  @Override
  public void createPool(NodePool pool, NodePool from) {
    poolCalls.add("create " + pool.name());
    if (pools.containsKey(pool.name())) {
      return;
    }
    pools.put(pool.name(), pool);
    launchAt.put(pool.name(), clock.now().plus(provisioning));
  }

  @Override
  public boolean deletePool(String name) {
    poolCalls.add("delete " + name);
    pools.remove(name);
    launchAt.remove(name);
    for (String n : nodesOfPool.getOrDefault(name, List.of())) {
      cluster.deleteNode(n);
    }
    nodesOfPool.remove(name);
    return true;
  }

  @Override
  public List<InstanceRef> poolInstances(String name) {
    return nodesOfPool.getOrDefault(name, List.of()).stream().map(n -> new InstanceRef(n, name, "zone-a")).toList();
  }

  @Override
  public QuotaHeadroom quotaFor(NodePool pool, NodePool from, int count) {
    return new QuotaHeadroom("instances", count, Math.max(0, quota - live()), "test quota " + quota);
  }

  // ---- CloudProvider ----

  @Override
  public String name() {
    return "test";
  }

  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    if (providerId == null || !providerId.startsWith("pool:///")) {
      return Optional.empty();
    }
    String[] p = providerId.substring("pool:///".length()).split("/");
    return Optional.of(new InstanceRef(p[1], p[0], "zone-a"));
  }

  @Override
  public List<NodeGroup> nodeGroups() {
    return pools.values().stream().map(p -> nodeGroup(p.name())).toList();
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    NodePool p = pools.get(groupId);
    if (p == null) {
      throw new CloudException(CloudException.Kind.PERMANENT, "no pool " + groupId);
    }
    return new NodeGroup(groupId, p.size(), p.min(), p.max(), p.version());
  }

  @Override
  public void setDesiredCapacity(String groupId, int desired) {
    throw new UnsupportedOperationException("a pool switch never resizes a pool");
  }

  @Override
  public void terminate(InstanceRef instance, boolean decrementDesired) {
    throw new UnsupportedOperationException("a pool switch never terminates single instances");
  }

  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    return Optional.empty();
  }

  @Override
  public int headroom(String groupId) {
    return Math.max(0, quota - live());
  }
}
