package dev.rotator.kubernetes;

import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A one-group cloud for drain tests: maps {@code test:///<group>/<instance>} provider IDs, records
 * terminations, and registers a Ready replacement Node in the mock API server for each one, so the engine
 * can finish a node. The cloud is not what these tests are about.
 */
final class RecordingCloud implements CloudProvider {
  static final String GROUP = "workers";
  private static final String PREFIX = "test:///" + GROUP + "/";

  private final KubernetesClient client;
  private final List<String> terminated = new CopyOnWriteArrayList<>();
  private final AtomicInteger replacements = new AtomicInteger();

  RecordingCloud(KubernetesClient client) {
    this.client = client;
  }

  static String providerId(String instance) {
    return PREFIX + instance;
  }

  List<String> terminated() {
    return List.copyOf(terminated);
  }

  @Override
  public String name() {
    return "test";
  }

  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    if (providerId == null || !providerId.startsWith(PREFIX)) {
      return Optional.empty();
    }
    return Optional.of(new InstanceRef(providerId.substring(PREFIX.length()), GROUP, "zone-a"));
  }

  @Override
  public List<NodeGroup> nodeGroups() {
    return List.of(nodeGroup(GROUP));
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    return new NodeGroup(GROUP, 3, 0, 10, "v1.31.0");
  }

  @Override
  public void setDesiredCapacity(String groupId, int desired) {
    throw new UnsupportedOperationException("these tests run with maxSurge 0");
  }

  @Override
  public void terminate(InstanceRef instance, boolean decrementDesired) {
    terminated.add(instance.instanceId());
    if (!decrementDesired) {
      String name = "replacement-" + replacements.incrementAndGet();
      client
          .resource(
              K8s.node(name)
                  .editSpec()
                  .withProviderID(providerId("i-" + name))
                  .endSpec()
                  .editStatus()
                  .editNodeInfo()
                  .withKubeletVersion("v1.31.0")
                  .endNodeInfo()
                  .endStatus()
                  .build())
          .create();
    }
  }

  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    return Optional.empty();
  }

  @Override
  public int headroom(String groupId) {
    return 7;
  }
}
