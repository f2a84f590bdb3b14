package dev.rotator.core.engine;

import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PodInfo;

/** What drain does with a pod, with kubectl drain's semantics as the reference. */
public final class PodClassifier {

  /** The decision for one pod. */
  public enum Kind {
    /** DaemonSet and mirror pods: never evicted, they do not block the drain. */
    IGNORE,
    /** Evict through the Eviction API. */
    EVICT,
    /** The policy forbids evicting it (no controller, emptyDir data): the drain cannot go on. */
    REFUSE
  }

  private final RotationPolicy policy;

  public PodClassifier(RotationPolicy policy) {
    this.policy = policy;
  }

  public Kind classify(PodInfo pod) {
    if (pod.mirror() || pod.ownerKind() == OwnerKind.DAEMON_SET) {
      return Kind.IGNORE;
    }
    if (pod.finished()) {
      // A Succeeded/Failed pod runs nothing: evicting it is harmless and needs no permission.
      return Kind.EVICT;
    }
    if (pod.ownerKind() == OwnerKind.NONE && !policy.allowUnmanagedPods()) {
      return Kind.REFUSE;
    }
    if (pod.usesEmptyDir() && !policy.allowEmptyDirData()) {
      return Kind.REFUSE;
    }
    return Kind.EVICT;
  }

  /** Why a pod is refused, for the evidence. */
  public String refusal(PodInfo pod) {
    if (pod.ownerKind() == OwnerKind.NONE && !policy.allowUnmanagedPods()) {
      return pod.ref() + " has no controller (it would not come back; policy.allowUnmanagedPods is false)";
    }
    return pod.ref() + " uses emptyDir (its data would be lost; policy.deleteEmptyDirData is false)";
  }
}
