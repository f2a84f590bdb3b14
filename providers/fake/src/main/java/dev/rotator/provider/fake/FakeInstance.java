package dev.rotator.provider.fake;

import dev.rotator.provider.InstanceRef;
import java.time.Instant;
import java.util.Objects;

/**
 * An immutable snapshot of one fake instance. The cloud replaces the snapshot on every state change, so a
 * value handed to a listener or a test never changes under it.
 *
 * @param id instance id ({@code i-<group>-<n>})
 * @param groupId owning node group
 * @param zone availability zone
 * @param version the kubelet/template version it was launched with
 * @param instanceType instance type name (informational, becomes a Node label)
 * @param cpuMillis CPU capacity in millicores
 * @param memoryMi memory capacity in MiB
 * @param state lifecycle state
 * @param launchedAt when it was launched
 * @param runningAt when it became RUNNING (null before)
 * @param terminatedAt when it was terminated (null before)
 */
public record FakeInstance(
    String id,
    String groupId,
    String zone,
    String version,
    String instanceType,
    long cpuMillis,
    long memoryMi,
    InstanceState state,
    Instant launchedAt,
    Instant runningAt,
    Instant terminatedAt) {

  public FakeInstance {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(launchedAt, "launchedAt");
  }

  /** The Node {@code spec.providerID} of this instance: {@code fake:///<zone>/<group>/<id>}. */
  public String providerId() {
    return FakeCloud.providerId(zone, groupId, id);
  }

  public InstanceRef ref() {
    return new InstanceRef(id, groupId, zone);
  }

  FakeInstance running(Instant at) {
    return new FakeInstance(
        id, groupId, zone, version, instanceType, cpuMillis, memoryMi, InstanceState.RUNNING, launchedAt, at,
        null);
  }

  FakeInstance terminated(Instant at) {
    return new FakeInstance(
        id, groupId, zone, version, instanceType, cpuMillis, memoryMi, InstanceState.TERMINATED, launchedAt,
        runningAt, at);
  }
}
