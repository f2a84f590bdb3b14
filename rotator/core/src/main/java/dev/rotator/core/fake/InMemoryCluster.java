package dev.rotator.core.fake;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.PodWatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A Cluster in memory for engine unit tests: nodes, pods and PDB specs, with PDB status computed from the pods
 * and evictions refused (429) the way the API server refuses them (a Ready pod needs a disruption to spare, a
 * not-Ready one needs the budget's healthy count met: {@code IfHealthyBudget}). Records every mutating call and
 * counts reads per operation ({@link #reads}). There is no
 * scheduler or controller: tests add replacement nodes and pods themselves (e.g. from a {@link ManualClock}
 * hook).
 */
public final class InMemoryCluster implements Cluster {

  /** A PDB as written: exactly one of minAvailable / maxUnavailable, an int or a percentage. */
  public record PdbSpec(
      String namespace, String name, LabelSelector selector, String minAvailable, String maxUnavailable) {}

  private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
  private final Map<PodRef, PodInfo> pods = new LinkedHashMap<>();
  private final List<PdbSpec> pdbs = new ArrayList<>();
  private final List<String> calls = new ArrayList<>();
  private Function<PodRef, EvictionResult> evictionScript;
  private RuntimeException failNodes;
  private final Map<String, java.util.ArrayDeque<RuntimeException>> failures = new java.util.HashMap<>();
  private final Map<String, Integer> reads = new java.util.TreeMap<>();

  public synchronized InMemoryCluster addNode(NodeInfo n) {
    nodes.put(n.name(), n);
    return this;
  }

  public synchronized InMemoryCluster addPod(PodInfo p) {
    pods.put(p.ref(), p);
    return this;
  }

  public synchronized InMemoryCluster addPdb(PdbSpec p) {
    pdbs.add(p);
    return this;
  }

  public synchronized void removePod(PodRef ref) {
    pods.remove(ref);
  }

  public synchronized void updateNode(NodeInfo n) {
    nodes.put(n.name(), n);
  }

  /** Overrides the PDB logic of {@link #evict}: return null from the script to fall back to it. */
  public synchronized void evictionScript(Function<PodRef, EvictionResult> script) {
    this.evictionScript = script;
  }

  /** Makes {@link #nodes()} throw this (null to stop). */
  public synchronized void failNodes(RuntimeException e) {
    this.failNodes = e;
  }

  /**
   * Makes the next {@code times} calls of an operation ({@code cordon}, {@code deleteNode}, {@code podsOnNode})
   * throw {@code e}.
   */
  public synchronized void failNext(String operation, int times, RuntimeException e) {
    var q = failures.computeIfAbsent(operation, k -> new java.util.ArrayDeque<>());
    for (int i = 0; i < times; i++) {
      q.add(e);
    }
  }

  private void maybeFail(String operation) {
    var q = failures.get(operation);
    if (q != null && !q.isEmpty()) {
      throw q.poll();
    }
  }

  /** How many times each read ran ({@code nodes}, {@code podsOnNode}, {@code pendingPods}, {@code pdbs}, ...). */
  public synchronized int reads(String operation) {
    return reads.getOrDefault(operation, 0);
  }

  private void countRead(String operation) {
    reads.merge(operation, 1, Integer::sum);
  }

  /** Every mutating call, e.g. {@code cordon node-1}, {@code evict ns/pod -> BLOCKED}. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  @Override
  public synchronized List<NodeInfo> nodes() {
    countRead("nodes");
    if (failNodes != null) {
      throw failNodes;
    }
    return List.copyOf(nodes.values());
  }

  @Override
  public synchronized Optional<NodeInfo> node(String name) {
    return Optional.ofNullable(nodes.get(name));
  }

  @Override
  public synchronized List<PodInfo> podsOnNode(String nodeName) {
    countRead("podsOnNode");
    maybeFail("podsOnNode");
    return pods.values().stream().filter(p -> p.nodeName().equals(nodeName)).toList();
  }

  @Override
  public synchronized List<PodInfo> pendingPods() {
    countRead("pendingPods");
    return pods.values().stream().filter(p -> "Pending".equals(p.phase())).toList();
  }

  @Override
  public synchronized List<PdbInfo> pdbs() {
    countRead("pdbs");
    List<PdbInfo> out = new ArrayList<>();
    for (PdbSpec s : pdbs) {
      out.add(status(s));
    }
    return out;
  }

  private PdbInfo status(PdbSpec s) {
    List<PodInfo> covered =
        pods.values().stream()
            .filter(p -> p.ref().namespace().equals(s.namespace()) && s.selector().matches(p.labels()))
            .toList();
    int expected = covered.size();
    int healthy = (int) covered.stream().filter(p -> p.ready() && !p.terminating()).count();
    int desired;
    if (s.minAvailable() != null && !s.minAvailable().isEmpty()) {
      desired = scaled(s.minAvailable(), expected, true);
    } else {
      desired = expected - scaled(s.maxUnavailable(), expected, true);
    }
    desired = Math.max(0, desired);
    int allowed = Math.max(0, healthy - desired);
    return new PdbInfo(
        s.namespace(), s.name(), s.selector(), s.minAvailable(), s.maxUnavailable(), allowed, healthy, desired,
        expected);
  }

  private static int scaled(String v, int total, boolean roundUp) {
    if (v.endsWith("%")) {
      double pct = Integer.parseInt(v.substring(0, v.length() - 1)) / 100.0;
      return (int) (roundUp ? Math.ceil(pct * total) : Math.floor(pct * total));
    }
    return Integer.parseInt(v);
  }

  @Override
  public synchronized void cordon(String nodeName) {
    maybeFail("cordon");
    calls.add("cordon " + nodeName);
    NodeInfo n = require(nodeName);
    nodes.put(nodeName, copy(n, n.ready(), true, n.taints()));
  }

  @Override
  public synchronized void uncordon(String nodeName) {
    calls.add("uncordon " + nodeName);
    NodeInfo n = require(nodeName);
    nodes.put(nodeName, copy(n, n.ready(), false, n.taints()));
  }

  @Override
  public synchronized void addTaint(String nodeName, Taint taint) {
    calls.add("taint " + nodeName + " " + taint.key() + ":" + taint.effect());
    NodeInfo n = require(nodeName);
    if (n.taints().stream().noneMatch(t -> t.key().equals(taint.key()) && t.effect().equals(taint.effect()))) {
      List<Taint> ts = new ArrayList<>(n.taints());
      ts.add(taint);
      nodes.put(nodeName, copy(n, n.ready(), n.unschedulable(), ts));
    }
  }

  @Override
  public synchronized void removeTaint(String nodeName, String key) {
    calls.add("untaint " + nodeName + " " + key);
    NodeInfo n = require(nodeName);
    nodes.put(
        nodeName,
        copy(n, n.ready(), n.unschedulable(), n.taints().stream().filter(t -> !t.key().equals(key)).toList()));
  }

  @Override
  public synchronized void annotateNode(String nodeName, String key, String value) {
    calls.add("annotate " + nodeName + " " + key + "=" + value);
    NodeInfo n = require(nodeName);
    Map<String, String> a = new java.util.HashMap<>(n.annotations());
    if (value == null) {
      a.remove(key);
    } else {
      a.put(key, value);
    }
    nodes.put(nodeName, new NodeInfo(n.name(), n.labels(), a, n.kubeletVersion(), n.providerId(), n.ready(),
        n.unschedulable(), n.created(), n.taints()));
  }

  @Override
  public synchronized EvictionResult evict(PodRef ref) {
    EvictionResult r = null;
    if (evictionScript != null) {
      r = evictionScript.apply(ref);
    }
    if (r == null) {
      r = evictByPdb(ref);
    }
    if (r.outcome() == EvictionResult.Outcome.EVICTED) {
      pods.remove(ref);
    }
    calls.add("evict " + ref + " -> " + r.outcome());
    return r;
  }

  private EvictionResult evictByPdb(PodRef ref) {
    PodInfo pod = pods.get(ref);
    if (pod == null) {
      return EvictionResult.gone();
    }
    if ("Pending".equals(pod.phase()) || pod.finished() || pod.terminating()) {
      // Nothing a budget protects runs in it (the API server skips the PDB check too).
      return EvictionResult.evicted();
    }
    for (PdbSpec s : pdbs) {
      PdbInfo st = status(s);
      boolean refused = pod.ready()
          ? st.disruptionsAllowed() < 1
          : st.currentHealthy() < st.desiredHealthy(); // IfHealthyBudget, the API server's default
      if (st.covers(pod) && refused) {
        return EvictionResult.blocked(
            "Cannot evict pod as it would violate the pod's disruption budget.", List.of(s.name()));
      }
    }
    return EvictionResult.evicted();
  }

  @Override
  public synchronized List<PodInfo> podsSelectedBy(String namespace, LabelSelector selector) {
    countRead("podsSelectedBy");
    return pods.values().stream()
        .filter(p -> p.ref().namespace().equals(namespace) && selector.matches(p.labels()))
        .toList();
  }

  /** Records {@code delete pod NS/NAME (REASON)} and removes the pod, as a graceful delete ends. */
  @Override
  public synchronized void deleteUnhealthyPod(PodRef ref, String reason) {
    calls.add("delete pod " + ref + " (" + reason + ")");
    pods.remove(ref);
  }

  @Override
  public synchronized void deleteNode(String nodeName) {
    maybeFail("deleteNode");
    calls.add("delete node " + nodeName);
    nodes.remove(nodeName);
  }

  @Override
  public PodWatch watchPodsOnNode(String nodeName) {
    return new PodWatch() {
      @Override
      public List<PodInfo> pods() {
        // A watch-fed view costs no request per look: not counted as a read.
        synchronized (InMemoryCluster.this) {
          return pods.values().stream().filter(p -> p.nodeName().equals(nodeName)).toList();
        }
      }

      @Override
      public boolean synced() {
        return true;
      }

      @Override
      public void close() {}
    };
  }

  private NodeInfo require(String name) {
    NodeInfo n = nodes.get(name);
    if (n == null) {
      throw new ClusterException(ClusterException.Kind.NOT_FOUND, "node " + name + " not found");
    }
    return n;
  }

  private static NodeInfo copy(NodeInfo n, boolean ready, boolean unschedulable, List<Taint> taints) {
    return new NodeInfo(
        n.name(), n.labels(), n.annotations(), n.kubeletVersion(), n.providerId(), ready, unschedulable,
        n.created(), taints);
  }
}
