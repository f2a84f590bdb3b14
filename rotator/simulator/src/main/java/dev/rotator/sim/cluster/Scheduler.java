package dev.rotator.sim.cluster;

import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds pending pods to nodes, the way kube-scheduler's default plugins would for these pods:
 *
 * <ol>
 *   <li>filter: node Ready; not unschedulable (unless the pod tolerates {@code
 *       node.kubernetes.io/unschedulable}); every NoSchedule/NoExecute taint tolerated; nodeSelector
 *       matches; CPU and memory requests fit in allocatable minus what bound pods request;
 *   <li>prefer nodes without an untolerated PreferNoSchedule taint (so pods leave outdated nodes once);
 *   <li>among those, least allocated first (mean free CPU and memory fraction after placing), then name.
 * </ol>
 *
 * Pods that fit nowhere get {@code PodScheduled=False, reason Unschedulable} with the filter counts.
 * Requested resources per node are kept incrementally from store events, so a tick costs O(pending ×
 * nodes), not O(all pods).
 */
public final class Scheduler implements StoreListener {
  private static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

  private final ClusterStore store;
  private final Set<String> pending = new TreeSet<>();
  private final Map<String, Resources> requested = new HashMap<>();
  private final Map<String, Resources> requestsByUid = new HashMap<>();

  /** What filtering needs of a node, read once per tick. */
  private record NodeView(
      String name,
      boolean ready,
      boolean unschedulable,
      List<Taint> hardTaints,
      List<Taint> softTaints,
      Map<String, String> labels,
      Resources allocatable) {
    static NodeView of(Node n) {
      List<Taint> hard = new ArrayList<>();
      List<Taint> soft = new ArrayList<>();
      if (n.getSpec().getTaints() != null) {
        for (Taint t : n.getSpec().getTaints()) {
          ("PreferNoSchedule".equals(t.getEffect()) ? soft : hard).add(t);
        }
      }
      return new NodeView(
          n.getMetadata().getName(),
          PodFacts.isNodeReady(n),
          PodFacts.isUnschedulable(n),
          hard,
          soft,
          n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels(),
          PodFacts.allocatable(n));
    }
  }

  public Scheduler(ClusterStore store) {
    this.store = store;
  }

  @Override
  public void onEvent(StoreEvent e) {
    if (e.resource() != ResourceTypes.PODS) {
      return;
    }
    Pod old = (Pod) e.old();
    Pod now = e.type() == StoreEvent.Type.DELETED ? null : (Pod) e.object();
    if (old != null && occupies(old)) {
      Resources r = requests(old);
      requested.compute(old.getSpec().getNodeName(), (k, v) -> (v == null ? Resources.ZERO : v).minus(r));
    }
    if (now != null && occupies(now)) {
      Resources r = requests(now);
      requested.compute(now.getSpec().getNodeName(), (k, v) -> (v == null ? Resources.ZERO : v).plus(r));
    }
    if (now == null) {
      requestsByUid.remove(e.object().getMetadata().getUid());
    }
    String key = ClusterStore.key(e.object());
    if (now != null && !PodFacts.isBound(now) && !PodFacts.isTerminating(now) && !PodFacts.isFinished(now)) {
      pending.add(key);
    } else {
      pending.remove(key);
    }
  }

  /** Container requests are immutable in a pod's life: parse them once. */
  private Resources requests(Pod p) {
    return requestsByUid.computeIfAbsent(p.getMetadata().getUid(), u -> Resources.requestsOf(p));
  }

  /** Bound and not finished: its requests are reserved on the node (terminating pods still hold them). */
  private static boolean occupies(Pod p) {
    return PodFacts.isBound(p) && !PodFacts.isFinished(p);
  }

  public boolean hasPending() {
    return store.read(() -> !pending.isEmpty());
  }

  /** Tries to place every pending pod once. */
  public void tick(Instant now) {
    store.write(
        Cause.SCHEDULER,
        () -> {
          if (pending.isEmpty()) {
            return;
          }
          List<NodeView> nodes = store.list(ResourceTypes.NODES, null, Node.class).stream().map(NodeView::of).toList();
          List<Pod> pods = new ArrayList<>();
          for (String k : pending) {
            String[] nsName = k.split("/", 2);
            Pod p = store.get(ResourceTypes.PODS, nsName[0], nsName[1]);
            if (p != null) {
              pods.add(p);
            }
          }
          pods.sort(
              Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
                  .thenComparing((Pod p) -> ClusterStore.key(p)));
          String ts = ClusterStore.timestamp(now);
          for (Pod p : pods) {
            place(p, nodes, ts);
          }
        });
  }

  private void place(Pod pod, List<NodeView> nodes, String ts) {
    Resources req = requests(pod);
    List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
    Map<String, String> selector = pod.getSpec().getNodeSelector() == null ? Map.of() : pod.getSpec().getNodeSelector();
    boolean toleratesCordon = tolerates(tolerations, UNSCHEDULABLE);
    int notReady = 0;
    int cordoned = 0;
    int tainted = 0;
    int mismatch = 0;
    int full = 0;
    NodeView best = null;
    boolean bestPreferred = false;
    double bestScore = -1;
    for (NodeView n : nodes) {
      if (!n.ready()) {
        notReady++;
        continue;
      }
      if (n.unschedulable() && !toleratesCordon) {
        cordoned++;
        continue;
      }
      if (!toleratesAll(tolerations, n.hardTaints())) {
        tainted++;
        continue;
      }
      if (!selector.isEmpty() && !matches(selector, n.labels())) {
        mismatch++;
        continue;
      }
      Resources alloc = n.allocatable();
      Resources used = requested.getOrDefault(n.name(), Resources.ZERO);
      long freeCpu = alloc.cpuMillis() - used.cpuMillis() - req.cpuMillis();
      long freeMem = alloc.memoryBytes() - used.memoryBytes() - req.memoryBytes();
      if (freeCpu < 0 || freeMem < 0) {
        full++;
        continue;
      }
      boolean preferred = toleratesAll(tolerations, n.softTaints());
      if (best != null && bestPreferred && !preferred) {
        continue;
      }
      double score = (fraction(freeCpu, alloc.cpuMillis()) + fraction(freeMem, alloc.memoryBytes())) / 2;
      if (best == null || (preferred && !bestPreferred) || score > bestScore) {
        best = n;
        bestPreferred = preferred;
        bestScore = score;
      }
    }
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    if (best != null) {
      String node = best.name();
      store.<Pod>modify(
          ResourceTypes.PODS,
          ns,
          name,
          p -> {
            p.getSpec().setNodeName(node);
            PodFacts.setCondition(p, "PodScheduled", "True", null, null, ts);
          });
      return;
    }
    String message =
        String.format(
            "0/%d nodes are available: %d node(s) not ready, %d node(s) were unschedulable, %d node(s) had"
                + " untolerated taints, %d node(s) didn't match node selector, %d Insufficient cpu or memory.",
            nodes.size(), notReady, cordoned, tainted, mismatch, full);
    store.<Pod>modify(
        ResourceTypes.PODS, ns, name, p -> PodFacts.setCondition(p, "PodScheduled", "False", "Unschedulable", message, ts));
  }

  private static double fraction(long free, long total) {
    return total <= 0 ? 0 : (double) free / total;
  }

  private static final Taint UNSCHEDULABLE = unschedulableTaint();

  private static Taint unschedulableTaint() {
    Taint t = new Taint();
    t.setKey(UNSCHEDULABLE_TAINT);
    t.setEffect("NoSchedule");
    return t;
  }

  private static boolean toleratesAll(List<Toleration> tolerations, List<Taint> taints) {
    for (int i = 0; i < taints.size(); i++) {
      if (!tolerates(tolerations, taints.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Kubernetes' ToleratesTaint. */
  public static boolean tolerates(List<Toleration> tolerations, Taint taint) {
    for (Toleration t : tolerations) {
      boolean effectOk = t.getEffect() == null || t.getEffect().isEmpty() || t.getEffect().equals(taint.getEffect());
      if (!effectOk) {
        continue;
      }
      String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
      if (t.getKey() == null || t.getKey().isEmpty()) {
        if (op.equals("Exists")) {
          return true;
        }
        continue;
      }
      if (!t.getKey().equals(taint.getKey())) {
        continue;
      }
      if (op.equals("Exists")) {
        return true;
      }
      String tv = t.getValue() == null ? "" : t.getValue();
      String v = taint.getValue() == null ? "" : taint.getValue();
      if (tv.equals(v)) {
        return true;
      }
    }
    return false;
  }
}
