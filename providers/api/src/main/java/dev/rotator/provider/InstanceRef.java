package dev.rotator.provider;

import java.util.Objects;

/** One cloud instance and the group that owns it. */
public record InstanceRef(String instanceId, String groupId, String zone) {
  public InstanceRef {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(groupId, "groupId");
    zone = zone == null ? "" : zone;
  }
}
