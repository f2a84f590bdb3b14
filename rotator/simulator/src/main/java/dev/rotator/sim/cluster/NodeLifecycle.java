package dev.rotator.sim.cluster;

import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Nodes follow their instances, like kubelet registration plus the cloud node lifecycle controller plus
 * pod garbage collection:
 *
 * <ul>
 *   <li>instance RUNNING → a Node registers NotReady and turns Ready after the group's ready delay;
 *   <li>instance TERMINATED → its Node goes NotReady (unreachable taint) and its pods stop being Ready
 *       (they died with the machine), then the Node is deleted a few seconds later;
 *   <li>a Node deleted by anyone → its pods are removed on the next tick (pod GC).
 * </ul>
 *
 * A {@link Registration} decides what a new instance's kubelet reports (fault injection: an old version,
 * a node that never turns Ready).
 */
public final class NodeLifecycle implements StoreListener, FakeCloud.Listener {
  /** Labels every simulated Node carries. */
  public static final String GROUP_LABEL = "sim.rotator.dev/group";

  /**
   * How the kubelet of a newly running instance registers. Called once per instance, on the simulator's
   * thread, under the store's lock.
   */
  public interface Registration {
    /** The kubelet version the Node reports. */
    default String kubeletVersion(FakeInstance i) {
      return i.version();
    }

    /** False: the Node registers NotReady and stays so until {@link NodeLifecycle#release} is called. */
    default boolean becomesReady(FakeInstance i) {
      return true;
    }

    Registration NORMAL = new Registration() {};
  }

  private final ClusterStore store;
  private final Function<String, Duration> readyDelayOfGroup;
  private final Duration cloudNodeDeleteDelay;
  private final Map<String, String> nodeOfInstance = new HashMap<>();
  private final Map<String, Instant> readyAt = new LinkedHashMap<>();
  private final Map<String, Instant> deleteAt = new LinkedHashMap<>();
  private final Set<String> gcNodes = new LinkedHashSet<>();
  /** Nodes held NotReady by their {@link Registration}: not in transition, so not busy. */
  private final Set<String> stuck = new LinkedHashSet<>();
  private volatile Registration registration = Registration.NORMAL;
  /** Node labels and taints of pools (set by a node-pool switch); null: none. */
  private volatile dev.rotator.provider.fake.FakeNodePools pools;

  /**
   * @param readyDelayOfGroup time from registration to Ready, per node group
   * @param cloudNodeDeleteDelay time from instance termination to Node deletion
   */
  public NodeLifecycle(
      ClusterStore store, Function<String, Duration> readyDelayOfGroup, Duration cloudNodeDeleteDelay) {
    this.store = store;
    this.readyDelayOfGroup = readyDelayOfGroup;
    this.cloudNodeDeleteDelay = cloudNodeDeleteDelay;
  }

  /**
   * The Node name for an instance, as its cloud's kubelet registers it: {@code <group>-<instance number>}
   * (fake), {@code ip-10-….compute.internal} (aws), the instance name (gke).
   */
  public static String nodeName(FakeInstance i) {
    return i.nodeName();
  }

  public void registration(Registration r) {
    this.registration = r;
  }

  /** New Nodes get their pool's labels and taints from here (a pool a node-pool switch created). */
  public void nodePools(dev.rotator.provider.fake.FakeNodePools p) {
    this.pools = p;
  }

  /** Lets nodes held NotReady by the registration become Ready after their group's ready delay. */
  public void release(List<String> nodeNames) {
    store.write(
        Cause.NODE_LIFECYCLE,
        () -> {
          for (String name : nodeNames) {
            Node n = store.get(ResourceTypes.NODES, null, name);
            if (stuck.remove(name) && n != null) {
              String group = n.getMetadata().getLabels().get(GROUP_LABEL);
              readyAt.put(name, store.clock().now().plus(readyDelayOfGroup.apply(group)));
            }
          }
        });
  }

  /** Registers a Node that is Ready at once (nodes that exist when the simulation starts). */
  public void registerReady(FakeInstance i) {
    store.write(Cause.BOOTSTRAP, () -> register(i, true));
  }

  @Override
  public void onInstanceRunning(FakeInstance i) {
    store.write(
        Cause.NODE_LIFECYCLE,
        () -> {
          if (nodeOfInstance.containsKey(i.id())) {
            return;
          }
          register(i, false);
          if (registration.becomesReady(i)) {
            readyAt.put(nodeName(i), store.clock().now().plus(readyDelayOfGroup.apply(i.groupId())));
          } else {
            stuck.add(nodeName(i));
          }
        });
  }

  @Override
  public void onInstanceTerminated(FakeInstance i) {
    store.write(
        Cause.NODE_LIFECYCLE,
        () -> {
          String name = nodeOfInstance.get(i.id());
          readyAt.remove(name);
          stuck.remove(name);
          if (name == null || store.get(ResourceTypes.NODES, null, name) == null) {
            return;
          }
          String now = ClusterStore.timestamp(store.clock().now());
          store.<Node>modify(
              ResourceTypes.NODES,
              null,
              name,
              n -> {
                setReady(n, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", now);
                List<Taint> taints =
                    n.getSpec().getTaints() == null ? new ArrayList<>() : new ArrayList<>(n.getSpec().getTaints());
                taints.add(
                    new TaintBuilder()
                        .withKey("node.kubernetes.io/unreachable")
                        .withEffect("NoExecute")
                        .withTimeAdded(now)
                        .build());
                n.getSpec().setTaints(taints);
              });
          store.write(
              Cause.NODE_LOST,
              () -> {
                for (Pod p : store.podsOnNode(name)) {
                  if (PodFacts.isReady(p)) {
                    store.<Pod>modify(
                        ResourceTypes.PODS,
                        p.getMetadata().getNamespace(),
                        p.getMetadata().getName(),
                        q -> {
                          PodFacts.setCondition(q, "Ready", "False", "NodeLost", "node " + name + " is gone", now);
                          PodFacts.setCondition(q, "ContainersReady", "False", "NodeLost", "", now);
                        });
                  }
                }
              });
          deleteAt.put(name, store.clock().now().plus(cloudNodeDeleteDelay));
        });
  }

  @Override
  public void onEvent(StoreEvent e) {
    if (e.resource() == ResourceTypes.NODES && e.type() == StoreEvent.Type.DELETED) {
      gcNodes.add(e.name());
      readyAt.remove(e.name());
      stuck.remove(e.name());
      deleteAt.remove(e.name());
    }
  }

  /** Readiness, cloud node deletion and pod GC that are due at {@code now}. */
  public void tick(Instant now) {
    String ts = ClusterStore.timestamp(now);
    store.write(
        Cause.NODE_LIFECYCLE,
        () -> {
          for (Iterator<Map.Entry<String, Instant>> it = readyAt.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            if (!e.getValue().isAfter(now)) {
              it.remove();
              if (store.get(ResourceTypes.NODES, null, e.getKey()) != null) {
                store.<Node>modify(
                    ResourceTypes.NODES, null, e.getKey(),
                    n -> setReady(n, "True", "KubeletReady", "kubelet is posting ready status", ts));
              }
            }
          }
          for (Iterator<Map.Entry<String, Instant>> it = deleteAt.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            if (!e.getValue().isAfter(now)) {
              it.remove();
              if (store.get(ResourceTypes.NODES, null, e.getKey()) != null) {
                store.remove(ResourceTypes.NODES, null, e.getKey());
              }
            }
          }
          collectGarbage();
        });
  }

  private void collectGarbage() {
    if (gcNodes.isEmpty()) {
      return;
    }
    List<String> gone = new ArrayList<>(gcNodes);
    gcNodes.clear();
    store.write(
        Cause.POD_GC,
        () -> {
          for (String node : gone) {
            if (store.get(ResourceTypes.NODES, null, node) != null) {
              continue; // re-registered under the same name: its pods are not orphans
            }
            for (Pod p : store.podsOnNode(node)) {
              store.remove(ResourceTypes.PODS, p.getMetadata().getNamespace(), p.getMetadata().getName());
            }
          }
        });
  }

  /** Nodes that still wait for readiness or deletion (the simulation is not quiet while any do). */
  public boolean busy() {
    return store.read(() -> !readyAt.isEmpty() || !deleteAt.isEmpty() || !gcNodes.isEmpty());
  }

  private void register(FakeInstance i, boolean ready) {
    String name = nodeName(i);
    String version = ready ? i.version() : registration.kubeletVersion(i);
    nodeOfInstance.put(i.id(), name);
    String now = ClusterStore.timestamp(store.clock().now());
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", Resources.cpuQuantity(i.cpuMillis()));
    capacity.put("memory", Resources.memoryQuantity(i.memoryMi()));
    capacity.put("pods", new Quantity("110"));
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("kubernetes.io/hostname", name);
    labels.put("kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", "amd64");
    labels.put("topology.kubernetes.io/zone", i.zone());
    labels.put("node.kubernetes.io/instance-type", i.instanceType());
    labels.putAll(i.labels()); // the flavour's: region, node group label
    labels.put(GROUP_LABEL, i.groupId());
    List<Taint> poolTaints = new ArrayList<>();
    dev.rotator.provider.fake.FakeNodePools p = pools;
    if (p != null) {
      p.labels(i.groupId()).forEach(labels::putIfAbsent);
      p.taints(i.groupId()).forEach(t -> poolTaints.add(
          new TaintBuilder().withKey(t.key()).withValue(t.value().isEmpty() ? null : t.value()).withEffect(t.effect())
              .build()));
    }
    String[] ip = i.privateIp().split("\\.");
    int n = Integer.parseInt(ip[2]) * 250 + Integer.parseInt(ip[3]);
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withProviderID(i.providerId())
            .withPodCIDR("10.244." + (n % 250) + ".0/24")
            .endSpec()
            .withNewStatus()
            .withCapacity(capacity)
            .withAllocatable(new LinkedHashMap<>(capacity))
            .withConditions(
                condition("Ready", ready ? "True" : "False", ready ? "KubeletReady" : "KubeletNotReady",
                    ready ? "kubelet is posting ready status" : "container runtime is starting", now),
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "", now),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "", now),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "", now))
            .withAddresses(
                new NodeAddressBuilder().withType("InternalIP").withAddress(i.privateIp()).build(),
                new NodeAddressBuilder().withType("Hostname").withAddress(name).build())
            .withNewNodeInfo()
            .withKubeletVersion(version)
            .withKubeProxyVersion(version)
            .withContainerRuntimeVersion("containerd://1.7.22")
            .withOsImage("Simulated Linux")
            .withKernelVersion("6.1.0-sim")
            .withOperatingSystem("linux")
            .withArchitecture("amd64")
            .withMachineID(i.id())
            .withSystemUUID(i.id())
            .withBootID(i.id())
            .endNodeInfo()
            .endStatus()
            .build();
    if (!poolTaints.isEmpty()) {
      node.getSpec().setTaints(poolTaints);
    }
    store.create(ResourceTypes.NODES, node);
  }

  private static NodeCondition condition(String type, String status, String reason, String message, String now) {
    return new NodeConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastHeartbeatTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  /** Replaces the Node's Ready condition (the other conditions are kept). */
  public static void setReady(Node n, String status, String reason, String message, String now) {
    List<NodeCondition> conds = new ArrayList<>(n.getStatus().getConditions());
    conds.removeIf(c -> "Ready".equals(c.getType()));
    conds.add(0, condition("Ready", status, reason, message, now));
    n.getStatus().setConditions(conds);
  }
}
