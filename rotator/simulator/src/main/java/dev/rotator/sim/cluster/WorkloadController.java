package dev.rotator.sim.cluster;

import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceType;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The workload controllers, reconciling only what changed since the last tick:
 *
 * <ul>
 *   <li>Deployment → one ReplicaSet with the same replicas; ReplicaSet → replaces pods as soon as one is
 *       terminating (so an evicted pod's replacement starts during its grace period), scales down
 *       not-ready and newest pods first;
 *   <li>StatefulSet → pods {@code name-0..n-1}, a missing ordinal recreated only once the old pod is fully
 *       gone (same name);
 *   <li>DaemonSet → one pod per eligible node, bound directly, tolerating unschedulable and node-problem
 *       taints as the real controller adds;
 *   <li>static pods → a mirror pod per Ready node (annotation {@code kubernetes.io/config.mirror}, owned by
 *       the Node), recreated by the "kubelet" when missing.
 * </ul>
 */
public final class WorkloadController implements StoreListener {
  private static final String APPS = "apps/v1";

  private final ClusterStore store;
  private final Names names;
  private final List<PodTemplateSpec> staticPods;
  private final Map<String, Set<String>> podsByOwner = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  private boolean nodesChanged = true;

  /**
   * @param staticPods templates of static pods run on every node; each template's metadata gives the
   *     namespace and the name prefix
   */
  public WorkloadController(ClusterStore store, Names names, List<PodTemplateSpec> staticPods) {
    this.store = store;
    this.names = names;
    this.staticPods = List.copyOf(staticPods);
  }

  @Override
  public void onEvent(StoreEvent e) {
    ResourceType t = e.resource();
    if (t == ResourceTypes.PODS) {
      Pod old = (Pod) e.old();
      Pod now = (Pod) e.object();
      String key = ClusterStore.key(now);
      if (old != null) {
        PodFacts.controllerOf(old).ifPresent(r -> unindex(r.getUid(), key));
      }
      if (e.type() != StoreEvent.Type.DELETED) {
        PodFacts.controllerOf(now).ifPresent(r -> podsByOwner.computeIfAbsent(r.getUid(), u -> new TreeSet<>()).add(key));
      }
      PodFacts.controllerOf(now).ifPresent(r -> markOwner(r, now.getMetadata().getNamespace()));
    } else if (t == ResourceTypes.DEPLOYMENTS || t == ResourceTypes.REPLICASETS
        || t == ResourceTypes.STATEFULSETS || t == ResourceTypes.DAEMONSETS) {
      if (e.type() != StoreEvent.Type.DELETED) {
        dirty.add(t.kind() + "/" + e.namespace() + "/" + e.name());
      }
    } else if (t == ResourceTypes.NODES) {
      nodesChanged = true;
    }
  }

  private void unindex(String uid, String key) {
    Set<String> s = podsByOwner.get(uid);
    if (s != null) {
      s.remove(key);
      if (s.isEmpty()) {
        podsByOwner.remove(uid);
      }
    }
  }

  private void markOwner(OwnerReference r, String ns) {
    if (r.getKind().equals("Node")) {
      nodesChanged = true;
    } else {
      dirty.add(r.getKind() + "/" + ns + "/" + r.getName());
    }
  }

  /** Work left for the next tick (a status not yet brought up to date, a pod not yet replaced). */
  public boolean busy() {
    return store.read(() -> nodesChanged || !dirty.isEmpty());
  }

  public void tick(Instant now) {
    store.write(
        Cause.CONTROLLER,
        () -> {
          if (nodesChanged) {
            nodesChanged = false;
            store.list(ResourceTypes.DAEMONSETS, null).forEach(d -> dirty.add("DaemonSet/" + ClusterStore.key(d)));
            reconcileStaticPods(now);
          }
          for (String key : new ArrayList<>(dirty)) {
            dirty.remove(key);
            String[] p = key.split("/", 3);
            reconcile(p[0], p[1], p[2], now);
          }
        });
  }

  private void reconcile(String kind, String ns, String name, Instant now) {
    switch (kind) {
      case "Deployment" -> {
        Deployment d = store.get(ResourceTypes.DEPLOYMENTS, ns, name);
        if (d != null) {
          reconcileDeployment(d);
        }
      }
      case "ReplicaSet" -> {
        ReplicaSet rs = store.get(ResourceTypes.REPLICASETS, ns, name);
        if (rs != null) {
          reconcileReplicaSet(rs, now);
        }
      }
      case "StatefulSet" -> {
        StatefulSet s = store.get(ResourceTypes.STATEFULSETS, ns, name);
        if (s != null) {
          reconcileStatefulSet(s, now);
        }
      }
      case "DaemonSet" -> {
        DaemonSet d = store.get(ResourceTypes.DAEMONSETS, ns, name);
        if (d != null) {
          reconcileDaemonSet(d, now);
        }
      }
      default -> {
        // Pods owned by kinds we do not simulate (Jobs, custom controllers) are left alone.
      }
    }
  }

  // ---------------------------------------------------------------- Deployment / ReplicaSet

  private void reconcileDeployment(Deployment d) {
    String ns = d.getMetadata().getNamespace();
    String hash = Names.stableHash(d.getMetadata().getUid(), 10);
    String rsName = d.getMetadata().getName() + "-" + hash;
    int replicas = replicas(d.getSpec().getReplicas());
    ReplicaSet rs = store.get(ResourceTypes.REPLICASETS, ns, rsName);
    if (rs == null) {
      PodTemplateSpec tpl = copyTemplate(d.getSpec().getTemplate());
      tpl.getMetadata().getLabels().put("pod-template-hash", hash);
      Map<String, String> labels = new LinkedHashMap<>(tpl.getMetadata().getLabels());
      store.create(
          ResourceTypes.REPLICASETS,
          new ReplicaSetBuilder()
              .withMetadata(
                  new ObjectMetaBuilder()
                      .withName(rsName)
                      .withNamespace(ns)
                      .withLabels(labels)
                      .withOwnerReferences(ownerRef(d))
                      .build())
              .withNewSpec()
              .withReplicas(replicas)
              .withNewSelector()
              .withMatchLabels(labels)
              .endSelector()
              .withTemplate(tpl)
              .endSpec()
              .build());
      return;
    }
    if (replicas(rs.getSpec().getReplicas()) != replicas) {
      store.<ReplicaSet>modify(ResourceTypes.REPLICASETS, ns, rsName, r -> r.getSpec().setReplicas(replicas));
    }
    ReplicaSetStatus rss = rs.getStatus();
    int ready = rss == null || rss.getReadyReplicas() == null ? 0 : rss.getReadyReplicas();
    int current = rss == null || rss.getReplicas() == null ? 0 : rss.getReplicas();
    DeploymentStatus s = new DeploymentStatus();
    s.setObservedGeneration(d.getMetadata().getGeneration());
    s.setReplicas(current);
    s.setUpdatedReplicas(current);
    s.setReadyReplicas(ready);
    s.setAvailableReplicas(ready);
    s.setUnavailableReplicas(Math.max(0, replicas - ready));
    if (!s.equals(d.getStatus())) {
      store.<Deployment>modify(ResourceTypes.DEPLOYMENTS, ns, d.getMetadata().getName(), x -> x.setStatus(s));
    }
  }

  /**
   * {@code <prefix>-<5 random chars>} not taken in the namespace. 27^5 suffixes collide by the birthday
   * bound once a namespace holds thousands of one workload's pods (the large scenario's DaemonSets), so a
   * taken one is drawn again, as the API server's generateName does; bounded.
   */
  private String freshPodName(String ns, String prefix) {
    for (int attempt = 0; attempt < 100; attempt++) {
      String name = prefix + "-" + names.suffix(5);
      if (store.get(ResourceTypes.PODS, ns, name) == null) {
        return name;
      }
    }
    throw new IllegalStateException("no free pod name for " + ns + "/" + prefix + "-* after 100 draws");
  }

  private void reconcileReplicaSet(ReplicaSet rs, Instant now) {
    String ns = rs.getMetadata().getNamespace();
    List<Pod> active = activePods(rs);
    int want = replicas(rs.getSpec().getReplicas());
    for (int i = active.size(); i < want; i++) {
      String name = freshPodName(ns, rs.getMetadata().getName());
      store.create(ResourceTypes.PODS, podFrom(rs, rs.getSpec().getTemplate(), ns, name, null, Map.of()));
    }
    if (active.size() > want) {
      active.stream()
          .sorted(
              Comparator.comparing((Pod p) -> PodFacts.isReady(p))
                  .thenComparing((Pod p) -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()))
          .limit(active.size() - want)
          .forEach(p -> terminate(p, now));
    }
    List<Pod> after = activePods(rs);
    int ready = (int) after.stream().filter(PodFacts::isReady).count();
    ReplicaSetStatus s = new ReplicaSetStatus();
    s.setObservedGeneration(rs.getMetadata().getGeneration());
    s.setReplicas(after.size());
    s.setFullyLabeledReplicas(after.size());
    s.setReadyReplicas(ready);
    s.setAvailableReplicas(ready);
    if (!s.equals(rs.getStatus())) {
      store.<ReplicaSet>modify(ResourceTypes.REPLICASETS, ns, rs.getMetadata().getName(), x -> x.setStatus(s));
    }
    PodFacts.controllerOf(rs)
        .filter(r -> r.getKind().equals("Deployment"))
        .ifPresent(r -> dirty.add("Deployment/" + ns + "/" + r.getName()));
  }

  // ---------------------------------------------------------------- StatefulSet

  private void reconcileStatefulSet(StatefulSet sts, Instant now) {
    String ns = sts.getMetadata().getNamespace();
    String base = sts.getMetadata().getName();
    int want = replicas(sts.getSpec().getReplicas());
    for (int i = 0; i < want; i++) {
      String name = base + "-" + i;
      if (store.get(ResourceTypes.PODS, ns, name) == null) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("statefulset.kubernetes.io/pod-name", name);
        extra.put("apps.kubernetes.io/pod-index", Integer.toString(i));
        Pod p = podFrom(sts, sts.getSpec().getTemplate(), ns, name, null, extra);
        p.getSpec().setHostname(name);
        store.create(ResourceTypes.PODS, p);
      }
    }
    for (Pod p : activePods(sts)) {
      String suffix = p.getMetadata().getName().substring(base.length() + 1);
      if (suffix.matches("\\d+") && Integer.parseInt(suffix) >= want) {
        terminate(p, now);
      }
    }
    List<Pod> after = activePods(sts);
    int ready = (int) after.stream().filter(PodFacts::isReady).count();
    StatefulSetStatus s = new StatefulSetStatus();
    s.setObservedGeneration(sts.getMetadata().getGeneration());
    s.setReplicas(after.size());
    s.setCurrentReplicas(after.size());
    s.setUpdatedReplicas(after.size());
    s.setReadyReplicas(ready);
    s.setAvailableReplicas(ready);
    if (!s.equals(sts.getStatus())) {
      store.<StatefulSet>modify(ResourceTypes.STATEFULSETS, ns, base, x -> x.setStatus(s));
    }
  }

  // ---------------------------------------------------------------- DaemonSet and static pods

  private void reconcileDaemonSet(DaemonSet ds, Instant now) {
    String ns = ds.getMetadata().getNamespace();
    PodTemplateSpec tpl = ds.getSpec().getTemplate();
    List<Toleration> tolerations = new ArrayList<>(daemonTolerations());
    if (tpl.getSpec().getTolerations() != null) {
      tolerations.addAll(tpl.getSpec().getTolerations());
    }
    Map<String, Pod> byNode = new HashMap<>();
    List<Pod> active = activePods(ds);
    active.forEach(p -> byNode.put(PodFacts.nodeName(p), p));
    int desired = 0;
    Set<String> eligibleNames = new TreeSet<>();
    for (Node n : store.list(ResourceTypes.NODES, null, Node.class)) {
      if (!eligible(n, tpl.getSpec(), tolerations)) {
        continue;
      }
      desired++;
      String node = n.getMetadata().getName();
      eligibleNames.add(node);
      if (!byNode.containsKey(node)) {
        Pod p = podFrom(ds, tpl, ns, freshPodName(ns, ds.getMetadata().getName()), node, Map.of());
        p.getSpec().setTolerations(tolerations);
        store.create(ResourceTypes.PODS, p);
      }
    }
    for (Pod p : active) {
      String node = PodFacts.nodeName(p);
      if (store.get(ResourceTypes.NODES, null, node) != null && !eligibleNames.contains(node)) {
        terminate(p, now);
      }
    }
    List<Pod> after = activePods(ds);
    int ready = (int) after.stream().filter(PodFacts::isReady).count();
    DaemonSetStatus s = new DaemonSetStatus();
    s.setObservedGeneration(ds.getMetadata().getGeneration());
    s.setDesiredNumberScheduled(desired);
    s.setCurrentNumberScheduled(after.size());
    s.setUpdatedNumberScheduled(after.size());
    s.setNumberReady(ready);
    s.setNumberAvailable(ready);
    s.setNumberUnavailable(Math.max(0, desired - ready));
    s.setNumberMisscheduled(0);
    if (!s.equals(ds.getStatus())) {
      store.<DaemonSet>modify(ResourceTypes.DAEMONSETS, ns, ds.getMetadata().getName(), x -> x.setStatus(s));
    }
  }

  private void reconcileStaticPods(Instant now) {
    if (staticPods.isEmpty()) {
      return;
    }
    for (Node n : store.list(ResourceTypes.NODES, null, Node.class)) {
      if (!PodFacts.isNodeReady(n)) {
        continue; // the kubelet that would create the mirror pod is not running
      }
      String node = n.getMetadata().getName();
      for (PodTemplateSpec tpl : staticPods) {
        String ns = tpl.getMetadata().getNamespace();
        String name = tpl.getMetadata().getName() + "-" + node;
        if (store.get(ResourceTypes.PODS, ns, name) == null) {
          Pod p = podFrom(n, tpl, ns, name, node, Map.of());
          p.getMetadata().getAnnotations().put(PodFacts.MIRROR_ANNOTATION, Names.stableHash(name, 16));
          store.create(ResourceTypes.PODS, p);
        }
      }
    }
  }

  private static boolean eligible(Node n, PodSpec spec, List<Toleration> tolerations) {
    Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    Map<String, String> sel = spec.getNodeSelector() == null ? Map.of() : spec.getNodeSelector();
    if (!sel.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return false;
    }
    List<Taint> taints = n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
    return taints.stream()
        .filter(t -> !"PreferNoSchedule".equals(t.getEffect()))
        .allMatch(t -> Scheduler.tolerates(tolerations, t));
  }

  private static List<Toleration> daemonTolerations() {
    return List.of(
        tol("node.kubernetes.io/not-ready", "NoExecute"),
        tol("node.kubernetes.io/unreachable", "NoExecute"),
        tol("node.kubernetes.io/disk-pressure", "NoSchedule"),
        tol("node.kubernetes.io/memory-pressure", "NoSchedule"),
        tol("node.kubernetes.io/pid-pressure", "NoSchedule"),
        tol("node.kubernetes.io/unschedulable", "NoSchedule"));
  }

  private static Toleration tol(String key, String effect) {
    return new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build();
  }

  // ---------------------------------------------------------------- shared

  /** Owned pods that are neither terminating nor finished. */
  private List<Pod> activePods(HasMetadata owner) {
    List<Pod> out = new ArrayList<>();
    for (String key : podsByOwner.getOrDefault(owner.getMetadata().getUid(), Set.of())) {
      String[] nsName = key.split("/", 2);
      Pod p = store.get(ResourceTypes.PODS, nsName[0], nsName[1]);
      if (p != null && !PodFacts.isTerminating(p) && !PodFacts.isFinished(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Scale-down: graceful deletion, like the controller's DELETE with the pod's grace period. */
  private void terminate(Pod p, Instant now) {
    long grace = p.getSpec().getTerminationGracePeriodSeconds() == null ? 30 : p.getSpec().getTerminationGracePeriodSeconds();
    store.<Pod>modify(
        ResourceTypes.PODS,
        p.getMetadata().getNamespace(),
        p.getMetadata().getName(),
        q -> {
          q.getMetadata().setDeletionTimestamp(ClusterStore.timestamp(now.plusSeconds(grace)));
          q.getMetadata().setDeletionGracePeriodSeconds(grace);
        });
  }

  private static Pod podFrom(
      HasMetadata owner, PodTemplateSpec tpl, String ns, String name, String nodeName, Map<String, String> extraLabels) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (tpl.getMetadata() != null && tpl.getMetadata().getLabels() != null) {
      labels.putAll(tpl.getMetadata().getLabels());
    }
    labels.putAll(extraLabels);
    Map<String, String> annotations = new LinkedHashMap<>();
    if (tpl.getMetadata() != null && tpl.getMetadata().getAnnotations() != null) {
      annotations.putAll(tpl.getMetadata().getAnnotations());
    }
    PodSpec spec = new PodSpecBuilder(tpl.getSpec()).build();
    spec.setSchedulerName(Objects.requireNonNullElse(spec.getSchedulerName(), "default-scheduler"));
    spec.setRestartPolicy(Objects.requireNonNullElse(spec.getRestartPolicy(), "Always"));
    if (spec.getTerminationGracePeriodSeconds() == null) {
      spec.setTerminationGracePeriodSeconds(30L);
    }
    if (nodeName != null) {
      spec.setNodeName(nodeName);
    }
    Pod p = new Pod();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(ns)
            .withLabels(labels)
            .withAnnotations(annotations)
            .withOwnerReferences(ownerRef(owner))
            .build());
    p.setSpec(spec);
    p.setStatus(new PodStatusBuilder().withPhase("Pending").withQosClass("Burstable").build());
    return p;
  }

  private static OwnerReference ownerRef(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner instanceof Node ? "v1" : APPS)
        .withKind(owner.getKind() != null ? owner.getKind() : owner.getClass().getSimpleName())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static PodTemplateSpec copyTemplate(PodTemplateSpec t) {
    PodTemplateSpec c = new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder(t).build();
    if (c.getMetadata() == null) {
      c.setMetadata(new ObjectMetaBuilder().build());
    }
    c.getMetadata().setLabels(new LinkedHashMap<>(c.getMetadata().getLabels() == null ? Map.of() : c.getMetadata().getLabels()));
    return c;
  }

  private static int replicas(Integer r) {
    return r == null ? 1 : r;
  }
}
