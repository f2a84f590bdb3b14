package dev.rotator.kubernetes;

import static dev.rotator.kubernetes.K8s.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.ScaledClock;
import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.OutdatedSelector;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.model.PodRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The real {@link RotationEngine} draining through {@link KubernetesCluster} over HTTP against the mock
 * API server: the kubectl-drain semantics the issue asks for, as they come out on the wire.
 *
 * <p>Time is a {@link ScaledClock} at 20×: the informer behind the pod watch runs in real time, so
 * simulated time must not race ahead of it (a manual clock would let the engine burn through its drain
 * timeout before a watch event could arrive), yet a 30 s drain timeout still takes only 1.5 s.
 */
@DisplayName("Draining through the engine and the fabric8 adapter")
class DrainThroughEngineTest {
  private static final double SCALE = 20;

  private MockApi api;
  private KubernetesCluster cluster;
  private RecordingCloud cloud;
  private ScaledClock clock;
  private InMemoryStateStore store;
  private RecordingNotifier notifier;

  @BeforeEach
  void start() {
    api = new MockApi();
    cluster = new KubernetesCluster(api.client);
    cloud = new RecordingCloud(api.client);
    clock = new ScaledClock(Instant.parse("2026-05-01T08:00:00Z"), SCALE);
    store = new InMemoryStateStore(clock);
    notifier = new RecordingNotifier();
    // One outdated node to rotate, one current node so a cordon keeps the cluster within maxUnavailable.
    create(node("old-1", "v1.29.8"), node("current-1", "v1.31.0"));
  }

  @AfterEach
  void stop() {
    try {
      assertEquals(List.of(), api.dispatcher.podDeletes(), "a pod was deleted instead of evicted");
    } finally {
      cluster.close();
      api.close();
    }
  }

  private static Node node(String name, String kubelet) {
    return K8s.node(name)
        .editSpec()
        .withProviderID(RecordingCloud.providerId("i-" + name))
        .endSpec()
        .editStatus()
        .editNodeInfo()
        .withKubeletVersion(kubelet)
        .endNodeInfo()
        .endStatus()
        .build();
  }

  private void create(HasMetadata... objects) {
    for (HasMetadata o : objects) {
      api.client.resource(o).create();
    }
  }

  private static RotationPolicy policy(Duration drainTimeout) {
    return new RotationPolicy(
        RotationPolicy.Order.NAME,
        true,
        1,
        0,
        drainTimeout,
        Duration.ofSeconds(1),
        Duration.ofSeconds(4),
        Duration.ofMinutes(10),
        Duration.ofSeconds(1),
        false,
        false,
        true,
        0);
  }

  private RunResult run(RotationPolicy policy) throws InterruptedException {
    RotationEngine engine =
        new RotationEngine(
            new Ports(cluster, cloud, store, Gate.open(), notifier, clock),
            policy,
            OutdatedSelector.kubeletBelow("v1.31.0"));
    return engine.run(RunOptions.defaults("drain-test"));
  }

  private List<String> evictedPaths() {
    return api.dispatcher.evictions().stream()
        .map(r -> r.path().replace("/api/v1/namespaces/", "").replace("/eviction", "").replace("/pods/", "/"))
        .distinct()
        .sorted()
        .toList();
  }

  private Pod daemonSetPod() {
    return pod("kube-system", "agent-old-1", "old-1", "DaemonSet").build();
  }

  private Pod mirrorPod() {
    return pod("kube-system", "kube-proxy-old-1", "old-1", "Node")
        .editMetadata()
        .addToAnnotations(KubeModel.MIRROR_ANNOTATION, "hash")
        .endMetadata()
        .build();
  }

  private Pod emptyDirPod() {
    return pod("shop", "cache-1", "old-1", "StatefulSet")
        .editSpec()
        .addNewVolume()
        .withName("scratch")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .endSpec()
        .build();
  }

  @Test
  @DisplayName("DaemonSet and mirror pods stay, replica pods are evicted, and the node is rotated")
  void skipsDaemonSetAndMirrorPods() throws Exception {
    create(
        daemonSetPod(),
        mirrorPod(),
        K8s.replicaPod("shop", "web-1", "old-1"),
        K8s.replicaPod("shop", "api-1", "old-1"),
        K8s.replicaPod("shop", "web-2", "current-1"));

    RunResult result = run(policy(Duration.ofMinutes(10)));

    assertEquals(RunResult.Outcome.COMPLETED, result.outcome(), result.message());
    assertEquals(NodeState.DONE, result.nodes().get(0).state());
    assertEquals(List.of("shop/api-1", "shop/web-1"), evictedPaths());
    assertEquals(List.of("i-old-1"), cloud.terminated());
    assertTrue(cluster.node("old-1").isEmpty(), "the Node object was deleted");
    // The pods the drain leaves alone are still in the API (the kubelet would stop them with the node).
    assertTrue(api.client.pods().inNamespace("kube-system").withName("agent-old-1").get() != null);
    assertTrue(api.client.pods().inNamespace("kube-system").withName("kube-proxy-old-1").get() != null);
    assertEquals(
        "shop/web-2",
        cluster.podsOnNode("current-1").stream().map(p -> p.ref().toString()).collect(Collectors.joining()));
    assertTrue(cluster.node("current-1").orElseThrow().taints().isEmpty(), "only outdated nodes are tainted");
    assertTrue(
        api.dispatcher.requests().stream()
            .anyMatch(r -> r.method().equals("PUT") && r.path().equals("/api/v1/nodes/old-1")),
        "the outdated node got its PreferNoSchedule taint");
  }

  @Test
  @DisplayName("a pod without a controller freezes the run with DRAIN_REFUSED before the node is touched")
  void unmanagedPodRefused() throws Exception {
    create(K8s.replicaPod("shop", "web-1", "old-1"), pod("shop", "debug-shell", "old-1", null).build());

    RunResult result = run(policy(Duration.ofMinutes(10)));

    assertEquals(RunResult.Outcome.FROZEN, result.outcome());
    assertEquals(ReasonCode.DRAIN_REFUSED, result.reason());
    assertTrue(result.evidence().stream().anyMatch(e -> e.contains("shop/debug-shell")), result.evidence().toString());
    assertEquals("DRAIN_REFUSED", store.mode().reason());
    assertFalse(cluster.node("old-1").orElseThrow().unschedulable(), "not cordoned");
    assertEquals(List.of(), api.dispatcher.evictions());
    assertEquals(List.of(), cloud.terminated());
  }

  @Test
  @DisplayName("a pod with emptyDir data freezes the run with DRAIN_REFUSED")
  void emptyDirPodRefused() throws Exception {
    create(emptyDirPod());

    RunResult result = run(policy(Duration.ofMinutes(10)));

    assertEquals(RunResult.Outcome.FROZEN, result.outcome());
    assertEquals(ReasonCode.DRAIN_REFUSED, result.reason());
    assertTrue(result.evidence().stream().anyMatch(e -> e.contains("shop/cache-1")), result.evidence().toString());
    assertEquals(List.of(), api.dispatcher.evictions());
  }

  @Test
  @DisplayName("when the policy allows them, unmanaged and emptyDir pods are evicted (never deleted)")
  void allowedByPolicy() throws Exception {
    create(emptyDirPod(), pod("shop", "debug-shell", "old-1", null).build(), daemonSetPod());

    RunResult result = run(policy(Duration.ofMinutes(10)).withPodRules(true, true));

    assertEquals(RunResult.Outcome.COMPLETED, result.outcome(), result.message());
    assertEquals(List.of("shop/cache-1", "shop/debug-shell"), evictedPaths());
    assertEquals(List.of("i-old-1"), cloud.terminated());
  }

  @Test
  @DisplayName("a 429 from a PDB is retried with backoff and the pod is evicted once the PDB allows it")
  void blockedThenEvicted() throws Exception {
    PodRef web = new PodRef("shop", "web-1");
    create(K8s.replicaPod("shop", "web-1", "old-1"));
    api.dispatcher.evictionScript(
        (pod, attempt) -> attempt <= 3 ? TestDispatcher.pdbBlocks("web-pdb", 2, 2) : TestDispatcher.created());

    RunResult result = run(policy(Duration.ofMinutes(10)));

    assertEquals(RunResult.Outcome.COMPLETED, result.outcome(), result.message());
    assertEquals(4, api.dispatcher.evictionAttempts(web), "three refusals, then the eviction");
    assertEquals(List.of("i-old-1"), cloud.terminated());
    // Backoff between refusals (1 s initial, doubling, half of it jitter): at least 0.5 s, 1 s, 2 s of
    // simulated time; 0.2 s (10 ms of wall time) allowed for the request in flight.
    List<TestDispatcher.Request> posts = api.dispatcher.evictions();
    double[] minGapSeconds = {0.5, 1.0, 2.0};
    for (int i = 1; i < posts.size(); i++) {
      double simulated = (posts.get(i).receivedNanos() - posts.get(i - 1).receivedNanos()) * SCALE / 1e9;
      assertTrue(
          simulated >= minGapSeconds[i - 1] - 0.2,
          "retry " + i + " came " + simulated + " s (simulated) after the refusal");
    }
  }

  @Test
  @DisplayName("a pod a PDB blocks forever ends in FREEZE with DRAIN_TIMEOUT naming pod and PDB; nothing is forced;"
      + " with PDB-aware evictions no request is sent while the PDB's status allows no disruption")
  void blockedForeverTimesOut() throws Exception {
    blockedForever(policy(Duration.ofSeconds(30)));
    assertEquals(0, api.dispatcher.evictionAttempts(new PodRef("shop", "web-1")),
        "no eviction request while status.disruptionsAllowed is 0");
  }

  @Test
  @DisplayName("the same with policy.speed.pdbAwareEvictions off: the refused eviction is retried until the timeout")
  void blockedForeverTimesOutWithoutPdbAwareness() throws Exception {
    RotationPolicy p = policy(Duration.ofSeconds(30));
    blockedForever(p.withSpeed(p.speed().withPdbAwareEvictions(false)));
    assertTrue(api.dispatcher.evictionAttempts(new PodRef("shop", "web-1")) > 1, "the refusal was retried");
  }

  private void blockedForever(RotationPolicy policy) throws Exception {
    create(
        K8s.labelled(K8s.replicaPod("shop", "web-1", "old-1"), Map.of("app", "web")),
        K8s.pdb("shop", "web-pdb", Map.of("app", "web"))
            .editSpec()
            .withMaxUnavailable(null)
            .withMinAvailable(new io.fabric8.kubernetes.api.model.IntOrString(1))
            .endSpec()
            .editStatus()
            .withDisruptionsAllowed(0)
            .withCurrentHealthy(1)
            .withDesiredHealthy(1)
            .withExpectedPods(1)
            .endStatus()
            .build());
    api.dispatcher.evictionScript((pod, attempt) -> TestDispatcher.pdbBlocks("web-pdb", 1, 1));

    RunResult result = run(policy);

    assertEquals(RunResult.Outcome.FROZEN, result.outcome(), result.message());
    assertEquals(ReasonCode.DRAIN_TIMEOUT, result.reason());
    String evidence = String.join("\n", result.evidence());
    assertTrue(evidence.contains("shop/web-1"), evidence);
    assertTrue(evidence.contains("shop/web-pdb"), evidence);
    assertEquals("DRAIN_TIMEOUT", store.mode().reason());
    assertTrue(store.mode().evidence().stream().anyMatch(e -> e.contains("shop/web-pdb")));
    assertTrue(cluster.node("old-1").orElseThrow().unschedulable(), "the node stays cordoned");
    assertEquals(1, cluster.podsOnNode("old-1").size(), "the pod is still there: not forced");
    assertEquals(List.of(), cloud.terminated());
  }
}
