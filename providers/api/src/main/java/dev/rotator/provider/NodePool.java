package dev.rotator.provider;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A node pool as the cloud describes it: the template its instances are made from and its size. An Auto
 * Scaling group (with its launch template version), a GKE node pool, a fake group.
 *
 * @param name the pool's name (ASG name, node pool name)
 * @param version the Kubernetes version of its nodes (GKE node pool version; empty where the template decides,
 *     e.g. AWS)
 * @param image the node image (GKE image type, AWS AMI id when known); empty when unknown
 * @param launchTemplate the launch template (AWS: id or name); empty elsewhere
 * @param launchTemplateVersion the launch template version new instances get (AWS); empty elsewhere
 * @param machineType instance / machine type
 * @param labels Kubernetes labels every node of the pool gets (GKE config labels; AWS: the cluster-autoscaler
 *     {@code node-template/label} tags); the provider's own pool label is not among them
 * @param taints taints every node of the pool gets
 * @param size desired number of nodes now
 * @param min minimum size
 * @param max maximum size
 * @param zones zones (subnets' zones on AWS) the pool spreads over
 */
public record NodePool(
    String name,
    String version,
    String image,
    String launchTemplate,
    String launchTemplateVersion,
    String machineType,
    Map<String, String> labels,
    List<PoolTaint> taints,
    int size,
    int min,
    int max,
    List<String> zones) {

  public NodePool {
    Objects.requireNonNull(name, "name");
    version = version == null ? "" : version;
    image = image == null ? "" : image;
    launchTemplate = launchTemplate == null ? "" : launchTemplate;
    launchTemplateVersion = launchTemplateVersion == null ? "" : launchTemplateVersion;
    machineType = machineType == null ? "" : machineType;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    taints = taints == null ? List.of() : List.copyOf(taints);
    zones = zones == null ? List.of() : List.copyOf(zones);
  }

  /**
   * The pool a switch creates from this one: same labels, taints and zones, the changes applied, {@code size}
   * nodes (min and max widened to admit it).
   */
  public NodePool derive(String newName, PoolChanges changes, int newSize) {
    return new NodePool(
        newName,
        changes.version().orElse(version),
        changes.image().orElse(image),
        launchTemplate,
        changes.launchTemplateVersion().orElse(launchTemplateVersion),
        changes.machineType().orElse(machineType),
        labels,
        taints,
        newSize,
        Math.min(min, newSize),
        Math.max(max, newSize),
        zones);
  }
}
