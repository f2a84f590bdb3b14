package dev.rotator.sim.cluster;

import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every node's kubelet in one: a bound pod on a Ready node starts (phase Running) and turns Ready after
 * its startup delay (never, for never-ready workloads); a terminating pod is removed once its grace period
 * ({@code metadata.deletionTimestamp}) has passed, if its node is Ready or it was never bound. A pod on a
 * node that is gone stays until pod GC removes it, as on a real cluster.
 *
 * <p>Only pods that still need something are tracked, so a tick costs O(pods in transition).
 */
public final class Kubelet implements StoreListener {
  private final ClusterStore store;
  private final Set<String> active = new TreeSet<>();

  public Kubelet(ClusterStore store) {
    this.store = store;
  }

  @Override
  public void onEvent(StoreEvent e) {
    if (e.resource() != ResourceTypes.PODS) {
      return;
    }
    String key = ClusterStore.key(e.object());
    if (e.type() != StoreEvent.Type.DELETED && needsWork((Pod) e.object())) {
      active.add(key);
    } else {
      active.remove(key);
    }
  }

  private static boolean needsWork(Pod p) {
    if (PodFacts.isTerminating(p)) {
      return true;
    }
    if (!PodFacts.isBound(p) || PodFacts.isFinished(p)) {
      return false;
    }
    return PodFacts.phase(p).equals("Pending") || (!PodFacts.isReady(p) && !PodFacts.neverReady(p));
  }

  /**
   * Pods being started or terminated right now. Pods on a NotReady node wait for its kubelet and are not
   * counted: a booting node is the node lifecycle's business, and a node held NotReady (a fault) would
   * otherwise keep the simulation from ever being quiet.
   */
  public boolean busy() {
    return store.read(
        () -> {
          for (String key : active) {
            String[] nsName = key.split("/", 2);
            Pod p = store.get(ResourceTypes.PODS, nsName[0], nsName[1]);
            if (p == null || !PodFacts.isBound(p)) {
              return true;
            }
            Node node = store.get(ResourceTypes.NODES, null, p.getSpec().getNodeName());
            if (node == null || PodFacts.isNodeReady(node)) {
              return true;
            }
          }
          return false;
        });
  }

  public void tick(Instant now) {
    store.write(
        Cause.KUBELET,
        () -> {
          for (String key : new ArrayList<>(active)) {
            String[] nsName = key.split("/", 2);
            Pod p = store.get(ResourceTypes.PODS, nsName[0], nsName[1]);
            if (p != null) {
              step(p, now);
            }
          }
        });
  }

  /** Makes every bound pod Running and (unless never-ready) Ready at once; for the initial cluster. */
  public void startAllNow(Instant now) {
    store.write(
        Cause.BOOTSTRAP,
        () -> {
          for (String key : new ArrayList<>(active)) {
            String[] nsName = key.split("/", 2);
            Pod p = store.get(ResourceTypes.PODS, nsName[0], nsName[1]);
            if (p != null && PodFacts.isBound(p) && !PodFacts.isTerminating(p)) {
              String ts = ClusterStore.timestamp(now);
              store.<Pod>modify(ResourceTypes.PODS, nsName[0], nsName[1], q -> {
                start(q, ts);
                if (!PodFacts.neverReady(q)) {
                  ready(q, ts);
                }
              });
            }
          }
        });
  }

  private void step(Pod p, Instant now) {
    String ns = p.getMetadata().getNamespace();
    String name = p.getMetadata().getName();
    String ts = ClusterStore.timestamp(now);
    Node node = PodFacts.isBound(p) ? store.get(ResourceTypes.NODES, null, p.getSpec().getNodeName()) : null;
    boolean nodeReady = node != null && PodFacts.isNodeReady(node);
    if (PodFacts.isTerminating(p)) {
      Instant due = Instant.parse(p.getMetadata().getDeletionTimestamp());
      // A finalizer holds the object after its containers stopped, until its owner removes it.
      boolean finalized = p.getMetadata().getFinalizers() == null || p.getMetadata().getFinalizers().isEmpty();
      if (!due.isAfter(now) && (nodeReady || !PodFacts.isBound(p)) && finalized) {
        store.remove(ResourceTypes.PODS, ns, name);
      }
      return;
    }
    if (!nodeReady) {
      return;
    }
    if (PodFacts.phase(p).equals("Pending")) {
      store.<Pod>modify(ResourceTypes.PODS, ns, name, q -> start(q, ts));
      return;
    }
    Instant started = Instant.parse(p.getStatus().getStartTime());
    if (!started.plusSeconds(PodFacts.startupSeconds(p)).isAfter(now)) {
      store.<Pod>modify(ResourceTypes.PODS, ns, name, q -> ready(q, ts));
    }
  }

  private static void start(Pod q, String ts) {
    if (q.getStatus() == null) {
      q.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
    }
    q.getStatus().setPhase("Running");
    q.getStatus().setStartTime(ts);
    q.getStatus().setHostIP("10.0.0.1");
    q.getStatus().setPodIP("10.244.0." + (Math.abs(q.getMetadata().getName().hashCode()) % 250 + 2));
    PodFacts.setCondition(q, "PodScheduled", "True", null, null, ts);
    PodFacts.setCondition(q, "Initialized", "True", null, null, ts);
    PodFacts.setCondition(q, "ContainersReady", "False", "ContainersNotReady", "containers not ready", ts);
    PodFacts.setCondition(q, "Ready", "False", "ContainersNotReady", "containers not ready", ts);
    q.getStatus().setContainerStatuses(containerStatuses(q, false, ts));
  }

  private static void ready(Pod q, String ts) {
    PodFacts.setCondition(q, "ContainersReady", "True", null, null, ts);
    PodFacts.setCondition(q, "Ready", "True", null, null, ts);
    q.getStatus().setContainerStatuses(containerStatuses(q, true, ts));
  }

  private static List<ContainerStatus> containerStatuses(Pod q, boolean ready, String ts) {
    List<ContainerStatus> out = new ArrayList<>();
    for (Container c : q.getSpec().getContainers()) {
      out.add(
          new ContainerStatusBuilder()
              .withName(c.getName())
              .withImage(c.getImage())
              .withImageID("sim://" + c.getImage())
              .withReady(ready)
              .withStarted(true)
              .withRestartCount(0)
              .withNewState()
              .withNewRunning()
              .withStartedAt(ts)
              .endRunning()
              .endState()
              .build());
    }
    return out;
  }
}
