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
 * @param flavor the cloud the group imitates (naming, labels, zone placement); {@link FakeFlavor#FAKE} when
 *     null
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
    Duration provisioningDelay,
    FakeFlavor flavor) {

  /** Longest GKE instance name: a DNS label. */
  private static final int MAX_GCE_NAME = 63;

  /** A group of the plain fake flavour. */
  public FakeGroupSpec(
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
    this(id, zones, desired, min, max, quota, targetVersion, instanceType, cpuMillis, memoryMi, provisioningDelay,
        FakeFlavor.FAKE);
  }

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
    flavor = flavor == null ? FakeFlavor.FAKE : flavor;
    flavor.checkZones(id, zones);
    if (flavor.kind() == FakeFlavor.Kind.GKE
        && "gke-".length() + flavor.cluster().length() + 1 + id.length() + "-12345678-abcd".length() > MAX_GCE_NAME) {
      throw new IllegalArgumentException("group " + id + ": instance names gke-" + flavor.cluster() + "-" + id
          + "-<8 hex>-<4 chars> would exceed " + MAX_GCE_NAME + " characters; shorten the cluster or pool name");
    }
    if (flavor.kind() == FakeFlavor.Kind.GKE && zones.size() != zones.stream().distinct().count()) {
      throw new IllegalArgumentException("group " + id + ": duplicate zone in " + zones);
    }
  }
}
