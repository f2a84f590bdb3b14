package dev.rotator.core.model;

import java.time.Instant;
import java.util.Map;

/**
 * What drain decisions need to know about a pod.
 *
 * @param ref namespace/name
 * @param nodeName {@code spec.nodeName} (empty while Pending)
 * @param labels labels (PDB selectors match on them)
 * @param ownerKind kind of the controlling owner reference
 * @param ownerName name of the controlling owner
 * @param mirror a static/mirror pod ({@code kubernetes.io/config.mirror} annotation): never evicted
 * @param usesEmptyDir has an emptyDir volume (data lost on eviction)
 * @param ready the Ready condition is True
 * @param phase {@code status.phase}
 * @param terminating {@code metadata.deletionTimestamp} is set
 * @param unschedulable Pending with condition PodScheduled=False, reason Unschedulable: no node fits
 * @param notReadySince when the Ready condition last turned False ({@code lastTransitionTime}), null when the pod
 *     is Ready or the time is unknown: how long a pod has been unhealthy (PDB hostage detection)
 * @param state why the pod is not Ready as the kubelet says it, e.g. {@code CrashLoopBackOff} or {@code
 *     ImagePullBackOff} (a container's waiting reason), or empty
 */
public record PodInfo(
    PodRef ref,
    String nodeName,
    Map<String, String> labels,
    OwnerKind ownerKind,
    String ownerName,
    boolean mirror,
    boolean usesEmptyDir,
    boolean ready,
    String phase,
    boolean terminating,
    boolean unschedulable,
    Instant notReadySince,
    String state) {

  public PodInfo {
    nodeName = nodeName == null ? "" : nodeName;
    state = state == null ? "" : state;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    ownerName = ownerName == null ? "" : ownerName;
    phase = phase == null ? "" : phase;
  }

  /** A pod whose unhealthy time and state are unknown (older adapters, tests). */
  public PodInfo(
      PodRef ref,
      String nodeName,
      Map<String, String> labels,
      OwnerKind ownerKind,
      String ownerName,
      boolean mirror,
      boolean usesEmptyDir,
      boolean ready,
      String phase,
      boolean terminating,
      boolean unschedulable) {
    this(ref, nodeName, labels, ownerKind, ownerName, mirror, usesEmptyDir, ready, phase, terminating, unschedulable,
        null, "");
  }

  /** Succeeded or Failed: nothing runs any more, eviction is not needed for safety. */
  public boolean finished() {
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }
}
