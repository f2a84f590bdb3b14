package dev.rotator.core.model;

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
    boolean unschedulable) {

  public PodInfo {
    nodeName = nodeName == null ? "" : nodeName;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    ownerName = ownerName == null ? "" : ownerName;
    phase = phase == null ? "" : phase;
  }

  /** Succeeded or Failed: nothing runs any more, eviction is not needed for safety. */
  public boolean finished() {
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }
}
