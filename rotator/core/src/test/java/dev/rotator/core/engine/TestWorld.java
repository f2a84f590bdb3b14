package dev.rotator.core.engine;

import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tiny world for engine unit tests: an in-memory cluster, a cloud whose groups launch a new node a fixed
 * time after capacity is missing, and Deployment-like workloads whose evicted pods come back Ready elsewhere
 * after a startup delay. It also checks, after every clock step, how many nodes are unavailable.
 */
final class TestWorld implements CloudProvider {
  final ManualClock clock = new ManualClock();
  final InMemoryCluster cluster = new InMemoryCluster();
  final InMemoryStateStore store = new InMemoryStateStore(clock);
  final RecordingNotifier notifier = new RecordingNotifier();
  final List<String> cloudCalls = new ArrayList<>();
  Duration provisioning = Duration.ofSeconds(90);
  Duration startup = Duration.ofSeconds(10);
  boolean replacementsArrive = true;
  CloudException failTerminate;
  int desired;
  int groupMax = 100;
  private int seq;
  private final Map<String, Instant> pendingLaunches = new HashMap<>();
  /** Instances alive in the cloud (a deleted Node's instance lives on until terminated). */
  final java.util.Set<String> instances = new java.util.HashSet<>();
  private final Map<String, Integer> replicas = new HashMap<>();
  private final Map<PodRef, Instant> readyAt = new HashMap<>();
  int baselineAvailable;
  int maxUnavailableSeen;

  TestWorld() {
    clock.onAdvance(this::step);
  }

  /** Adds n old nodes (kubelet v1.30.0) spread over zones a/b/c. */
  TestWorld nodes(int n) {
    for (int i = 0; i < n; i++) {
      addNode("old-" + i, "v1.30.0", "zone-" + "abc".charAt(i % 3), true, Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i));
    }
    desired = n;
    return this;
  }

  NodeInfo addNode(String name, String version, String zone, boolean ready, Instant created) {
    NodeInfo n = new NodeInfo(name, Map.of("topology.kubernetes.io/zone", zone), Map.of(), version,
        "test:///" + zone + "/group-1/" + name, ready, false, created, List.of());
    cluster.addNode(n);
    instances.add(name);
    return n;
  }

  /** A Deployment-like workload with one pod on each of {@code nodes}, recreated after eviction. */
  TestWorld deploymentOn(String ns, String app, List<String> nodes, String pdbMaxUnavailable) {
    replicas.put(ns + "/" + app, nodes.size());
    for (String node : nodes) {
      cluster.addPod(pod(ns, app, app + "-" + (seq++), node, true, OwnerKind.REPLICA_SET));
    }
    cluster.addPdb(new InMemoryCluster.PdbSpec(ns, app + "-pdb", LabelSelector.of(Map.of("app", app)), null,
        pdbMaxUnavailable));
    return this;
  }

  /** A Deployment-like workload: replicas pods on the first nodes, recreated after eviction. */
  TestWorld deployment(String ns, String app, int count, String pdbMaxUnavailable, String pdbMinAvailable) {
    replicas.put(ns + "/" + app, count);
    List<NodeInfo> ns_ = cluster.nodes();
    for (int i = 0; i < count; i++) {
      cluster.addPod(pod(ns, app, app + "-" + (seq++), ns_.get(i % ns_.size()).name(), true, OwnerKind.REPLICA_SET));
    }
    if (pdbMaxUnavailable != null || pdbMinAvailable != null) {
      cluster.addPdb(new InMemoryCluster.PdbSpec(ns, app + "-pdb", LabelSelector.of(Map.of("app", app)),
          pdbMinAvailable, pdbMaxUnavailable));
    }
    return this;
  }

  static PodInfo pod(String ns, String app, String name, String node, boolean ready, OwnerKind owner) {
    return new PodInfo(new PodRef(ns, name), node, Map.of("app", app), owner, app, false, false, ready,
        ready ? "Running" : "Pending", false, false);
  }

  void start() {
    baselineAvailable = (int) cluster.nodes().stream().filter(NodeInfo::available).count();
  }

  private void step(Instant now) {
    // Controllers: recreate missing replicas on an available node, Ready after the startup delay.
    for (var e : replicas.entrySet()) {
      String ns = e.getKey().split("/")[0];
      String app = e.getKey().split("/")[1];
      long have = cluster.nodes().stream().flatMap(n -> cluster.podsOnNode(n.name()).stream())
          .filter(p -> p.ref().namespace().equals(ns) && app.equals(p.labels().get("app"))).count();
      List<NodeInfo> avail = cluster.nodes().stream().filter(NodeInfo::available)
          .filter(n -> !n.hasTaint(RotationPolicy.OUTDATED_TAINT)).toList();
      if (avail.isEmpty()) {
        avail = cluster.nodes().stream().filter(NodeInfo::available).toList();
      }
      for (long i = have; i < e.getValue() && !avail.isEmpty(); i++) {
        PodInfo p = pod(ns, app, app + "-" + (seq++), avail.get((int) (i % avail.size())).name(), false, OwnerKind.REPLICA_SET);
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
                p.nodeName(), true, p.ownerKind())));
      }
    }
    // Cloud: launch nodes until the group has `desired` instances.
    if (replacementsArrive) {
      long live = instances.size() + pendingLaunches.size();
      for (long i = live; i < desired; i++) {
        pendingLaunches.put("new-" + (seq++), now.plus(provisioning));
      }
      for (var it = pendingLaunches.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (!now.isBefore(e.getValue())) {
          it.remove();
          addNode(e.getKey(), "v1.31.0", "zone-a", true, now);
        }
      }
    }
    long available = cluster.nodes().stream().filter(NodeInfo::available).count();
    maxUnavailableSeen = (int) Math.max(maxUnavailableSeen, baselineAvailable - available);
  }

  Ports ports(Gate gate) {
    return new Ports(cluster, this, store, gate, notifier, clock);
  }

  RotationEngine engine(RotationPolicy policy, Gate gate) {
    start();
    return new RotationEngine(ports(gate), policy, OutdatedSelector.kubeletBelow("v1.31.0"));
  }

  static RotationPolicy policy(int maxUnavailable, int maxSurge) {
    return RotationPolicy.defaults().withMaxUnavailable(maxUnavailable).withMaxSurge(maxSurge);
  }

  // ---- CloudProvider ----

  @Override
  public String name() {
    return "test";
  }

  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    if (!providerId.startsWith("test:///")) {
      return Optional.empty();
    }
    String[] p = providerId.substring("test:///".length()).split("/");
    return Optional.of(new InstanceRef(p[2], p[1], p[0]));
  }

  @Override
  public List<NodeGroup> nodeGroups() {
    return List.of(nodeGroup("group-1"));
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    return new NodeGroup(groupId, desired, 0, groupMax, "v1.31.0");
  }

  @Override
  public synchronized void setDesiredCapacity(String groupId, int d) {
    cloudCalls.add("desired " + d);
    desired = d;
  }

  @Override
  public synchronized void terminate(InstanceRef instance, boolean decrementDesired) {
    if (failTerminate != null) {
      throw failTerminate;
    }
    cloudCalls.add("terminate " + instance.instanceId() + (decrementDesired ? " decrement" : ""));
    instances.remove(instance.instanceId());
    if (decrementDesired) {
      desired--;
    }
  }

  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    return Optional.empty();
  }

  @Override
  public void beginRotation(String groupId) {
    cloudCalls.add("begin " + groupId);
  }

  @Override
  public void endRotation(String groupId) {
    cloudCalls.add("end " + groupId);
  }

  @Override
  public int headroom(String groupId) {
    return groupMax - desired;
  }
}
