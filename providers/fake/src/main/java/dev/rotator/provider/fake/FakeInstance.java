package dev.rotator.provider.fake;

import dev.rotator.provider.InstanceRef;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of one fake instance. The cloud replaces the snapshot on every state change, so a
 * value handed to a listener or a test never changes under it.
 *
 * @param id instance id: {@code i-00001} (fake), {@code i-0123456789abcdef0} (aws), the instance name
 *     (gke); see {@link FakeFlavor}
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
 * @param providerId the Node's {@code spec.providerID} in the flavour's format
 * @param nodeName the name its kubelet registers the Node under
 * @param privateIp its private IPv4 address (the Node's InternalIP)
 * @param labels the flavour's Node labels (region, node group label), besides the generic ones
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
    Instant terminatedAt,
    String providerId,
    String nodeName,
    String privateIp,
    Map<String, String> labels) {

  public FakeInstance {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(launchedAt, "launchedAt");
    Objects.requireNonNull(providerId, "providerId");
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(privateIp, "privateIp");
    labels = Map.copyOf(labels);
  }

  public InstanceRef ref() {
    return new InstanceRef(id, groupId, zone);
  }

  FakeInstance running(Instant at) {
    return new FakeInstance(
        id, groupId, zone, version, instanceType, cpuMillis, memoryMi, InstanceState.RUNNING, launchedAt, at,
        null, providerId, nodeName, privateIp, labels);
  }

  FakeInstance terminated(Instant at) {
    return new FakeInstance(
        id, groupId, zone, version, instanceType, cpuMillis, memoryMi, InstanceState.TERMINATED, launchedAt,
        runningAt, at, providerId, nodeName, privateIp, labels);
  }
}
