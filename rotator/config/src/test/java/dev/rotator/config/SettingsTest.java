package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.OutdatedSelector;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.clusterstate.ClusterStateCheck;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SettingsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
  private final ManualClock clock = new ManualClock(NOW);

  /** A cloud whose only opinion is which instances are outdated; nothing else is asked of it here. */
  private static final class OpinionatedCloud implements CloudProvider {
    private final Set<String> outdated;

    OpinionatedCloud(Set<String> outdated) {
      this.outdated = outdated;
    }

    @Override
    public String name() {
      return "test";
    }

    @Override
    public Optional<InstanceRef> instanceOf(String providerId) {
      return providerId.startsWith("test://") ? Optional.of(new InstanceRef(providerId.substring(7), "g", "z1")) : Optional.empty();
    }

    @Override
    public List<NodeGroup> nodeGroups() {
      throw new UnsupportedOperationException();
    }

    @Override
    public NodeGroup nodeGroup(String groupId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setDesiredCapacity(String groupId, int desired) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void terminate(InstanceRef instance, boolean decrementDesired) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Boolean> isOutdated(InstanceRef instance) {
      return Optional.of(outdated.contains(instance.instanceId()));
    }

    @Override
    public int headroom(String groupId) {
      throw new UnsupportedOperationException();
    }
  }

  private static NodeInfo node(String name, String kubelet, Map<String, String> labels, Instant created) {
    return new NodeInfo(name, labels, Map.of(), kubelet, "test://" + name, true, false, created, List.of());
  }

  @Test
  @DisplayName("the selector is outdated when any criterion says so, the first matching one giving the reason")
  void anyOf() {
    RotatorConfig c =
        ConfigLoader.parse(
            "selector:\n  kubeletVersionBelow: v1.31.2\n  label: {key: pool, value: v2}\n  maxAge: 30d\n", "t");
    OutdatedSelector s = c.selector().toSelector(null, clock);
    Instant young = NOW.minus(Duration.ofDays(1));

    assertEquals(Optional.empty(), s.whyOutdated(node("current", "v1.31.2", Map.of("pool", "v2"), young)));
    assertTrue(s.whyOutdated(node("old-kubelet", "v1.30.9", Map.of("pool", "v2"), young)).orElseThrow().contains("kubelet"));
    assertTrue(s.whyOutdated(node("old-label", "v1.31.2", Map.of("pool", "v1"), young)).orElseThrow().contains("label pool"));
    assertTrue(
        s.whyOutdated(node("old-age", "v1.31.2", Map.of("pool", "v2"), NOW.minus(Duration.ofDays(31))))
            .orElseThrow()
            .startsWith("age"));
    // Both kubelet and label outdated: the kubelet reason comes first.
    assertTrue(s.whyOutdated(node("both", "v1.29.0", Map.of(), young)).orElseThrow().contains("kubelet"));
  }

  @Test
  @DisplayName("the default selector asks the cloud provider")
  void providerDefault() {
    OutdatedSelector s = ConfigLoader.defaults().selector().toSelector(new OpinionatedCloud(Set.of("a")), clock);
    assertTrue(s.whyOutdated(node("a", "v1.31.0", Map.of(), NOW)).isPresent());
    assertEquals(Optional.empty(), s.whyOutdated(node("b", "v1.31.0", Map.of(), NOW)));
  }

  @Test
  @DisplayName("the annotation criterion compares the annotation value")
  void annotation() {
    OutdatedSelector s =
        ConfigLoader.parse("selector:\n  annotation: {key: example.com/image, value: img-2}\n", "t")
            .selector()
            .toSelector(null, clock);
    NodeInfo current =
        new NodeInfo("n", Map.of(), Map.of("example.com/image", "img-2"), "v1.31.0", "", true, false, NOW, List.of());
    NodeInfo old =
        new NodeInfo("n", Map.of(), Map.of("example.com/image", "img-1"), "v1.31.0", "", true, false, NOW, List.of());
    assertEquals(Optional.empty(), s.whyOutdated(current));
    assertTrue(s.whyOutdated(old).isPresent());
  }

  @Test
  @DisplayName("a provider selector without a cloud is a programming error, said plainly")
  void providerNeedsCloud() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> SelectorSettings.defaults().toSelector(null, clock));
    assertTrue(e.getMessage().contains("selector.provider"));
  }

  @Test
  @DisplayName("a SelectorSettings built in code cannot be empty either")
  void emptySelectorRecord() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new SelectorSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false));
  }

  @Test
  @DisplayName("gates.checks: the cluster-state check with the configured thresholds, none when disabled")
  void checks() {
    InMemoryCluster cluster = new InMemoryCluster();
    RotatorConfig c =
        ConfigLoader.parse("gates:\n  clusterState: {maxNotReadyNodes: 2, maxUnschedulablePods: 7, newNodeGrace: 1m}\n", "t");
    List<HealthCheck> checks = c.gates().checks(cluster, clock);
    assertEquals(1, checks.size());
    ClusterStateCheck check = assertInstanceOf(ClusterStateCheck.class, checks.get(0));
    assertEquals(new ClusterStateCheck.Settings(2, 7, Duration.ofMinutes(1)), check.settings());
    assertEquals(ReasonCode.CLUSTER_UNHEALTHY, check.reasonCode());

    RotatorConfig off = ConfigLoader.parse("gates:\n  clusterState: {enabled: false}\n", "t");
    assertEquals(List.of(), off.gates().checks(cluster, clock));
  }

  @Test
  @DisplayName("gates.gate: consecutivePasses healthy evaluations before PASS, and a NotReady node fails it")
  void gate() {
    InMemoryCluster cluster = new InMemoryCluster();
    cluster.addNode(node("n1", "v1.31.0", Map.of(), NOW.minus(Duration.ofDays(3))));
    RotatorConfig c = ConfigLoader.parse("gates:\n  consecutivePasses: 3\n", "t");
    try (CompositeGate gate = c.gates().gate(cluster, clock)) {
      assertEquals(GateDecision.Verdict.WAIT, gate.evaluate("cordon n1").verdict());
      assertEquals(GateDecision.Verdict.WAIT, gate.evaluate("cordon n1").verdict());
      assertEquals(GateDecision.Verdict.PASS, gate.evaluate("cordon n1").verdict());

      cluster.updateNode(
          new NodeInfo("n1", Map.of(), Map.of(), "v1.31.0", "", false, false, NOW.minus(Duration.ofDays(3)), List.of()));
      GateDecision d = gate.evaluate("drain n1");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict());
      assertEquals(ReasonCode.CLUSTER_UNHEALTHY, d.reason());
    }
  }
}
