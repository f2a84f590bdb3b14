package dev.rotator.reliability;

import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.PodWatch;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeGroupSpec;
import dev.rotator.provider.fake.FakeInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A small cluster in memory for property tests: rotator's {@link InMemoryCluster} (nodes, pods, PDBs with the
 * Eviction API's budget check) driven by a controller model on the manual clock (evicted pods of a controller
 * come back Pending and are scheduled on a Ready schedulable node with room, Ready after a startup delay;
 * DaemonSet pods follow nodes), and a {@link FakeCloud} whose new instances register as Ready Nodes.
 *
 * <p>The engine talks to it through {@link #cluster()} and {@link #cloud()}, two wrappers that check the
 * invariants <em>independently of the engine and of InMemoryCluster's own budget logic</em> before and after
 * every disruptive call, and record each violation.
 */
final class ModelWorld {
  static final String OLD = "v1.30.0";
  static final String NEW = "v1.31.0";
  static final int PODS_PER_NODE = 12;
  static final Duration STARTUP = Duration.ofSeconds(20);

  final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  final InMemoryCluster inner = new InMemoryCluster();
  final InMemoryStateStore store = new InMemoryStateStore(clock);
  final FakeCloud fake = new FakeCloud(clock);
  final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
  final List<InMemoryCluster.PdbSpec> pdbs = new ArrayList<>();
  private final Map<String, Integer> replicas = new HashMap<>();
  private final Map<String, OwnerKind> kinds = new HashMap<>();
  private final Set<String> daemonSets = new HashSet<>();
  private final Map<PodRef, Instant> readyAt = new HashMap<>();
  private final Random random;
  private int seq;
  int maxUnavailable;
  int baseline;
  /** When a human froze the run mid-way (null: no freeze). */
  Instant frozenAt;
  Instant freezeAt;
  int disruptiveCalls;

  ModelWorld(Random random) {
    this.random = random;
    fake.addListener(new FakeCloud.Listener() {
      @Override
      public void onInstanceRunning(FakeInstance i) {
        registerNode(i);
      }

      @Override
      public void onInstanceTerminated(FakeInstance i) {
        inner.node(i.nodeName()).ifPresent(n -> {
          for (PodInfo p : inner.podsOnNode(n.name())) {
            if (p.ownerKind() != OwnerKind.DAEMON_SET) {
              violations.add("pod " + p.ref() + " lost: instance of node " + n.name() + " terminated under it");
            }
            inner.removePod(p.ref());
          }
          inner.deleteNode(n.name());
        });
      }
    });
    clock.onAdvance(this::step);
  }

  void group(String id, List<String> zones, int size, int max) {
    fake.addGroup(new FakeGroupSpec(id, zones, size, 0, max, 1000, NEW, "m5.large", 4000, 16384,
        Duration.ofSeconds(60), dev.rotator.provider.fake.FakeFlavor.FAKE));
    for (int i = 0; i < size; i++) {
      registerNode(fake.addRunningInstance(id, zones.get(i % zones.size()), OLD));
    }
  }

  private void registerNode(FakeInstance i) {
    inner.addNode(new NodeInfo(i.nodeName(), Map.of("topology.kubernetes.io/zone", i.zone()), Map.of(), i.version(),
        i.providerId(), true, false, clock.now(), List.of()));
    for (String ds : daemonSets) {
      String[] nsName = ds.split("/");
      inner.addPod(pod(nsName[0], nsName[1], i.nodeName(), OwnerKind.DAEMON_SET, true));
    }
  }

  void setReady(String node, boolean ready) {
    NodeInfo n = inner.node(node).orElseThrow();
    inner.updateNode(new NodeInfo(n.name(), n.labels(), n.annotations(), n.kubeletVersion(), n.providerId(), ready,
        n.unschedulable(), n.created(), n.taints()));
  }

  void annotate(String node, String key, String value) {
    inner.annotateNode(node, key, value);
  }

  void workload(String ns, String app, OwnerKind kind, int count, String minAvailable, String maxUnavailable) {
    replicas.put(ns + "/" + app, count);
    kinds.put(ns + "/" + app, kind);
    List<NodeInfo> nodes = inner.nodes();
    for (int i = 0; i < count; i++) {
      inner.addPod(pod(ns, app, nodes.get(random.nextInt(nodes.size())).name(), kind, true));
    }
    if (minAvailable != null || maxUnavailable != null) {
      InMemoryCluster.PdbSpec spec = new InMemoryCluster.PdbSpec(ns, app, LabelSelector.of(Map.of("app", app)),
          minAvailable, maxUnavailable);
      pdbs.add(spec);
      inner.addPdb(spec);
    }
  }

  void daemonSet(String ns, String app) {
    daemonSets.add(ns + "/" + app);
    for (NodeInfo n : inner.nodes()) {
      inner.addPod(pod(ns, app, n.name(), OwnerKind.DAEMON_SET, true));
    }
  }

  private PodInfo pod(String ns, String app, String node, OwnerKind kind, boolean ready) {
    return new PodInfo(new PodRef(ns, app + "-" + (seq++)), node, Map.of("app", app), kind, app, false, false, ready,
        node.isEmpty() ? "Pending" : "Running", false, false);
  }

  void start(int maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
    this.baseline = readySchedulable();
  }

  private int readySchedulable() {
    return (int) inner.nodes().stream().filter(n -> n.ready() && !n.unschedulable()).count();
  }

  /** The controllers, once per clock step. */
  private synchronized void step(Instant now) {
    fake.reconcile(now);
    if (freezeAt != null && frozenAt == null && !now.isBefore(freezeAt)) {
      store.freeze("MANUAL", "frozen by the property test", List.of(), "property-test");
      frozenAt = now;
    }
    // Pods waiting for a node: schedule onto a Ready, schedulable node with room (fewest pods first). In a canonical
    // order (workload, then name): replacements are created in the order evictions arrive from the engine's pool
    // threads, and placing them in that order made a case's outcome depend on thread timing.
    List<PodInfo> pending = new ArrayList<>(inner.pendingPods());
    pending.sort(java.util.Comparator.comparing((PodInfo p) -> p.ref().namespace()).thenComparing(PodInfo::ownerName)
        .thenComparing(p -> p.ref().name()));
    for (PodInfo p : pending) {
      Optional<NodeInfo> target = inner.nodes().stream()
          .filter(n -> n.ready() && !n.unschedulable() && inner.podsOnNode(n.name()).size() < PODS_PER_NODE)
          .min((a, b) -> Integer.compare(inner.podsOnNode(a.name()).size(), inner.podsOnNode(b.name()).size()));
      if (target.isPresent()) {
        inner.removePod(p.ref());
        inner.addPod(new PodInfo(p.ref(), target.get().name(), p.labels(), p.ownerKind(), p.ownerName(), false, false,
            false, "Running", false, false));
        readyAt.put(p.ref(), now.plus(STARTUP));
      }
    }
    for (var it = readyAt.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!now.isBefore(e.getValue())) {
        it.remove();
        for (NodeInfo n : inner.nodes()) {
          for (PodInfo p : inner.podsOnNode(n.name())) {
            if (p.ref().equals(e.getKey())) {
              inner.removePod(p.ref());
              inner.addPod(new PodInfo(p.ref(), p.nodeName(), p.labels(), p.ownerKind(), p.ownerName(), false, false,
                  true, "Running", false, false));
            }
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- the invariants

  private synchronized void disruptive(String what) {
    disruptiveCalls++;
    if (frozenAt != null) {
      violations.add(what + " after FREEZE was set at " + frozenAt);
    }
  }

  private void checkCapacity(String after) {
    int now = readySchedulable();
    // Ready schedulable nodes may never fall below the start minus maxUnavailable (surge nodes count as capacity).
    int lost = baseline - now;
    if (lost > maxUnavailable) {
      violations.add(after + ": " + lost + " node(s) unavailable, maxUnavailable " + maxUnavailable);
    }
  }

  /** Healthy pods a PDB needs, computed here from its spec (not by InMemoryCluster). */
  private static int desiredHealthy(InMemoryCluster.PdbSpec s, int expected) {
    if (s.minAvailable() != null) {
      return scaled(s.minAvailable(), expected, true);
    }
    // The disruption controller rounds a maxUnavailable percentage up, as InMemoryCluster and the API server do.
    return Math.max(0, expected - scaled(s.maxUnavailable(), expected, true));
  }

  private static int scaled(String v, int total, boolean roundUp) {
    if (v.endsWith("%")) {
      double x = Integer.parseInt(v.substring(0, v.length() - 1)) * total / 100.0;
      return (int) (roundUp ? Math.ceil(x) : Math.floor(x));
    }
    return Integer.parseInt(v);
  }

  private List<PodInfo> allPods() {
    List<PodInfo> all = new ArrayList<>(inner.pendingPods());
    for (NodeInfo n : inner.nodes()) {
      all.addAll(inner.podsOnNode(n.name()));
    }
    return all;
  }

  /** What evicting {@code victim} would break, judged on the cluster before the eviction. */
  private List<String> evictionProblems(PodInfo victim) {
    List<String> problems = new ArrayList<>();
    if (victim.ownerKind() == OwnerKind.NONE) {
      problems.add("pod " + victim.ref() + " lost: evicted without a controller");
    }
    if (!victim.ready() || victim.terminating()) {
      return problems;
    }
    for (InMemoryCluster.PdbSpec s : pdbs) {
      if (!s.namespace().equals(victim.ref().namespace()) || !s.selector().matches(victim.labels())) {
        continue;
      }
      long healthy = allPods().stream()
          .filter(p -> p.ref().namespace().equals(s.namespace()) && s.selector().matches(p.labels()))
          .filter(p -> p.ready() && !p.terminating())
          .count();
      int desired = desiredHealthy(s, replicas.getOrDefault(s.namespace() + "/" + s.name(), 0));
      if (healthy - 1 < desired) {
        problems.add("PDB " + s.namespace() + "/" + s.name() + " violated by evicting " + victim.ref()
            + ": healthy " + healthy + " -> " + (healthy - 1) + ", needs " + desired);
      }
    }
    return problems;
  }

  /** The cluster as the engine sees it, checking every disruptive call. */
  Cluster cluster() {
    return new Cluster() {
      @Override
      public List<NodeInfo> nodes() {
        return inner.nodes();
      }

      @Override
      public Optional<NodeInfo> node(String name) {
        return inner.node(name);
      }

      @Override
      public List<PodInfo> podsOnNode(String nodeName) {
        return inner.podsOnNode(nodeName);
      }

      @Override
      public List<PodInfo> pendingPods() {
        return inner.pendingPods();
      }

      @Override
      public List<PdbInfo> pdbs() {
        return inner.pdbs();
      }

      @Override
      public void cordon(String nodeName) {
        disruptive("cordon " + nodeName);
        inner.cordon(nodeName);
        checkCapacity("cordon " + nodeName);
      }

      @Override
      public void uncordon(String nodeName) {
        inner.uncordon(nodeName);
      }

      @Override
      public void addTaint(String nodeName, Taint taint) {
        inner.addTaint(nodeName, taint);
      }

      @Override
      public void removeTaint(String nodeName, String key) {
        inner.removeTaint(nodeName, key);
      }

      @Override
      public void annotateNode(String nodeName, String key, String value) {
        inner.annotateNode(nodeName, key, value);
      }

      @Override
      public EvictionResult evict(PodRef ref) {
        // The engine evicts from several threads (policy.speed.evictionParallelism): judge and evict atomically.
        synchronized (ModelWorld.this) {
          return evictChecked(ref);
        }
      }

      private EvictionResult evictChecked(PodRef ref) {
        PodInfo victim = allPods().stream().filter(p -> p.ref().equals(ref)).findFirst().orElse(null);
        List<String> problems = victim == null ? List.of() : evictionProblems(victim);
        EvictionResult r = inner.evict(ref);
        if (r.outcome() == EvictionResult.Outcome.EVICTED && victim != null) {
          disruptive("eviction of " + ref);
          violations.addAll(problems);
          if (victim.ownerKind() != OwnerKind.NONE && victim.ownerKind() != OwnerKind.DAEMON_SET) {
            // The controller replaces it: a new pod, Pending until the scheduler finds room.
            inner.addPod(pod(victim.ref().namespace(), victim.ownerName(), "", victim.ownerKind(), false));
          }
        }
        return r;
      }

      @Override
      public void deleteNode(String nodeName) {
        disruptive("delete node " + nodeName);
        for (PodInfo p : inner.podsOnNode(nodeName)) {
          if (p.ownerKind() != OwnerKind.DAEMON_SET && !p.mirror() && !p.finished()) {
            violations.add("node " + nodeName + " deleted before drained: it still ran " + p.ref());
          }
        }
        for (PodInfo p : inner.podsOnNode(nodeName)) {
          inner.removePod(p.ref());
        }
        inner.deleteNode(nodeName);
        checkCapacity("delete node " + nodeName);
      }

      @Override
      public List<PodInfo> podsSelectedBy(String namespace, LabelSelector selector) {
        return inner.podsSelectedBy(namespace, selector);
      }

      @Override
      public void deleteUnhealthyPod(PodRef pod, String reason) {
        // No generated policy opts into deleting unhealthy pods: any such delete is a pod lost.
        disruptive("delete pod " + pod);
        violations.add("pod " + pod + " deleted (" + reason + ") without an opt-in policy");
        inner.deleteUnhealthyPod(pod, reason);
      }

      @Override
      public PodWatch watchPodsOnNode(String nodeName) {
        return inner.watchPodsOnNode(nodeName);
      }
    };
  }

  /** The cloud as the engine sees it, checking terminations. */
  CloudProvider cloud() {
    return new CloudProvider() {
      @Override
      public String name() {
        return fake.name();
      }

      @Override
      public Optional<InstanceRef> instanceOf(String providerId) {
        return fake.instanceOf(providerId);
      }

      @Override
      public List<NodeGroup> nodeGroups() {
        return fake.nodeGroups();
      }

      @Override
      public NodeGroup nodeGroup(String groupId) {
        return fake.nodeGroup(groupId);
      }

      @Override
      public void setDesiredCapacity(String groupId, int desired) {
        fake.setDesiredCapacity(groupId, desired);
      }

      @Override
      public void terminate(InstanceRef instance, boolean decrementDesired) {
        disruptive("terminate " + instance.instanceId());
        fake.instance(instance.instanceId()).ifPresent(i -> inner.node(i.nodeName()).ifPresent(n -> {
          for (PodInfo p : inner.podsOnNode(n.name())) {
            if (p.ownerKind() != OwnerKind.DAEMON_SET && !p.mirror() && !p.finished()) {
              violations.add("instance " + instance.instanceId() + " terminated while node " + n.name() + " ran "
                  + p.ref());
            }
          }
        }));
        fake.terminate(instance, decrementDesired);
      }

      @Override
      public Optional<Boolean> isOutdated(InstanceRef instance) {
        return fake.isOutdated(instance);
      }

      @Override
      public int headroom(String groupId) {
        return fake.headroom(groupId);
      }
    };
  }
}
