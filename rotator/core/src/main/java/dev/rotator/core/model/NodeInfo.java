package dev.rotator.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the engine needs to know about a Node, copied out of the cluster (no client types).
 *
 * @param name node name
 * @param labels labels
 * @param annotations annotations
 * @param kubeletVersion {@code status.nodeInfo.kubeletVersion}, e.g. {@code v1.30.4}
 * @param providerId {@code spec.providerID} (may be empty)
 * @param ready the Ready condition is True
 * @param unschedulable {@code spec.unschedulable} (cordoned)
 * @param created creation timestamp
 * @param taints taints on the node
 */
public record NodeInfo(
    String name,
    Map<String, String> labels,
    Map<String, String> annotations,
    String kubeletVersion,
    String providerId,
    boolean ready,
    boolean unschedulable,
    Instant created,
    List<Taint> taints) {

  public NodeInfo {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    kubeletVersion = kubeletVersion == null ? "" : kubeletVersion;
    providerId = providerId == null ? "" : providerId;
    created = created == null ? Instant.EPOCH : created;
    taints = taints == null ? List.of() : List.copyOf(taints);
  }

  /** The zone label ({@code topology.kubernetes.io/zone}), or empty. */
  public String zone() {
    return labels.getOrDefault("topology.kubernetes.io/zone", "");
  }

  /** Ready and not cordoned: a node new pods can land on. */
  public boolean available() {
    return ready && !unschedulable;
  }

  public boolean hasTaint(String key) {
    return taints.stream().anyMatch(t -> t.key().equals(key));
  }
}
