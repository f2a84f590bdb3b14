package dev.rotator.provider;

import java.util.Optional;

/**
 * What differs between a pool and the pool that replaces it; an empty field keeps the old pool's value.
 *
 * @param version Kubernetes version of the new nodes (GKE)
 * @param image node image (GKE image type, AWS AMI: AWS takes it through a launch template version)
 * @param machineType instance / machine type
 * @param launchTemplateVersion AWS: the launch template version of the new group ({@code $Latest}, {@code
 *     $Default} or a number)
 */
public record PoolChanges(
    Optional<String> version,
    Optional<String> image,
    Optional<String> machineType,
    Optional<String> launchTemplateVersion) {

  public PoolChanges {
    version = blankIsEmpty(version);
    image = blankIsEmpty(image);
    machineType = blankIsEmpty(machineType);
    launchTemplateVersion = blankIsEmpty(launchTemplateVersion);
  }

  public static PoolChanges none() {
    return new PoolChanges(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public boolean isEmpty() {
    return version.isEmpty() && image.isEmpty() && machineType.isEmpty() && launchTemplateVersion.isEmpty();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    version.ifPresent(v -> b.append("version=").append(v).append(' '));
    image.ifPresent(v -> b.append("image=").append(v).append(' '));
    machineType.ifPresent(v -> b.append("machineType=").append(v).append(' '));
    launchTemplateVersion.ifPresent(v -> b.append("launchTemplateVersion=").append(v).append(' '));
    return b.length() == 0 ? "no change" : b.toString().trim();
  }

  private static Optional<String> blankIsEmpty(Optional<String> v) {
    return v == null ? Optional.empty() : v.filter(s -> !s.isBlank());
  }
}
