package dev.rotator.sim.record;

import dev.rotator.core.engine.KubeVersion;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.provider.fake.InstanceState;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.api.ApiFaults;
import dev.rotator.sim.api.ApiObserver;
import dev.rotator.sim.cluster.Disruption;
import dev.rotator.sim.cluster.NodeLifecycle;
import dev.rotator.sim.cluster.PdbTracker;
import dev.rotator.sim.cluster.PodFacts;
import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Records what really happened in the simulated cluster, from the store's events and the cloud's
 * callbacks only, never from the rotator's claims. All state is touched under the store's lock.
 *
 * <ul>
 *   <li><b>PDB violation</b>: a covered pod that was healthy (Ready, not terminating) leaves by any way
 *       other than an accepted eviction (API DELETE, its node lost or deleted under it) and its PDB then has
 *       fewer healthy pods than it requires (equivalently: the PDB had no disruption to spare);
 *   <li><b>pods lost</b>: pods that leave other than by eviction or their controller's own scale-down:
 *       evicted pods without a controller, pods deleted through the API, pods running on a node that was
 *       deleted or whose instance was terminated (DaemonSet and mirror pods excepted, they belong to the
 *       node); plus, at report time, ready replicas missing from workloads (a DaemonSet pod waiting for a
 *       NotReady node's kubelet never ran and is not counted);
 *   <li><b>invariants</b>: an instance terminated or a Node deleted through the API while non-DaemonSet
 *       pods ran on it; a pod DELETE that is not an accepted unhealthy-pod delete (below): a force delete
 *       ({@code gracePeriodSeconds: 0}), a DELETE of a Ready pod (it bypasses the PDB), a DELETE of a pod not
 *       Ready for less than the scenario allows or outside its scope;
 *   <li><b>unhealthy pod deletes</b>: a graceful DELETE of a pod that has been not Ready (its Ready condition's
 *       last transition) for at least the scenario's {@link Scenario.UnhealthyPodDeletes#after()}, in its scope
 *       (the scenario's {@code rotator.policy.unhealthyPodEviction}); counted apart, not a violation, and its pod
 *       is not lost when a controller recreates it;
 *   <li><b>disruptive actions</b>, with their simulated time: a Node turning unschedulable (cordon), an
 *       eviction accepted, a Node deleted through the API, an instance terminated, a group's desired
 *       capacity changed (seen at the next tick, so up to one simulated second late; a decrease that
 *       comes with terminations in the group is counted as those terminations);
 *   <li><b>disruptive actions after FREEZE</b>: those later than one check interval (the scenario's grace)
 *       after rotator's persisted mode turned FREEZE, while it stays FREEZE;
 *   <li><b>rollback actions</b>: while the mode is FREEZE, actions on nodes and instances of node groups that
 *       did not exist at the start (the new pool of a node-pool switch being rolled back: its cordons, its
 *       evictions, its Node deletions, its instances' terminations) are compensating actions, undoing what the
 *       run created: counted apart, not as disruptive actions after the freeze. The invariants above still apply
 *       to them (a Node deleted or an instance terminated with pods on it is a violation; evictions go through
 *       the Eviction API, which checks the PDBs);
 *   <li><b>who did it</b>: every change is attributed to its author. The scenario's fault injector and API
 *       clients whose User-Agent starts with {@value ApiFaults#SIMULATOR_USER_AGENT} are "someone else"; every
 *       other API client is judged as the rotator under test. A Node deleted by someone else loses its pods to
 *       them: those go to {@code podsLostToOthers}, and the PDB budgets they break to {@code actionsByOthers},
 *       not to rotator's violations.
 * </ul>
 */
public final class Recorder implements StoreListener, FakeCloud.Listener, ApiObserver {
  public static final String STATE_NAMESPACE = "rotator-system";
  public static final String STATE_CONFIGMAP = "rotator-state";

  private final ClusterStore store;
  private final FakeCloud cloud;
  private final PdbTracker pdbs;
  private final Instant simStart;
  private final List<String> groups;

  private boolean armed;
  private final Map<String, String> originalInstance = new LinkedHashMap<>();
  private final Set<String> outdatedAtStart = new TreeSet<>();
  private final Set<String> deletedNodes = new HashSet<>();
  private final Set<String> terminatedInstances = new HashSet<>();
  private final Set<String> readySchedulable = new HashSet<>();
  private int baseline;
  private int maxUnavailable;
  private Instant firstDisruption;
  /** The first disruptive action: a surge (raised desired capacity), a cordon or an accepted eviction. */
  private Instant makespanStart;
  private Instant completedAt;

  private final Map<String, Observations.PdbLow> lowByPdb = new TreeMap<>();
  private final List<String> pdbViolations = new ArrayList<>();
  private final Set<String> departed = new HashSet<>();
  private final List<String> lost = new ArrayList<>();
  private final List<String> invariants = new ArrayList<>();
  private long evictionsAccepted;
  private long evictionsRefused;
  private long podDeleteRequests;
  private String lastMode;
  private final List<Observations.Freeze> freezes = new ArrayList<>();
  private final List<Observations.Action> actions = new ArrayList<>();
  private final Map<String, Integer> lastDesired = new HashMap<>();
  private final Map<String, Integer> terminatedSinceTick = new HashMap<>();

  private final Duration grace;
  private final Scenario.UnhealthyPodDeletes allowedDeletes;
  /** While the mode is FREEZE: since when; null otherwise. */
  private Instant frozenSince;
  private final List<String> afterFreeze = new ArrayList<>();
  private final List<Observations.Action> rollbackActions = new ArrayList<>();
  /** Pod uids whose DELETE was an accepted unhealthy-pod delete. */
  private final Set<String> unhealthyDeleted = new HashSet<>();
  private final List<String> unhealthyDeletes = new ArrayList<>();
  /** Nodes deleted, and pod uids deleted, by someone other than rotator. */
  private final Set<String> nodesDeletedByOthers = new HashSet<>();
  private final Set<String> podsDeletedByOthers = new HashSet<>();
  private final List<String> lostToOthers = new ArrayList<>();
  private final List<String> byOthers = new ArrayList<>();

  /**
   * A recorder that accepts no pod DELETE and judges a freeze with the default check interval (15 s).
   *
   * @param groups the cloud's node group ids, whose desired capacity is watched
   */
  public Recorder(ClusterStore store, FakeCloud cloud, PdbTracker pdbs, Instant simStart, List<String> groups) {
    this(store, cloud, pdbs, simStart, groups, Scenario.Timing.DEFAULTS.grace(), Scenario.UnhealthyPodDeletes.NONE);
  }

  /**
   * @param groups the cloud's node group ids at the start, whose desired capacity is watched
   * @param grace one check interval: how long after a FREEZE an action may still be one started before it
   * @param allowedDeletes which graceful DELETEs of not-Ready pods are accepted
   */
  public Recorder(ClusterStore store, FakeCloud cloud, PdbTracker pdbs, Instant simStart, List<String> groups,
      Duration grace, Scenario.UnhealthyPodDeletes allowedDeletes) {
    this.grace = grace;
    this.allowedDeletes = allowedDeletes;
    this.groups = List.copyOf(groups);
    this.store = store;
    this.pdbs = pdbs;
    this.cloud = cloud;
    this.simStart = simStart;
  }

  /** Starts recording: the cluster as it is now is the baseline. */
  public void arm() {
    store.read(
        () -> {
          for (Node n : store.list(ResourceTypes.NODES, null, Node.class)) {
            String name = n.getMetadata().getName();
            cloud.peekInstanceOf(n.getSpec().getProviderID())
                .ifPresent(ref -> originalInstance.put(name, ref.instanceId()));
            String group = n.getMetadata().getLabels().get(NodeLifecycle.GROUP_LABEL);
            if (group != null && isBelow(PodFacts.kubeletVersion(n), cloud.targetVersion(group))) {
              outdatedAtStart.add(name);
            }
            if (readyAndSchedulable(n)) {
              readySchedulable.add(name);
            }
          }
          baseline = readySchedulable.size();
          for (PodDisruptionBudget pdb : store.list(ResourceTypes.PDBS, null, PodDisruptionBudget.class)) {
            notePdb(pdb);
          }
          ConfigMap state = store.get(ResourceTypes.CONFIGMAPS, STATE_NAMESPACE, STATE_CONFIGMAP);
          lastMode = state == null || state.getData() == null ? null : state.getData().get("mode");
          frozenSince = "FREEZE".equals(lastMode) ? now() : null;
          for (String g : groups) {
            lastDesired.put(g, cloud.peekGroup(g).desired());
          }
          armed = true;
          checkComplete();
          return null;
        });
  }

  private static boolean isBelow(String version, String target) {
    try {
      return KubeVersion.parse(version).compareTo(KubeVersion.parse(target)) < 0;
    } catch (IllegalArgumentException e) {
      // Not a Kubernetes version: the selector could not call it outdated either.
      return false;
    }
  }

  // ---------------------------------------------------------------- store events

  @Override
  public void onEvent(StoreEvent e) {
    if (!armed) {
      return;
    }
    if (e.resource() == ResourceTypes.PODS) {
      onPod(e);
    } else if (e.resource() == ResourceTypes.NODES) {
      onNode(e);
    } else if (e.resource() == ResourceTypes.PDBS && e.type() != StoreEvent.Type.DELETED) {
      notePdb((PodDisruptionBudget) e.object());
    } else if (e.resource() == ResourceTypes.CONFIGMAPS
        && STATE_NAMESPACE.equals(e.namespace())
        && STATE_CONFIGMAP.equals(e.name())) {
      onState(e);
    }
  }

  private void onPod(StoreEvent e) {
    Pod old = (Pod) e.old();
    Pod now = e.type() == StoreEvent.Type.DELETED ? null : (Pod) e.object();
    if (old == null) {
      return;
    }
    boolean wasActive = !PodFacts.isTerminating(old) && !PodFacts.isFinished(old);
    boolean leaves =
        now == null || PodFacts.isTerminating(now) || (e.cause() == Cause.NODE_LOST && PodFacts.isReady(old));
    if (wasActive && leaves && departed.add(old.getMetadata().getUid())) {
      countLoss(old, e.cause());
    }
    boolean wasHealthy = PodFacts.isHealthy(old);
    boolean isHealthy = now != null && PodFacts.isHealthy(now);
    // DaemonSet and mirror pods leave with their node by design (drain skips them), so only an API DELETE
    // of one counts against its PDB.
    boolean exempt = PodFacts.belongsToNode(old) && e.cause() != Cause.API_DELETE;
    if (wasHealthy && !isHealthy && disruptive(e.cause()) && !exempt) {
      boolean others = byOthers(old, e.cause());
      for (PodDisruptionBudget pdb : pdbs.pdbsFor(old)) {
        Disruption.Health h = pdbs.health(pdb);
        if (h.currentHealthy() < h.desiredHealthy()) {
          (others ? byOthers : pdbViolations).add(
              (others ? "someone else: " : "") + String.format(
                  "PDB %s: pod %s left (%s) with no disruption allowed; healthy %d < desired %d at %.0fs",
                  ClusterStore.key(pdb), ClusterStore.key(old), describe(e.cause()), h.currentHealthy(),
                  h.desiredHealthy(), seconds(now())));
        }
      }
    }
  }

  /** The pod went because of someone other than rotator: its Node or the pod itself was deleted by them. */
  private boolean byOthers(Pod p, Cause c) {
    return (c == Cause.POD_GC && nodesDeletedByOthers.contains(PodFacts.nodeName(p)))
        || (c == Cause.API_DELETE && podsDeletedByOthers.contains(p.getMetadata().getUid()));
  }

  /** Ways a pod goes that a PDB is meant to guard against (eviction is checked by the API itself). */
  private static boolean disruptive(Cause c) {
    return c == Cause.API_DELETE || c == Cause.POD_GC || c == Cause.NODE_LOST;
  }

  private void countLoss(Pod p, Cause c) {
    if (byOthers(p, c)) {
      if (!PodFacts.belongsToNode(p)) {
        lostToOthers.add("pod " + ClusterStore.key(p) + (c == Cause.POD_GC
            ? " running on node " + PodFacts.nodeName(p) + " when someone else deleted the Node"
            : " deleted through the API by someone else"));
      }
      return;
    }
    if (c == Cause.API_DELETE && unhealthyDeleted.contains(p.getMetadata().getUid())) {
      if (PodFacts.controllerOf(p).isEmpty()) {
        lost.add("pod " + ClusterStore.key(p) + " deleted (not Ready) without a controller to recreate it");
      }
      return;
    }
    String why =
        switch (c) {
          case EVICTION -> PodFacts.controllerOf(p).isPresent() ? null : "evicted without a controller to recreate it";
          case API_DELETE -> "deleted through the API";
          case POD_GC -> PodFacts.belongsToNode(p) ? null : "running on node " + PodFacts.nodeName(p) + " when the Node was deleted";
          case NODE_LOST -> PodFacts.belongsToNode(p) ? null : "running on node " + PodFacts.nodeName(p) + " when its instance was terminated";
          default -> null;
        };
    if (why != null) {
      lost.add("pod " + ClusterStore.key(p) + " " + why);
    }
  }

  private void onNode(StoreEvent e) {
    Node old = (Node) e.old();
    Node now = e.type() == StoreEvent.Type.DELETED ? null : (Node) e.object();
    String name = e.name();
    if (now != null && readyAndSchedulable(now)) {
      readySchedulable.add(name);
    } else {
      readySchedulable.remove(name);
    }
    maxUnavailable = Math.max(maxUnavailable, baseline - readySchedulable.size());
    if (old != null && now != null && !PodFacts.isUnschedulable(old) && PodFacts.isUnschedulable(now)) {
      disruptionStarted();
      action("cordon node " + name, groupOf(now));
    }
    if (now == null) {
      deletedNodes.add(name);
      Node last = (Node) e.object();
      if (e.cause() == Cause.FAULT) {
        nodesDeletedByOthers.add(name);
      }
      if (nodesDeletedByOthers.contains(name)) {
        List<String> running = runningPods(name);
        byOthers.add(String.format(java.util.Locale.ROOT, "%.1fs: someone else deleted Node %s%s", seconds(now()),
            name, running.isEmpty() ? "" : " while it ran pods: " + String.join(", ", running)));
      } else if (e.cause() == Cause.API_DELETE) {
        action("delete Node " + name, groupOf(last));
        List<String> running = runningPods(name);
        if (!running.isEmpty()) {
          invariants.add("Node " + name + " deleted while it ran pods: " + String.join(", ", running));
        }
      }
      checkComplete();
    } else if (PodFacts.isNodeReady(now) && (old == null || !PodFacts.isNodeReady(old))) {
      checkComplete();
    }
  }

  private void notePdb(PodDisruptionBudget pdb) {
    if (pdb.getStatus() == null || pdb.getStatus().getCurrentHealthy() == null) {
      return;
    }
    int healthy = pdb.getStatus().getCurrentHealthy();
    int desired = pdb.getStatus().getDesiredHealthy() == null ? 0 : pdb.getStatus().getDesiredHealthy();
    Observations.PdbLow low = lowByPdb.get(ClusterStore.key(pdb));
    if (low == null || healthy < low.minHealthy()) {
      lowByPdb.put(ClusterStore.key(pdb), new Observations.PdbLow(healthy, desired));
    }
  }

  private void onState(StoreEvent e) {
    ConfigMap cm = e.type() == StoreEvent.Type.DELETED ? null : (ConfigMap) e.object();
    Map<String, String> data = cm == null || cm.getData() == null ? Map.of() : cm.getData();
    String mode = data.get("mode");
    if ("FREEZE".equals(mode) && !"FREEZE".equals(lastMode)) {
      frozenSince = now();
      freezes.add(
          new Observations.Freeze(
              data.getOrDefault("reason", ""), data.getOrDefault("message", ""), seconds(now())));
    }
    if (!"FREEZE".equals(mode)) {
      frozenSince = null;
    }
    lastMode = mode;
  }

  // ---------------------------------------------------------------- cloud and API

  @Override
  public void onInstanceTerminated(FakeInstance instance) {
    store.read(
        () -> {
          if (!armed) {
            return null;
          }
          terminatedInstances.add(instance.id());
          terminatedSinceTick.merge(instance.groupId(), 1, Integer::sum);
          action("terminate instance " + instance.id() + " (" + instance.groupId() + ")", instance.groupId());
          for (Node n : store.list(ResourceTypes.NODES, null, Node.class)) {
            if (instance.providerId().equals(n.getSpec().getProviderID())) {
              List<String> running = runningPods(n.getMetadata().getName());
              if (!running.isEmpty()) {
                invariants.add(
                    "instance " + instance.id() + " terminated while node " + n.getMetadata().getName()
                        + " ran pods: " + String.join(", ", running));
              }
            }
          }
          checkComplete();
          return null;
        });
  }

  @Override
  public void evictionAccepted(Pod pod, String client) {
    if (armed) {
      evictionsAccepted++;
      disruptionStarted();
      Node node = PodFacts.isBound(pod) ? store.get(ResourceTypes.NODES, null, PodFacts.nodeName(pod)) : null;
      action("evict pod " + ClusterStore.key(pod), node == null ? null : groupOf(node));
    }
  }

  @Override
  public void evictionRefused(Pod pod, String pdb, String message, String client) {
    if (armed) {
      evictionsRefused++;
    }
  }

  @Override
  public void podDeleteRequested(String namespace, String name, String client) {
    store.read(
        () -> {
          podDeleteRequests++;
          return null;
        });
  }

  /** Attributes a DELETE to its client and judges a pod DELETE (see the class comment). */
  @Override
  public void deleting(HasMetadata existing, Long gracePeriodSeconds, String client) {
    store.read(
        () -> {
          if (!armed) {
            return null;
          }
          boolean others = client != null && client.startsWith(ApiFaults.SIMULATOR_USER_AGENT);
          if (existing instanceof Node && others) {
            nodesDeletedByOthers.add(existing.getMetadata().getName());
          } else if (existing instanceof Pod p) {
            judgePodDelete(p, gracePeriodSeconds, client, others);
          }
          return null;
        });
  }

  private void judgePodDelete(Pod p, Long grace, String client, boolean others) {
    String key = ClusterStore.key(p);
    String at = String.format(java.util.Locale.ROOT, "%.1fs: ", seconds(now()));
    if (others) {
      podsDeletedByOthers.add(p.getMetadata().getUid());
      byOthers.add(at + "pod " + key + " deleted by " + client);
      return;
    }
    if (grace != null && grace <= 0) {
      invariants.add("pod " + key + " force-deleted (gracePeriodSeconds " + grace + ") by " + client);
      return;
    }
    if (PodFacts.isReady(p)) {
      invariants.add("DELETE of Ready pod " + key + " by " + client + ": it bypasses the pod's PDB (only an"
          + " eviction may take a Ready pod)");
      return;
    }
    Duration notReady = Duration.between(notReadySince(p), now());
    boolean inScope = allowedDeletes.covers(p.getMetadata().getNamespace(), p.getMetadata().getLabels());
    if (inScope && notReady.compareTo(allowedDeletes.after()) >= 0) {
      unhealthyDeleted.add(p.getMetadata().getUid());
      unhealthyDeletes.add(at + "pod " + key + " on " + PodFacts.nodeName(p) + " deleted gracefully by " + client
          + ", not Ready for " + notReady.toSeconds() + "s");
      return;
    }
    invariants.add("DELETE of pod " + key + " by " + client + ": not Ready for " + notReady.toSeconds() + "s, "
        + (!allowedDeletes.enabled() ? "and the scenario allows no pod DELETE (rotator.policy.unhealthyPodEviction)"
            : !inScope ? "outside the scope of rotator.policy.unhealthyPodEviction"
            : "less than rotator.policy.unhealthyPodEviction.after (" + allowedDeletes.after().toSeconds() + "s)"));
  }

  /** When the pod's Ready condition last turned to what it is (not Ready); its creation when it has none. */
  private Instant notReadySince(Pod p) {
    String t = PodFacts.condition(p, "Ready").map(c -> c.getLastTransitionTime())
        .orElse(p.getMetadata().getCreationTimestamp());
    try {
      return t == null ? now() : Instant.parse(t);
    } catch (java.time.format.DateTimeParseException e) {
      return now();
    }
  }

  /**
   * Compares every group's desired capacity with the last look (called once per simulated second): a
   * change is a disruptive action, except a decrease that terminations in the group since the last look
   * account for (a decrementing terminate, or the scale-in that follows a lowered desired capacity).
   */
  public void observeCloud() {
    store.read(
        () -> {
          if (!armed) {
            return null;
          }
          for (String g : groups) {
            int desired = cloud.peekGroup(g).desired();
            Integer before = lastDesired.put(g, desired);
            int terminated = terminatedSinceTick.getOrDefault(g, 0);
            if (before != null && desired > before) {
              // A surge starts the makespan too (its provisioning is part of it), not the faults' clock.
              if (makespanStart == null) {
                makespanStart = now();
              }
              action("raise desired capacity of " + g + " " + before + " -> " + desired, g);
            } else if (before != null && desired < before && before - desired > terminated) {
              action("lower desired capacity of " + g + " " + before + " -> " + desired, g);
            }
          }
          terminatedSinceTick.clear();
          return null;
        });
  }

  /** When the first cordon or accepted eviction was seen; empty before that. */
  public Optional<Instant> firstDisruption() {
    return store.read(() -> Optional.ofNullable(firstDisruption));
  }

  // ---------------------------------------------------------------- derived

  /**
   * A disruptive action on {@code group} (null: unknown). While frozen, one on a group created during the run is a
   * rollback action; any other later than one check interval after the freeze is a disruptive action after it.
   */
  private void action(String what, String group) {
    Observations.Action a = new Observations.Action(seconds(now()), what);
    if (frozenSince != null && group != null && !groups.contains(group)) {
      rollbackActions.add(a);
      return;
    }
    actions.add(a);
    if (frozenSince != null && now().isAfter(frozenSince.plus(grace))) {
      afterFreeze.add(String.format(java.util.Locale.ROOT, "%.1fs: %s (FREEZE since %.1fs)", a.atSeconds(), what,
          seconds(frozenSince)));
    }
  }

  private static String groupOf(Node n) {
    return n.getMetadata().getLabels() == null ? null : n.getMetadata().getLabels().get(NodeLifecycle.GROUP_LABEL);
  }

  private void disruptionStarted() {
    if (firstDisruption == null) {
      firstDisruption = now();
    }
    if (makespanStart == null) {
      makespanStart = firstDisruption;
    }
  }

  /** Non-DaemonSet, non-mirror pods bound to the node that have not finished. */
  private List<String> runningPods(String node) {
    return store.podsOnNode(node).stream()
        .filter(p -> !PodFacts.belongsToNode(p) && !PodFacts.isFinished(p))
        .map(ClusterStore::key)
        .toList();
  }

  private boolean rotated(String node) {
    String inst = originalInstance.get(node);
    return deletedNodes.contains(node) && inst != null && terminatedInstances.contains(inst);
  }

  private void checkComplete() {
    if (completedAt != null || !armed) {
      return;
    }
    for (String n : outdatedAtStart) {
      if (!rotated(n)) {
        return;
      }
    }
    if (!cloud.atCapacity()) {
      return; // a launch is due or under way: a replacement is still to come
    }
    Map<String, Node> byProvider = new HashMap<>();
    for (Node n : store.list(ResourceTypes.NODES, null, Node.class)) {
      byProvider.put(n.getSpec().getProviderID(), n);
    }
    for (FakeInstance i : cloud.instances()) {
      if (i.state() == InstanceState.TERMINATED) {
        continue;
      }
      Node n = byProvider.get(i.providerId());
      if (i.state() != InstanceState.RUNNING || n == null || !PodFacts.isNodeReady(n)) {
        return;
      }
    }
    completedAt = now();
  }

  private static boolean readyAndSchedulable(Node n) {
    return PodFacts.isNodeReady(n) && !PodFacts.isUnschedulable(n);
  }

  private Instant now() {
    return store.clock().now();
  }

  private double seconds(Instant t) {
    return Duration.between(simStart, t).toMillis() / 1000.0;
  }

  private static String describe(Cause c) {
    return switch (c) {
      case API_DELETE -> "DELETE through the API";
      case POD_GC -> "its Node was deleted";
      case NODE_LOST -> "its instance was terminated";
      default -> c.name();
    };
  }

  /** A consistent snapshot of everything recorded so far, with end-of-run workload checks. */
  public Observations snapshot() {
    return store.read(
        () -> {
          Instant now = now();
          List<String> lostNow = new ArrayList<>(lost);
          lostNow.addAll(workloadShortfalls());
          double makespan = 0;
          if (makespanStart != null) {
            Instant end = completedAt != null && completedAt.isAfter(makespanStart) ? completedAt : now;
            makespan = Duration.between(makespanStart, end).toMillis() / 1000.0;
          }
          int rotatedCount = (int) originalInstance.keySet().stream().filter(this::rotated).count();
          int lostCount = lost.size() + workloadShortfallCount();
          return new Observations(
              originalInstance.size(),
              outdatedAtStart.size(),
              rotatedCount,
              completedAt != null,
              makespan,
              List.copyOf(pdbViolations),
              Map.copyOf(lowByPdb),
              maxUnavailable,
              lostCount,
              lostNow,
              podDeleteRequests,
              List.copyOf(invariants),
              evictionsAccepted,
              evictionsRefused,
              List.copyOf(freezes),
              firstDisruption == null ? null : seconds(firstDisruption),
              List.copyOf(actions),
              List.copyOf(afterFreeze),
              List.copyOf(rollbackActions),
              List.copyOf(unhealthyDeletes),
              List.copyOf(lostToOthers),
              List.copyOf(byOthers));
        });
  }

  /** Original node names, outdated ones first; for tests and the report. */
  public Set<String> outdatedAtStart() {
    return store.read(() -> Set.copyOf(outdatedAtStart));
  }

  private int workloadShortfallCount() {
    return shortfalls().values().stream().mapToInt(Integer::intValue).sum();
  }

  private List<String> workloadShortfalls() {
    return shortfalls().entrySet().stream()
        .map(e -> e.getKey() + " is short of " + e.getValue() + " ready replica(s)")
        .collect(Collectors.toList());
  }

  /** Workloads with fewer ready pods than they want, by {@code Kind ns/name}. Never-ready workloads are skipped. */
  private Map<String, Integer> shortfalls() {
    Map<String, Integer> out = new TreeMap<>();
    for (Deployment d : store.list(ResourceTypes.DEPLOYMENTS, null, Deployment.class)) {
      int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      int ready = d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
      addShortfall(out, "Deployment", d, d.getSpec().getTemplate(), want, ready);
    }
    for (StatefulSet s : store.list(ResourceTypes.STATEFULSETS, null, StatefulSet.class)) {
      int want = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
      int ready = s.getStatus() == null || s.getStatus().getReadyReplicas() == null ? 0 : s.getStatus().getReadyReplicas();
      addShortfall(out, "StatefulSet", s, s.getSpec().getTemplate(), want, ready);
    }
    for (DaemonSet d : store.list(ResourceTypes.DAEMONSETS, null, DaemonSet.class)) {
      if (d.getStatus() == null) {
        continue;
      }
      // A pod waiting for a NotReady node's kubelet never ran: it is not lost (its node is, for now).
      int want = Optional.ofNullable(d.getStatus().getDesiredNumberScheduled()).orElse(0) - onNotReadyNodes(d);
      int ready = Optional.ofNullable(d.getStatus().getNumberReady()).orElse(0);
      addShortfall(out, "DaemonSet", d, d.getSpec().getTemplate(), want, ready);
    }
    return out;
  }

  /** The DaemonSet's pods that are not Ready and sit on a NotReady node. */
  private int onNotReadyNodes(DaemonSet d) {
    int n = 0;
    for (Pod p : store.list(ResourceTypes.PODS, d.getMetadata().getNamespace(), Pod.class)) {
      boolean ours = PodFacts.controllerOf(p).map(o -> d.getMetadata().getUid().equals(o.getUid())).orElse(false);
      if (!ours || PodFacts.isReady(p) || PodFacts.isTerminating(p) || !PodFacts.isBound(p)) {
        continue;
      }
      Node node = store.get(ResourceTypes.NODES, null, PodFacts.nodeName(p));
      if (node != null && !PodFacts.isNodeReady(node)) {
        n++;
      }
    }
    return n;
  }

  private static void addShortfall(
      Map<String, Integer> out, String kind, HasMetadata o, PodTemplateSpec tpl, int want, int ready) {
    boolean neverReady =
        tpl.getMetadata() != null
            && tpl.getMetadata().getAnnotations() != null
            && "true".equals(tpl.getMetadata().getAnnotations().get(PodFacts.NEVER_READY_ANNOTATION));
    if (!neverReady && ready < want) {
      out.put(kind + " " + ClusterStore.key(o), want - ready);
    }
  }
}
