package dev.rotator.kubernetes;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies fabric8 objects into the core's client-free records. Public so the simulator and the CLI map
 * objects exactly as the adapter does.
 */
public final class KubeModel {

  /** Annotation the kubelet puts on the API mirror of a static pod. */
  public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

  /**
   * Key of the requirement that stands for a PDB with no selector at all: in policy/v1 a null selector
   * selects no pod, while an empty one selects every pod of the namespace. The core's {@link
   * LabelSelector} treats empty as "everything", so "nothing" is an In requirement with no values.
   */
  public static final String NULL_SELECTOR_KEY = "rotator.dev/pdb-without-selector";

  private KubeModel() {}

  public static NodeInfo toNodeInfo(Node node) {
    var meta = node.getMetadata();
    var spec = node.getSpec();
    var status = node.getStatus();
    String kubelet =
        status == null || status.getNodeInfo() == null ? "" : status.getNodeInfo().getKubeletVersion();
    boolean ready = false;
    if (status != null && status.getConditions() != null) {
      for (NodeCondition c : status.getConditions()) {
        if ("Ready".equals(c.getType())) {
          ready = "True".equals(c.getStatus());
        }
      }
    }
    List<Taint> taints = new ArrayList<>();
    if (spec != null && spec.getTaints() != null) {
      for (var t : spec.getTaints()) {
        taints.add(new Taint(t.getKey(), t.getValue(), t.getEffect()));
      }
    }
    return new NodeInfo(
        meta.getName(),
        meta.getLabels(),
        meta.getAnnotations(),
        kubelet,
        spec == null ? "" : spec.getProviderID(),
        ready,
        spec != null && Boolean.TRUE.equals(spec.getUnschedulable()),
        parseTime(meta.getCreationTimestamp()).orElse(null),
        taints);
  }

  public static PodInfo toPodInfo(Pod pod) {
    var meta = pod.getMetadata();
    var spec = pod.getSpec();
    var status = pod.getStatus();
    OwnerReference controller = controllerOf(pod);
    Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    boolean emptyDir = false;
    if (spec != null && spec.getVolumes() != null) {
      for (Volume v : spec.getVolumes()) {
        if (v.getEmptyDir() != null) {
          emptyDir = true;
        }
      }
    }
    boolean ready = false;
    boolean unschedulable = false;
    Instant notReadySince = null;
    if (status != null && status.getConditions() != null) {
      for (PodCondition c : status.getConditions()) {
        if ("Ready".equals(c.getType())) {
          ready = "True".equals(c.getStatus());
          if (!ready) {
            notReadySince = timestamp(c.getLastTransitionTime());
          }
        } else if ("PodScheduled".equals(c.getType())) {
          unschedulable = "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason());
        }
      }
    }
    return new PodInfo(
        new PodRef(meta.getNamespace(), meta.getName()),
        spec == null ? "" : spec.getNodeName(),
        meta.getLabels(),
        controller == null ? OwnerKind.NONE : ownerKind(controller.getKind()),
        controller == null ? "" : controller.getName(),
        annotations.containsKey(MIRROR_ANNOTATION),
        emptyDir,
        ready,
        status == null ? "" : status.getPhase(),
        meta.getDeletionTimestamp() != null && !meta.getDeletionTimestamp().isEmpty(),
        unschedulable,
        notReadySince,
        waitingReason(status));
  }

  /** The first container's waiting reason (CrashLoopBackOff, ImagePullBackOff, ...), or empty. */
  private static String waitingReason(io.fabric8.kubernetes.api.model.PodStatus status) {
    if (status == null || status.getContainerStatuses() == null) {
      return "";
    }
    for (var cs : status.getContainerStatuses()) {
      if (cs.getState() != null && cs.getState().getWaiting() != null && cs.getState().getWaiting().getReason() != null) {
        return cs.getState().getWaiting().getReason();
      }
    }
    return "";
  }

  /** An RFC 3339 timestamp, or null when absent or unreadable (then the pod's unhealthy time is unknown). */
  private static Instant timestamp(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  public static PdbInfo toPdbInfo(PodDisruptionBudget pdb) {
    var meta = pdb.getMetadata();
    var spec = pdb.getSpec();
    PodDisruptionBudgetStatus st = pdb.getStatus();
    return new PdbInfo(
        meta.getNamespace(),
        meta.getName(),
        toSelector(spec == null ? null : spec.getSelector()),
        spec == null ? "" : intOrString(spec.getMinAvailable()),
        spec == null ? "" : intOrString(spec.getMaxUnavailable()),
        st == null ? 0 : intOr0(st.getDisruptionsAllowed()),
        st == null ? 0 : intOr0(st.getCurrentHealthy()),
        st == null ? 0 : intOr0(st.getDesiredHealthy()),
        st == null ? 0 : intOr0(st.getExpectedPods()));
  }

  public static LabelSelector toSelector(io.fabric8.kubernetes.api.model.LabelSelector s) {
    if (s == null) {
      return new LabelSelector(
          Map.of(), List.of(new LabelSelector.Requirement(NULL_SELECTOR_KEY, "In", List.of())));
    }
    List<LabelSelector.Requirement> reqs = new ArrayList<>();
    if (s.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : s.getMatchExpressions()) {
        reqs.add(new LabelSelector.Requirement(r.getKey(), r.getOperator(), r.getValues()));
      }
    }
    return new LabelSelector(s.getMatchLabels(), reqs);
  }

  /** The owner reference with {@code controller: true}, as kubectl drain's GetControllerOf. */
  static OwnerReference controllerOf(Pod pod) {
    List<OwnerReference> refs = pod.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    for (OwnerReference r : refs) {
      if (Boolean.TRUE.equals(r.getController())) {
        return r;
      }
    }
    return null;
  }

  static OwnerKind ownerKind(String kind) {
    if (kind == null) {
      return OwnerKind.OTHER;
    }
    switch (kind) {
      case "DaemonSet":
        return OwnerKind.DAEMON_SET;
      case "ReplicaSet":
        return OwnerKind.REPLICA_SET;
      case "StatefulSet":
        return OwnerKind.STATEFUL_SET;
      case "Job":
        return OwnerKind.JOB;
      case "ReplicationController":
        return OwnerKind.REPLICATION_CONTROLLER;
      default:
        return OwnerKind.OTHER;
    }
  }

  static String intOrString(IntOrString v) {
    if (v == null) {
      return "";
    }
    if (v.getIntVal() != null) {
      return String.valueOf(v.getIntVal());
    }
    return v.getStrVal() == null ? "" : v.getStrVal();
  }

  private static int intOr0(Integer i) {
    return i == null ? 0 : i;
  }

  /** RFC 3339 timestamps as the API server writes them; empty when absent or unreadable. */
  static Optional<Instant> parseTime(String s) {
    if (s == null || s.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(s).toInstant());
    } catch (DateTimeParseException e) {
      try {
        return Optional.of(Instant.parse(s));
      } catch (DateTimeParseException e2) {
        return Optional.empty();
      }
    }
  }
}
