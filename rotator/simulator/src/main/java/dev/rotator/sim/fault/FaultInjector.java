package dev.rotator.sim.fault;

import dev.rotator.core.engine.KubeVersion;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.sim.FaultSpec;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.api.ApiFaults;
import dev.rotator.sim.cluster.NodeLifecycle;
import dev.rotator.sim.cluster.PodFacts;
import dev.rotator.sim.record.Recorder;
import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Switches a scenario's faults on and off on the simulated clock, relative to the first disruptive action
 * the recorder saw, and keeps what each did for the report.
 *
 * <p>Driven by {@link #tick} on the simulator's thread, which is also the thread on which new instances
 * register (so the {@link NodeLifecycle.Registration} hooks run there too); the report reads the state
 * from any thread, so every field the report reads is volatile or thread-safe. No lock of this class is
 * held while calling into the store, the cloud or the fakes.
 */
public final class FaultInjector implements NodeLifecycle.Registration {
  /** Taints the node lifecycle controller puts on a node whose kubelet stopped posting status. */
  static final String UNREACHABLE = "node.kubernetes.io/unreachable";

  private final Scenario scenario;
  private final ClusterStore store;
  private final FakeCloud cloud;
  private final Recorder recorder;
  private final NodeLifecycle nodes;
  private final ApiFaults api;
  private final FakeEtcd etcd;
  private final FakePrometheus prometheus;
  private final List<Active> faults = new ArrayList<>();
  /** The quota each group had before any quota fault touched it. */
  private final Map<String, Integer> quotaBefore = new HashMap<>();

  /** One fault and what became of it. */
  private final class Active {
    final FaultSpec spec;
    volatile Instant started;
    volatile Instant onset;
    volatile Instant ended;
    volatile String detail = "";
    /** When a periodic fault (watch drops) last acted. */
    volatile Instant lastAction;
    /** Etcd members stopped, or nodes turned NotReady / held NotReady, to undo at the end. */
    final List<Object> undo = new CopyOnWriteArrayList<>();

    Active(FaultSpec spec) {
      this.spec = spec;
    }

    boolean on() {
      return started != null && ended == null;
    }
  }

  public FaultInjector(
      Scenario scenario,
      ClusterStore store,
      FakeCloud cloud,
      Recorder recorder,
      NodeLifecycle nodes,
      ApiFaults api,
      FakeEtcd etcd,
      FakePrometheus prometheus) {
    this.scenario = scenario;
    this.store = store;
    this.cloud = cloud;
    this.recorder = recorder;
    this.nodes = nodes;
    this.api = api;
    this.etcd = etcd;
    this.prometheus = prometheus;
    for (FaultSpec f : scenario.faults()) {
      faults.add(new Active(f));
      if (f instanceof FaultSpec.ConnectionResets) {
        api.allowConnectionResets();
      }
    }
    for (Scenario.NodeGroupSpec g : scenario.nodeGroups()) {
      quotaBefore.put(g.name(), g.quota());
    }
  }

  /** Starts and ends what is due at {@code now}. */
  public void tick(Instant now) {
    if (faults.isEmpty()) {
      return;
    }
    Instant base = recorder.firstDisruption().orElse(null);
    if (base == null) {
      return;
    }
    for (Active f : faults) {
      FaultSpec.Window w = f.spec.window();
      if (f.started == null && !now.isBefore(base.plusSeconds(w.startSeconds()))) {
        start(f, now);
      }
      if (f.on() && w.endSeconds().isPresent() && !now.isBefore(base.plusSeconds(w.endSeconds().getAsLong()))) {
        end(f, now);
      }
      if (f.on() && f.spec instanceof FaultSpec.PodsStuckTerminating) {
        holdPods(f);
      }
      if (f.on() && f.spec instanceof FaultSpec.NodeDeletedExternally d && f.onset == null) {
        deleteDrainingNode(f, d, now);
      }
      if (f.on() && f.spec instanceof FaultSpec.WatchDrops d
          && !now.isBefore(f.lastAction.plusSeconds(d.everySeconds()))) {
        f.lastAction = now;
        api.dropWatches();
      }
    }
  }

  /**
   * A fault is on and scheduled to end: the cluster is still to recover from it (a node to come back, a
   * quota to be restored), so the simulation is not quiet yet. A fault without an end never holds it up.
   */
  public boolean busy() {
    for (Active f : faults) {
      if (f.on() && f.spec.window().endSeconds().isPresent()) {
        return true;
      }
    }
    return false;
  }

  /** What each fault did so far, in scenario order. */
  public List<FaultReport> report() {
    double grace = seconds(scenario.timing().grace());
    List<FaultReport> out = new ArrayList<>();
    for (Active f : faults) {
      Double onset = at(f.onset);
      Double deadline = null;
      // Deleting a Node is no health fault a gate should stop the rotation for: it has no deadline.
      if (onset != null && !(f.spec instanceof FaultSpec.NodeDeletedExternally)) {
        double allowance = grace;
        if (f.spec instanceof FaultSpec.ReplacementNotReady) {
          allowance += seconds(scenario.timing().replacementTimeout());
        }
        deadline = Math.round((onset + allowance) * 1000) / 1000.0;
      }
      String detail = f.detail;
      if ((f.spec instanceof FaultSpec.ReplacementNotReady || f.spec instanceof FaultSpec.ReplacementOldVersion)
          && !f.undo.isEmpty()) {
        detail = detail + "; node(s) affected: " + f.undo;
      } else if (f.spec instanceof FaultSpec.ApiErrors && f.started != null) {
        detail = detail + "; " + api.failed() + " request(s) failed by API faults so far";
      } else if (f.spec instanceof FaultSpec.ApiLatency && f.started != null) {
        detail = detail + "; " + api.delayed() + " response(s) delayed by API faults so far";
      } else if (f.spec instanceof FaultSpec.ConnectionResets && f.started != null) {
        detail = detail + "; " + api.resets() + " connection(s) reset so far";
      } else if (f.spec instanceof FaultSpec.WatchDrops && f.started != null) {
        detail = detail + "; " + api.watchesDropped() + " watch stream(s) closed so far";
      } else if (f.spec instanceof FaultSpec.NodeConflicts && f.started != null) {
        detail = detail + "; " + api.conflicts() + " node write(s) answered 409 so far";
      }
      out.add(new FaultReport(f.spec.kind(), at(f.started), onset, at(f.ended), deadline, detail));
    }
    return out;
  }

  // ---------------------------------------------------------------- on and off

  private void start(Active f, Instant now) {
    f.started = now;
    FaultSpec spec = f.spec;
    if (spec instanceof FaultSpec.EtcdMembersDown d) {
      List<Integer> down = etcd.stop(d.count());
      f.undo.addAll(down);
      f.detail = "etcd member(s) " + down + " of " + etcd.members() + " stopped; " + etcd.membersUp() + " up, "
          + (etcd.leader() >= 0 ? "leader now member " + etcd.leader() : "no leader");
      f.onset = now;
    } else if (spec instanceof FaultSpec.ApiErrors e) {
      api.startErrors(f, e.errorPercent(), e.status(), e.retryAfterSeconds(), e.spareRotatorState());
      f.detail = e.errorPercent() + "% of API requests answered " + e.status()
          + (e.status() == 429 ? " (Retry-After " + e.retryAfterSeconds() + "s)" : "")
          + (e.spareRotatorState() ? ", rotator's state ConfigMap spared" : "");
      f.onset = now;
    } else if (spec instanceof FaultSpec.ApiLatency l) {
      api.startDelay(f, l.delayMillis());
      f.detail = "API responses delayed by " + l.delayMillis() + " ms of wall time";
      f.onset = now;
    } else if (spec instanceof FaultSpec.ConnectionResets c) {
      api.startResets(f, c.percent());
      f.detail = c.percent() + "% of API requests have their connection reset (TCP RST, request not carried out)";
      f.onset = now;
    } else if (spec instanceof FaultSpec.WatchDrops d) {
      f.lastAction = now;
      int n = api.dropWatches();
      f.detail = "every watch stream closed by the server every " + d.everySeconds() + "s (" + n + " at the start)";
      f.onset = now;
    } else if (spec instanceof FaultSpec.NodeConflicts c) {
      api.startNodeConflicts(f, c.percent());
      f.detail = c.percent() + "% of PUT/PATCH requests on Nodes answered 409 Conflict";
      f.onset = now;
    } else if (spec instanceof FaultSpec.PodsStuckTerminating) {
      holdPods(f);
      f.detail = "pods on cordoned nodes get finalizer " + STUCK_FINALIZER + " (evicted ones stay Terminating)";
      f.onset = now;
    } else if (spec instanceof FaultSpec.PdbTightened t) {
      f.detail = tightenPdb(f, t);
      f.onset = now;
    } else if (spec instanceof FaultSpec.NodesNotReady n) {
      List<String> names = turnNotReady(n, now);
      f.undo.addAll(names);
      f.detail = names.size() + " node(s) NotReady: " + names;
      f.onset = now;
    } else if (spec instanceof FaultSpec.QuotaExhausted q) {
      int live = cloud.liveInstances(q.group()).size();
      int before = quotaBefore.get(q.group());
      cloud.setQuota(q.group(), live);
      f.detail = "group " + q.group() + " quota " + before + " -> " + live + " (its live instances)";
      f.onset = now;
    } else if (spec instanceof FaultSpec.AlertFiring a) {
      prometheus.fire(f, a.alertname(), a.labels());
      f.detail = "alert " + a.alertname() + a.labels() + " firing";
      f.onset = now;
    } else if (spec instanceof FaultSpec.ReplacementNotReady r) {
      f.detail = "nodes of new " + r.group() + " instances stay NotReady";
    } else if (spec instanceof FaultSpec.ReplacementOldVersion r) {
      f.detail = "nodes of new " + r.group() + " instances report kubelet " + r.version();
    } else if (spec instanceof FaultSpec.NodeDeletedExternally d) {
      f.detail = "waiting for a node being drained" + (d.group() == null ? "" : " in group " + d.group());
      deleteDrainingNode(f, d, now);
    }
  }

  private void end(Active f, Instant now) {
    f.ended = now;
    FaultSpec spec = f.spec;
    if (spec instanceof FaultSpec.EtcdMembersDown) {
      List<Integer> members = new ArrayList<>();
      f.undo.forEach(o -> members.add((Integer) o));
      etcd.restart(members);
    } else if (spec instanceof FaultSpec.ApiErrors || spec instanceof FaultSpec.ApiLatency
        || spec instanceof FaultSpec.ConnectionResets || spec instanceof FaultSpec.NodeConflicts) {
      api.stop(f);
    } else if (spec instanceof FaultSpec.PodsStuckTerminating) {
      releasePods(f);
    } else if (spec instanceof FaultSpec.PdbTightened t) {
      restorePdb(f, t);
    } else if (spec instanceof FaultSpec.NodesNotReady) {
      turnReady(f, now);
    } else if (spec instanceof FaultSpec.QuotaExhausted q) {
      cloud.setQuota(q.group(), quotaBefore.get(q.group()));
    } else if (spec instanceof FaultSpec.AlertFiring) {
      prometheus.resolve(f);
    } else if (spec instanceof FaultSpec.ReplacementNotReady) {
      List<String> held = new ArrayList<>();
      f.undo.forEach(o -> held.add((String) o));
      nodes.release(held);
    }
  }

  // ---------------------------------------------------------------- stuck pods and PDB edits

  /** The finalizer the podsStuckTerminating fault puts on pods; nothing but the fault's end removes it. */
  static final String STUCK_FINALIZER = "sim.rotator.dev/stuck";

  private void holdPods(Active f) {
    store.write(Cause.FAULT, () -> {
      for (Node node : store.list(ResourceTypes.NODES, null, Node.class)) {
        if (!PodFacts.isUnschedulable(node)) {
          continue;
        }
        for (io.fabric8.kubernetes.api.model.Pod p : store.podsOnNode(node.getMetadata().getName())) {
          List<String> fin = p.getMetadata().getFinalizers();
          boolean daemon = p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
              .anyMatch(o -> "DaemonSet".equals(o.getKind()));
          if (daemon || (fin != null && fin.contains(STUCK_FINALIZER))) {
            continue;
          }
          String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
          store.<io.fabric8.kubernetes.api.model.Pod>modify(ResourceTypes.PODS, p.getMetadata().getNamespace(),
              p.getMetadata().getName(), x -> {
                List<String> l = x.getMetadata().getFinalizers() == null
                    ? new ArrayList<>() : new ArrayList<>(x.getMetadata().getFinalizers());
                l.add(STUCK_FINALIZER);
                x.getMetadata().setFinalizers(l);
              });
          f.undo.add(key);
        }
      }
    });
  }

  private void releasePods(Active f) {
    store.write(Cause.FAULT, () -> {
      for (Object o : f.undo) {
        String[] key = ((String) o).split("/", 2);
        if (store.get(ResourceTypes.PODS, key[0], key[1]) == null) {
          continue;
        }
        store.<io.fabric8.kubernetes.api.model.Pod>modify(ResourceTypes.PODS, key[0], key[1], x -> {
          List<String> l = new ArrayList<>(x.getMetadata().getFinalizers());
          l.remove(STUCK_FINALIZER);
          x.getMetadata().setFinalizers(l);
        });
      }
    });
  }

  private String tightenPdb(Active f, FaultSpec.PdbTightened t) {
    return store.write(Cause.FAULT, () -> {
      io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget pdb =
          store.get(ResourceTypes.PDBS, t.namespace(), t.name());
      if (pdb == null) {
        return "no PDB " + t.namespace() + "/" + t.name() + ": nothing changed";
      }
      f.undo.add(new io.fabric8.kubernetes.api.model.IntOrString[] {
        pdb.getSpec().getMinAvailable(), pdb.getSpec().getMaxUnavailable()});
      store.<io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget>modify(ResourceTypes.PDBS, t.namespace(),
          t.name(), x -> {
            x.getSpec().setMaxUnavailable(null);
            x.getSpec().setMinAvailable(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
          });
      return "PDB " + t.namespace() + "/" + t.name() + " edited to minAvailable: 100%";
    });
  }

  private void restorePdb(Active f, FaultSpec.PdbTightened t) {
    if (f.undo.isEmpty()) {
      return;
    }
    io.fabric8.kubernetes.api.model.IntOrString[] before = (io.fabric8.kubernetes.api.model.IntOrString[]) f.undo.get(0);
    store.write(Cause.FAULT, () -> {
      if (store.get(ResourceTypes.PDBS, t.namespace(), t.name()) != null) {
        store.<io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget>modify(ResourceTypes.PDBS,
            t.namespace(), t.name(), x -> {
              x.getSpec().setMinAvailable(before[0]);
              x.getSpec().setMaxUnavailable(before[1]);
            });
      }
    });
  }

  // ---------------------------------------------------------------- a Node deleted by someone else

  /**
   * Deletes, as someone other than rotator ({@link Cause#FAULT}), the Node of the first node by name that is
   * cordoned and still runs pods other than DaemonSet, mirror or finished ones; nothing when there is none yet.
   */
  private void deleteDrainingNode(Active f, FaultSpec.NodeDeletedExternally d, Instant now) {
    String deleted = store.write(Cause.FAULT, () -> {
      for (Node node : store.list(ResourceTypes.NODES, null, Node.class)) {
        String name = node.getMetadata().getName();
        String group = node.getMetadata().getLabels().get(NodeLifecycle.GROUP_LABEL);
        if (!PodFacts.isUnschedulable(node) || (d.group() != null && !d.group().equals(group))) {
          continue;
        }
        long running = store.podsOnNode(name).stream()
            .filter(p -> !PodFacts.belongsToNode(p) && !PodFacts.isFinished(p) && !PodFacts.isTerminating(p))
            .count();
        if (running > 0) {
          store.remove(ResourceTypes.NODES, null, name);
          return name + " (cordoned, " + running + " pod(s) still to drain)";
        }
      }
      return null;
    });
    if (deleted != null) {
      f.onset = now;
      f.undo.add(deleted);
      f.detail = "Node " + deleted + " deleted by someone else; its instance keeps running";
    }
  }

  // ---------------------------------------------------------------- registration hooks

  @Override
  public String kubeletVersion(FakeInstance i) {
    for (Active f : faults) {
      if (f.on() && f.spec instanceof FaultSpec.ReplacementOldVersion r && r.group().equals(i.groupId())) {
        affected(f, NodeLifecycle.nodeName(i));
        return r.version();
      }
    }
    return i.version();
  }

  @Override
  public boolean becomesReady(FakeInstance i) {
    for (Active f : faults) {
      if (f.on() && f.spec instanceof FaultSpec.ReplacementNotReady r && r.group().equals(i.groupId())) {
        affected(f, NodeLifecycle.nodeName(i));
        return false;
      }
    }
    return true;
  }

  private void affected(Active f, String node) {
    if (f.onset == null) {
      f.onset = store.clock().now();
    }
    f.undo.add(node);
  }

  // ---------------------------------------------------------------- nodes

  /**
   * Picks nodes nobody is rotating (Ready, schedulable), those already at their group's target version
   * first, oldest first (a young NotReady node looks like a booting replacement), and makes them look like
   * nodes whose kubelet stopped posting status: Ready Unknown and the unreachable taints. Their pods are
   * left as they are (the kubelet keeps them running; see docs/simulator.md).
   */
  private List<String> turnNotReady(FaultSpec.NodesNotReady n, Instant now) {
    String ts = ClusterStore.timestamp(now);
    return store.write(
        Cause.FAULT,
        () -> {
          List<Node> candidates = new ArrayList<>();
          for (Node node : store.list(ResourceTypes.NODES, null, Node.class)) {
            String group = node.getMetadata().getLabels().get(NodeLifecycle.GROUP_LABEL);
            if (PodFacts.isNodeReady(node)
                && !PodFacts.isUnschedulable(node)
                && (n.group() == null || n.group().equals(group))) {
              candidates.add(node);
            }
          }
          candidates.sort(
              Comparator.comparing((Node node) -> !current(node))
                  .thenComparing(node -> node.getMetadata().getCreationTimestamp())
                  .thenComparing(node -> node.getMetadata().getName()));
          List<String> names = new ArrayList<>();
          for (Node node : candidates.subList(0, Math.min(n.count(), candidates.size()))) {
            String name = node.getMetadata().getName();
            store.<Node>modify(
                ResourceTypes.NODES,
                null,
                name,
                x -> {
                  NodeLifecycle.setReady(x, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", ts);
                  List<Taint> taints =
                      x.getSpec().getTaints() == null ? new ArrayList<>() : new ArrayList<>(x.getSpec().getTaints());
                  taints.add(new TaintBuilder().withKey(UNREACHABLE).withEffect("NoSchedule").withTimeAdded(ts).build());
                  taints.add(new TaintBuilder().withKey(UNREACHABLE).withEffect("NoExecute").withTimeAdded(ts).build());
                  x.getSpec().setTaints(taints);
                });
            names.add(name);
          }
          return names;
        });
  }

  /** The nodes turned NotReady come back, unless their instance is gone meanwhile. */
  private void turnReady(Active f, Instant now) {
    String ts = ClusterStore.timestamp(now);
    store.write(
        Cause.FAULT,
        () -> {
          for (Object o : f.undo) {
            String name = (String) o;
            Node node = store.get(ResourceTypes.NODES, null, name);
            if (node == null || !instanceLive(node)) {
              continue;
            }
            store.<Node>modify(
                ResourceTypes.NODES,
                null,
                name,
                x -> {
                  NodeLifecycle.setReady(x, "True", "KubeletReady", "kubelet is posting ready status", ts);
                  if (x.getSpec().getTaints() != null) {
                    List<Taint> taints = new ArrayList<>(x.getSpec().getTaints());
                    taints.removeIf(t -> UNREACHABLE.equals(t.getKey()));
                    x.getSpec().setTaints(taints);
                  }
                });
          }
        });
  }

  private boolean current(Node node) {
    String group = node.getMetadata().getLabels().get(NodeLifecycle.GROUP_LABEL);
    if (group == null) {
      return false;
    }
    try {
      return KubeVersion.parse(PodFacts.kubeletVersion(node)).compareTo(KubeVersion.parse(cloud.targetVersion(group)))
          >= 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private boolean instanceLive(Node node) {
    return cloud.instanceByProviderId(node.getSpec().getProviderID())
        .map(i -> i.state().live())
        .orElse(false);
  }

  // ---------------------------------------------------------------- time

  private Double at(Instant t) {
    return t == null ? null : Duration.between(scenario.clock().start(), t).toMillis() / 1000.0;
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
