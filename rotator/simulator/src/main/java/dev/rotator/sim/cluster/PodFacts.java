package dev.rotator.sim.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small readings of pods and nodes shared by the simulated controllers, the API and the recorder. */
public final class PodFacts {
  /** Simulated container startup: seconds from start to Ready. */
  public static final String STARTUP_ANNOTATION = "sim.rotator.dev/startup-seconds";
  /** The pod's containers never pass their readiness probe. */
  public static final String NEVER_READY_ANNOTATION = "sim.rotator.dev/never-ready";
  /** Marks a static pod's mirror, as the kubelet does. */
  public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

  private PodFacts() {}

  public static boolean isReady(Pod p) {
    return condition(p, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  public static boolean isTerminating(Pod p) {
    return p.getMetadata().getDeletionTimestamp() != null;
  }

  /** Counts toward a PDB's currentHealthy: Ready and not being deleted. */
  public static boolean isHealthy(Pod p) {
    return isReady(p) && !isTerminating(p);
  }

  public static String phase(Pod p) {
    return p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
  }

  public static boolean isFinished(Pod p) {
    String ph = phase(p);
    return ph.equals("Succeeded") || ph.equals("Failed");
  }

  public static boolean isBound(Pod p) {
    return p.getSpec() != null && p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty();
  }

  public static String nodeName(Pod p) {
    return isBound(p) ? p.getSpec().getNodeName() : "";
  }

  public static Optional<OwnerReference> controllerOf(io.fabric8.kubernetes.api.model.HasMetadata o) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return Optional.empty();
    }
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }

  public static boolean isDaemonSetPod(Pod p) {
    return controllerOf(p).map(r -> "DaemonSet".equals(r.getKind())).orElse(false);
  }

  public static boolean isMirror(Pod p) {
    Map<String, String> a = p.getMetadata().getAnnotations();
    return a != null && a.containsKey(MIRROR_ANNOTATION);
  }

  /** Pods that go with their node by design: DaemonSet pods and mirror pods. */
  public static boolean belongsToNode(Pod p) {
    return isDaemonSetPod(p) || isMirror(p);
  }

  public static int startupSeconds(Pod p) {
    Map<String, String> a = p.getMetadata().getAnnotations();
    String v = a == null ? null : a.get(STARTUP_ANNOTATION);
    return v == null ? 0 : Integer.parseInt(v);
  }

  public static boolean neverReady(Pod p) {
    Map<String, String> a = p.getMetadata().getAnnotations();
    return a != null && "true".equals(a.get(NEVER_READY_ANNOTATION));
  }

  public static Optional<PodCondition> condition(Pod p, String type) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return p.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Sets a condition on a (copied) pod; the transition time moves only when the status changes. */
  public static void setCondition(Pod p, String type, String status, String reason, String message, String now) {
    if (p.getStatus() == null) {
      p.setStatus(new PodStatus());
    }
    List<PodCondition> conds =
        p.getStatus().getConditions() == null ? new ArrayList<>() : new ArrayList<>(p.getStatus().getConditions());
    PodCondition existing = conds.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    if (existing != null && status.equals(existing.getStatus())) {
      existing.setReason(reason);
      existing.setMessage(message);
    } else {
      conds.remove(existing);
      PodCondition c = new PodCondition();
      c.setType(type);
      c.setStatus(status);
      c.setReason(reason);
      c.setMessage(message);
      c.setLastTransitionTime(now);
      conds.add(c);
    }
    p.getStatus().setConditions(conds);
  }

  // ---------------------------------------------------------------- nodes

  public static Optional<NodeCondition> nodeCondition(Node n, String type) {
    if (n.getStatus() == null || n.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return n.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isNodeReady(Node n) {
    return nodeCondition(n, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  public static boolean isUnschedulable(Node n) {
    return n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
  }

  public static Resources allocatable(Node n) {
    return n.getStatus() == null ? Resources.ZERO : Resources.of(n.getStatus().getAllocatable());
  }

  public static String kubeletVersion(Node n) {
    return n.getStatus() == null || n.getStatus().getNodeInfo() == null
        ? ""
        : n.getStatus().getNodeInfo().getKubeletVersion();
  }
}
