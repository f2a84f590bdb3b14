package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.CheckResult;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.clusterstate.ClusterStateCheck;
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import dev.rotator.health.prometheus.PrometheusAlertsCheck;
import dev.rotator.health.quota.QuotaHeadroomCheck;
import dev.rotator.kubernetes.KubernetesCluster;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.sim.api.ApiFaults;
import dev.rotator.sim.fault.FaultReport;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Each fault's mechanics in a running simulator, judged where possible by rotator's real checks over the
 * wire. Faults start relative to the first cordon, which each test makes itself.
 */
class FaultInjectionTest {

  /** Three outdated nodes, two at the target version, a small web Deployment; fast clock. */
  private static final String BASE =
      """
      name: faults
      clock: {scale: 100}
      nodeGroups:
        - name: old
          size: 3
          maxSize: 6
          quota: 6
          kubeletVersion: v1.30.0
          targetVersion: v1.31.0
          provisioningSeconds: 10
          readySeconds: 2
        - name: cur
          size: 2
          kubeletVersion: v1.31.0
      workloads:
        - namespace: shop
          name: web
          replicas: 3
          cpu: 100m
      """;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Simulator sim;
  private KubernetesClient client;

  private void start(String extra) {
    sim = Simulator.start(Scenario.parse(BASE + extra, "faults.yaml"));
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sim.apiUrl())
                    .withRequestRetryBackoffLimit(0)
                    .withUserAgent(ApiFaults.SIMULATOR_USER_AGENT + "-test")
                    .build())
            .build();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private void await(Duration simTimeout, String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = sim.clock().now().plus(simTimeout);
    while (!condition.getAsBoolean()) {
      if (sim.clock().now().isAfter(deadline)) {
        throw new AssertionError("timed out (" + simTimeout + " simulated) waiting until " + what);
      }
      sim.clock().sleep(Duration.ofMillis(500));
    }
  }

  /** Cordons an outdated node: the first disruptive action, from which faults are timed. */
  private void cordon(String node) {
    client.nodes().withName(node).edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
  }

  private FaultReport fault(int i) {
    return sim.report().faults().get(i);
  }

  private void awaitOnset(int i) throws InterruptedException {
    await(Duration.ofMinutes(2), "fault " + i + " sets in", () -> fault(i).onsetSeconds() != null);
  }

  private void awaitEnd(int i) throws InterruptedException {
    await(Duration.ofMinutes(2), "fault " + i + " ends", () -> fault(i).endSeconds() != null);
  }

  private HttpResponse<String> get(String path, String userAgent) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(sim.apiUrl() + path)).header("User-Agent", userAgent).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private KubernetesClient plainClient() {
    // Not the simulator's own User-Agent: faults apply to it.
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl(sim.apiUrl()).withRequestRetryBackoffLimit(0).build())
        .build();
  }

  private static Optional<NodeCondition> ready(Node n) {
    return n.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst();
  }

  // ---------------------------------------------------------------- timing and the report

  @Test
  @DisplayName("nothing starts before the first disruptive action; a fault starts startSeconds after it and ends at endSeconds")
  void timedFromTheFirstDisruption() throws Exception {
    start("faults: [{kind: quotaExhausted, group: old, startSeconds: 10, endSeconds: 20}]\n");
    sim.clock().sleep(Duration.ofSeconds(30));
    assertNull(fault(0).startedSeconds(), "no disruption yet, no fault");
    assertEquals(6, sim.cloud().headroom("old") + 3, "quota untouched");
    cordon("old-00001");
    double cordonedAt = Duration.between(sim.scenario().clock().start(), sim.clock().now()).toMillis() / 1000.0;
    awaitOnset(0);
    FaultReport f = fault(0);
    assertEquals(cordonedAt + 10, f.startedSeconds(), 2.5, "10 s after the cordon, at the next tick: " + f);
    assertEquals(f.startedSeconds(), f.onsetSeconds());
    assertEquals(f.onsetSeconds() + sim.report().graceSeconds(), f.deadlineSeconds(), 1e-6);
    awaitEnd(0);
    assertEquals(cordonedAt + 20, fault(0).endSeconds(), 2.5);
  }

  @Test
  @DisplayName("the report: reaction = first freeze after the onset − onset; actions after onset + grace are counted and named")
  void reactionAndLateActions() throws Exception {
    start("""
        rotator:
          policy: {pollInterval: 1s}
          gates: {checkTimeout: 2s}
        faults: [{kind: nodesNotReady, count: 1, startSeconds: 2}]
        """);
    assertEquals(3.0, sim.report().graceSeconds(), 1e-9, "pollInterval + checkTimeout");
    cordon("old-00001");
    awaitOnset(0);
    double onset = fault(0).onsetSeconds();
    assertEquals(0, sim.report().disruptiveActionsAfterFault());
    client.configMaps().inNamespace("rotator-system").resource(
        new ConfigMapBuilder().withNewMetadata().withName("rotator-state").endMetadata()
            .withData(Map.of("mode", "FREEZE", "reason", "CLUSTER_UNHEALTHY", "message", "test")).build()).create();
    SimReport afterFreeze = sim.report();
    assertNotNull(afterFreeze.reactionSeconds());
    assertEquals(afterFreeze.freezes().get(0).atSeconds() - onset, afterFreeze.reactionSeconds(), 0.01);
    await(Duration.ofSeconds(30), "the deadline passes",
        () -> Duration.between(sim.scenario().clock().start(), sim.clock().now()).toMillis() / 1000.0
            > fault(0).deadlineSeconds() + 1);
    cordon("old-00002");
    SimReport r = sim.report();
    assertEquals(1, r.disruptiveActionsAfterFault(), r.disruptiveActionsAfterFaultDetails().toString());
    assertTrue(r.disruptiveActionsAfterFaultDetails().get(0).contains("cordon node old-00002"),
        r.disruptiveActionsAfterFaultDetails().toString());
    assertEquals(2, r.disruptiveActions(), "two cordons in all");
    assertFalse(r.safe(), "a disruptive step after the deadline is unsafe");
  }

  @Test
  @DisplayName("desired-capacity changes and terminations are disruptive actions; a decrementing terminate counts once")
  void cloudActions() throws Exception {
    start("faults: []\n");
    cordon("old-00001");
    sim.cloud().setDesiredCapacity("old", 4);
    await(Duration.ofSeconds(10), "the raise is observed", () -> sim.report().disruptiveActions() == 2);
    Node n = client.nodes().withName("old-00002").get();
    InstanceRef ref = FakeCloud.parseProviderId(n.getSpec().getProviderID()).orElseThrow();
    sim.cloud().terminate(ref, true);
    sim.clock().sleep(Duration.ofSeconds(3)); // a few ticks: the decrement is seen, and explained
    SimReport r = sim.report();
    assertEquals(3, r.disruptiveActions(), "cordon, raise desired 3 -> 4, terminate (with its decrement)");
    assertEquals(0, r.disruptiveActionsAfterFault(), "no fault, nothing is late");
    assertNull(r.reactionSeconds());
    assertTrue(r.faults().isEmpty());
  }

  // ---------------------------------------------------------------- etcd

  @Test
  @DisplayName("etcdMembersDown: the real quorum check is healthy, unhealthy while 2 of 3 members are down, healthy after")
  void etcdMembersDown() throws Exception {
    start("faults: [{kind: etcdMembersDown, count: 2, startSeconds: 2, endSeconds: 20}]\n");
    assertTrue(sim.scenario().hasEtcd(), "the fault brings a fake etcd with it");
    assertEquals(3, sim.etcdEndpoints().size());
    EtcdQuorumCheck check = new EtcdQuorumCheck(EtcdQuorumCheck.Settings.defaults()
        .withEndpoints(sim.etcdEndpoints().stream().map(URI::create).toList()).withTimeout(Duration.ofSeconds(1)));
    assertEquals(CheckResult.Status.HEALTHY, check.check().status());
    cordon("old-00001");
    awaitOnset(0);
    CheckResult down = check.check();
    assertEquals(CheckResult.Status.UNHEALTHY, down.status(), down.reason());
    assertTrue(fault(0).detail().contains("2 of 3") || fault(0).detail().contains("of 3 stopped"), fault(0).detail());
    awaitEnd(0);
    CheckResult back = check.check();
    assertEquals(CheckResult.Status.HEALTHY, back.status(), back.reason());
  }

  // ---------------------------------------------------------------- API server

  @Test
  @DisplayName("apiErrors 50%: exactly every second request fails with 503 and is not carried out; the simulator's own clients and the state ConfigMap are spared")
  void apiErrorsShare() throws Exception {
    start("faults: [{kind: apiErrors, errorPercent: 50, startSeconds: 1}]\n");
    cordon("old-00001");
    awaitOnset(0);
    int failed = 0;
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/api/v1/nodes", "probe/1.0");
      if (r.statusCode() == 503) {
        failed++;
        assertTrue(r.body().contains("\"reason\":\"ServiceUnavailable\""), r.body());
      } else {
        assertEquals(200, r.statusCode(), r.body());
      }
    }
    assertEquals(10, failed, "50% of 20, evenly spread");
    for (int i = 0; i < 10; i++) {
      assertEquals(200, get("/api/v1/nodes", ApiFaults.SIMULATOR_USER_AGENT + "/test").statusCode());
      assertEquals(404, get("/api/v1/namespaces/rotator-system/configmaps/rotator-state", "probe/1.0").statusCode(),
          "rotator's state is spared (and does not exist yet)");
    }
    // A failed write is not carried out.
    try (KubernetesClient plain = plainClient()) {
      int created = 0;
      for (int i = 0; i < 4; i++) {
        try {
          plain.configMaps().inNamespace("default").resource(
              new ConfigMapBuilder().withNewMetadata().withName("cm-" + i).endMetadata().build()).create();
          created++;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          assertEquals(503, e.getCode());
        }
      }
      assertEquals(2, created);
      assertEquals(2, client.configMaps().inNamespace("default").list().getItems().size(),
          "exactly the answered creates happened");
      ApiServerLatencyCheck check = new ApiServerLatencyCheck(plain,
          new ApiServerLatencyCheck.Settings(List.of("/version", "/readyz", "/api/v1/nodes?limit=1"),
              Duration.ofSeconds(2), 10, 3, Duration.ZERO, Duration.ofMillis(200), Duration.ofSeconds(1), 0.05,
              ApiServerLatencyCheck.MetricsSettings.defaults()));
      CheckResult r = check.check();
      assertEquals(CheckResult.Status.UNHEALTHY, r.status(), r.reason());
      assertTrue(r.reason().contains("error rate"), r.reason());
    }
    assertTrue(fault(0).detail().contains("request(s) failed"), fault(0).detail());
  }

  @Test
  @DisplayName("apiErrors with status 429 answers TooManyRequests with Retry-After")
  void apiErrors429() throws Exception {
    start("faults: [{kind: apiErrors, errorPercent: 100, status: 429, retryAfterSeconds: 3, startSeconds: 1}]\n");
    cordon("old-00001");
    awaitOnset(0);
    HttpResponse<String> r = get("/api/v1/pods", "probe/1.0");
    assertEquals(429, r.statusCode());
    assertEquals(Optional.of("3"), r.headers().firstValue("Retry-After"));
    assertTrue(r.body().contains("TooManyRequests"), r.body());
  }

  @Test
  @DisplayName("apiLatency holds responses back by real wall time; the real apiserver check sees p50 above its threshold")
  void apiLatency() throws Exception {
    start("faults: [{kind: apiLatency, delayMillis: 300, startSeconds: 1, endSeconds: 600}]\n");
    cordon("old-00001");
    awaitOnset(0);
    long t0 = System.nanoTime();
    assertEquals(200, get("/version", "probe/1.0").statusCode());
    long slowMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(slowMs >= 300, "held back by the delay, took " + slowMs + " ms");
    long t1 = System.nanoTime();
    assertEquals(200, get("/version", ApiFaults.SIMULATOR_USER_AGENT + "/test").statusCode());
    long fastMs = (System.nanoTime() - t1) / 1_000_000;
    assertTrue(fastMs < 300, "the simulator's own clients are not delayed, took " + fastMs + " ms");
    try (KubernetesClient plain = plainClient()) {
      ApiServerLatencyCheck check = new ApiServerLatencyCheck(plain,
          new ApiServerLatencyCheck.Settings(List.of("/version", "/readyz", "/api/v1/nodes?limit=1"),
              Duration.ofSeconds(2), 3, 3, Duration.ZERO, Duration.ofMillis(200), Duration.ofSeconds(1), 0.05,
              ApiServerLatencyCheck.MetricsSettings.defaults()));
      CheckResult r = check.check();
      assertEquals(CheckResult.Status.UNHEALTHY, r.status(), r.reason());
      assertTrue(r.reason().contains("p50"), r.reason());
    }
  }

  // ---------------------------------------------------------------- nodes

  @Test
  @DisplayName("nodesNotReady turns a current, uncordoned node NotReady (the real cluster-state check sees it) and back")
  void nodesNotReady() throws Exception {
    start("faults: [{kind: nodesNotReady, count: 1, startSeconds: 1, endSeconds: 10}]\n");
    ClusterStateCheck check = new ClusterStateCheck(new KubernetesCluster(client), sim.clock(),
        new ClusterStateCheck.Settings(0, 0, Duration.ZERO));
    assertEquals(CheckResult.Status.HEALTHY, check.check().status(), check.check().reason());
    cordon("old-00001");
    awaitOnset(0);
    List<Node> notReady = client.nodes().list().getItems().stream()
        .filter(n -> !"True".equals(ready(n).map(NodeCondition::getStatus).orElse(""))).toList();
    assertEquals(1, notReady.size());
    Node n = notReady.get(0);
    assertTrue(n.getMetadata().getName().startsWith("cur-"), "a node already at its target first: " + n.getMetadata().getName());
    assertEquals("Unknown", ready(n).orElseThrow().getStatus());
    assertTrue(n.getSpec().getTaints().stream().anyMatch(t -> t.getKey().equals("node.kubernetes.io/unreachable")
        && t.getEffect().equals("NoSchedule")));
    CheckResult r = check.check();
    assertEquals(CheckResult.Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains(n.getMetadata().getName()), r.reason());
    awaitEnd(0);
    Node back = client.nodes().withName(n.getMetadata().getName()).get();
    assertEquals("True", ready(back).orElseThrow().getStatus());
    List<Taint> taints = back.getSpec().getTaints() == null ? List.of() : back.getSpec().getTaints();
    assertTrue(taints.stream().noneMatch(t -> t.getKey().equals("node.kubernetes.io/unreachable")), taints.toString());
    assertEquals(CheckResult.Status.HEALTHY, check.check().status());
  }

  @Test
  @DisplayName("replacementNotReady: a new instance's Node registers and stays NotReady; the simulation is still quiet")
  void replacementNotReady() throws Exception {
    start("faults: [{kind: replacementNotReady, group: old, startSeconds: 0}]\n");
    cordon("old-00001");
    await(Duration.ofSeconds(10), "armed", () -> fault(0).startedSeconds() != null);
    assertNull(fault(0).onsetSeconds(), "nothing affected yet");
    sim.cloud().setDesiredCapacity("old", 4);
    await(Duration.ofMinutes(1), "the new node registers", () -> client.nodes().list().getItems().size() == 6);
    sim.clock().sleep(Duration.ofSeconds(20)); // far beyond readySeconds (2)
    Node fresh = client.nodes().list().getItems().stream()
        .filter(n -> n.getMetadata().getName().startsWith("old-") && !List.of("old-00001", "old-00002", "old-00003")
            .contains(n.getMetadata().getName()))
        .findFirst().orElseThrow();
    assertEquals("False", ready(fresh).orElseThrow().getStatus());
    assertNotNull(fault(0).onsetSeconds());
    assertTrue(fault(0).detail().contains(fresh.getMetadata().getName()), fault(0).detail());
    assertTrue(fault(0).deadlineSeconds() - fault(0).onsetSeconds() >= 15 * 60, "grace + replacementTimeout (15m)");
    assertTrue(sim.awaitQuiet(Duration.ofMinutes(1)), "a node held NotReady is not in transition");
  }

  @Test
  @DisplayName("replacementOldVersion: a new instance's Node reports the group's old kubelet version")
  void replacementOldVersion() throws Exception {
    start("faults: [{kind: replacementOldVersion, group: old, startSeconds: 0}]\n");
    cordon("old-00001");
    await(Duration.ofSeconds(10), "armed", () -> fault(0).startedSeconds() != null);
    sim.cloud().setDesiredCapacity("old", 4);
    await(Duration.ofMinutes(1), "the new node registers", () -> client.nodes().list().getItems().size() == 6);
    Node fresh = client.nodes().list().getItems().stream()
        .filter(n -> n.getMetadata().getCreationTimestamp().compareTo(
            client.nodes().withName("old-00001").get().getMetadata().getCreationTimestamp()) > 0)
        .findFirst().orElseThrow();
    assertEquals("v1.30.0", fresh.getStatus().getNodeInfo().getKubeletVersion());
    InstanceRef ref = FakeCloud.parseProviderId(fresh.getSpec().getProviderID()).orElseThrow();
    assertEquals("v1.31.0", sim.cloud().instance(ref.instanceId()).orElseThrow().version(),
        "the cloud launched the target version; the kubelet says otherwise");
    assertNotNull(fault(0).onsetSeconds());
  }

  // ---------------------------------------------------------------- cloud and Prometheus

  @Test
  @DisplayName("quotaExhausted: the group's quota drops to its live instances (the real quota check fails) and comes back")
  void quotaExhausted() throws Exception {
    start("faults: [{kind: quotaExhausted, group: old, startSeconds: 1, endSeconds: 10}]\n");
    QuotaHeadroomCheck check = new QuotaHeadroomCheck(sim.cloud(), QuotaHeadroomCheck.Settings.forMaxSurge(1));
    assertEquals(CheckResult.Status.HEALTHY, check.check().status());
    cordon("old-00001");
    awaitOnset(0);
    assertEquals(0, sim.cloud().headroom("old"));
    CheckResult r = check.check();
    assertEquals(CheckResult.Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(fault(0).detail().contains("quota 6 -> 3"), fault(0).detail());
    awaitEnd(0);
    assertEquals(3, sim.cloud().headroom("old"));
    assertEquals(CheckResult.Status.HEALTHY, check.check().status());
  }

  @Test
  @DisplayName("alertFiring: the fake Prometheus fires the alert (the real alerts check blocks on it, not on Watchdog) and answers scripted queries")
  void alertFiring() throws Exception {
    start("""
        prometheus:
          queries: {'sum(rate(errors[5m]))': 0.25}
        faults: [{kind: alertFiring, alertname: IngressDown, labels: {severity: critical, team: edge}, startSeconds: 1, endSeconds: 10}]
        """);
    String url = sim.prometheusUrl().orElseThrow();
    PrometheusAlertsCheck alerts = new PrometheusAlertsCheck(PrometheusAlertsCheck.Settings.defaults(url));
    CheckResult quiet = alerts.check();
    assertEquals(CheckResult.Status.HEALTHY, quiet.status(), "Watchdog (severity none) does not block: " + quiet.reason());
    PromQlThresholdCheck known = new PromQlThresholdCheck(PromQlThresholdCheck.Settings.defaults(url,
        PromQlThresholdCheck.Rule.of("errors", "sum(rate(errors[5m]))", PromQlThresholdCheck.Op.GT, 0.1)));
    CheckResult high = known.check();
    assertEquals(CheckResult.Status.UNHEALTHY, high.status(), "0.25 > 0.1: " + high.reason());
    PromQlThresholdCheck unknown = new PromQlThresholdCheck(PromQlThresholdCheck.Settings.defaults(url,
        PromQlThresholdCheck.Rule.of("other", "up{job=\"x\"}", PromQlThresholdCheck.Op.GT, 0.1)));
    assertEquals(CheckResult.Status.UNKNOWN, unknown.check().status(), "an unscripted expression is an empty vector");

    cordon("old-00001");
    awaitOnset(0);
    CheckResult firing = alerts.check();
    assertEquals(CheckResult.Status.UNHEALTHY, firing.status(), firing.reason());
    assertTrue(firing.reason().contains("IngressDown") && firing.reason().contains("team=\"edge\""), firing.reason());
    awaitEnd(0);
    assertEquals(CheckResult.Status.HEALTHY, alerts.check().status());
  }
}
