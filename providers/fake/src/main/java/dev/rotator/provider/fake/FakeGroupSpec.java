package dev.rotator.provider.fake;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a fake node group is set up.
 *
 * @param id group name
 * @param zones zones new instances are spread over (balanced, round-robin on ties)
 * @param desired initial desired capacity
 * @param min minimum size
 * @param max maximum size
 * @param quota the most live instances the account may run in this group (a service quota); at least
 *     {@code desired}
 * @param targetVersion the version new instances are launched with
 * @param instanceType instance type name
 * @param cpuMillis CPU per instance, millicores
 * @param memoryMi memory per instance, MiB
 * @param provisioningDelay time from launch to RUNNING
 */
public record FakeGroupSpec(
    String id,
    List<String> zones,
    int desired,
    int min,
    int max,
    int quota,
    String targetVersion,
    String instanceType,
    long cpuMillis,
    long memoryMi,
    Duration provisioningDelay) {

  public FakeGroupSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(targetVersion, "targetVersion");
    Objects.requireNonNull(provisioningDelay, "provisioningDelay");
    zones = List.copyOf(zones);
    instanceType = instanceType == null ? "fake.standard" : instanceType;
    if (zones.isEmpty()) {
      throw new IllegalArgumentException("group " + id + ": at least one zone is needed");
    }
    if (min < 0 || min > desired || desired > max) {
      throw new IllegalArgumentException(
          "group " + id + ": need 0 <= min <= desired <= max, got " + min + "/" + desired + "/" + max);
    }
    if (quota < desired) {
      throw new IllegalArgumentException("group " + id + ": quota " + quota + " is below desired " + desired);
    }
    if (cpuMillis <= 0 || memoryMi <= 0) {
      throw new IllegalArgumentException("group " + id + ": cpu and memory must be positive");
    }
    if (provisioningDelay.isNegative()) {
      throw new IllegalArgumentException("group " + id + ": provisioning delay must not be negative");
    }
  }
}
