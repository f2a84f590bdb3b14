package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.provider.fake.InstanceState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated cluster, driven through the real fabric8 client over HTTP on loopback. */
class SimulatorTest {

  /** Three nodes, one web pod on each (PDB maxUnavailable 1), a DaemonSet, fast clock. */
  private static final String SMALL =
      """
      name: small
      clock: {scale: 100}
      nodeGroups:
        - name: pool
          zones: [z-a, z-b, z-c]
          size: 3
          maxSize: 5
          cpu: 2
          memoryMi: 4096
          kubeletVersion: v1.30.0
          targetVersion: v1.31.0
          provisioningSeconds: 30
          readySeconds: 5
      workloads:
        - name: web
          namespace: shop
          replicas: 3
          cpu: 600m
          startupSeconds: 5
          terminationGraceSeconds: 10
          pdb: {maxUnavailable: 1}
        - kind: DaemonSet
          name: agent
          namespace: kube-system
          cpu: 50m
      """;

  private Simulator sim;
  private KubernetesClient client;

  private void start(String yaml) {
    sim = Simulator.start(Scenario.parse(yaml, "test.yaml"));
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sim.apiUrl())
                    .withRequestRetryBackoffLimit(0)
                    .withNamespace("default")
                    .build())
            .build();
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      assertEquals(List.of(), sim.consistencyProblems(), "incremental PDB bookkeeping matches a full scan");
    }
    if (client != null) {
      client.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  /** Waits on the simulated clock (bounded) until {@code condition} holds. */
  private void await(Duration simTimeout, String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = sim.clock().now().plus(simTimeout);
    while (!condition.getAsBoolean()) {
      if (sim.clock().now().isAfter(deadline)) {
        throw new AssertionError("timed out (" + simTimeout + " simulated) waiting until " + what);
      }
      sim.clock().sleep(Duration.ofMillis(500));
    }
  }

  private List<Pod> webPods() {
    return client.pods().inNamespace("shop").withLabel("app", "web").list().getItems();
  }

  private static boolean ready(Pod p) {
    return p.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private static Eviction eviction(Pod p) {
    return new EvictionBuilder()
        .withNewMetadata()
        .withName(p.getMetadata().getName())
        .withNamespace(p.getMetadata().getNamespace())
        .endMetadata()
        .build();
  }

  private HttpResponse<String> rawPost(String path, String body) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return http.send(
        HttpRequest.newBuilder(URI.create(sim.apiUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("nodes and pods list through fabric8, pods filtered by the spec.nodeName field selector")
  void listByNodeName() {
    start(SMALL);
    List<Node> nodes = client.nodes().list().getItems();
    assertEquals(3, nodes.size());
    Node n = nodes.get(0);
    assertEquals("v1.30.0", n.getStatus().getNodeInfo().getKubeletVersion());
    assertTrue(n.getSpec().getProviderID().startsWith("fake:///z-"));
    assertEquals("pool", n.getMetadata().getLabels().get("sim.rotator.dev/group"));
    int total = 0;
    for (Node node : nodes) {
      String name = node.getMetadata().getName();
      List<Pod> on = client.pods().inAnyNamespace().withField("spec.nodeName", name).list().getItems();
      assertFalse(on.isEmpty());
      assertTrue(on.stream().allMatch(p -> name.equals(p.getSpec().getNodeName())));
      total += on.size();
    }
    assertEquals(6, total, "3 web pods + 3 DaemonSet pods, each listed exactly once");
    assertEquals(0, client.pods().inAnyNamespace().withField("status.phase", "Pending").list().getItems().size());
    assertEquals(3, client.pods().inNamespace("shop").withLabelIn("app", "web", "other").list().getItems().size());
    assertEquals(0, client.pods().inNamespace("shop").withLabelNotIn("app", "web").list().getItems().size());
    assertEquals(3, client.pods().inAnyNamespace().withLabel("app").withoutLabel("app", "web").list().getItems().size());
    assertTrue(webPods().stream().allMatch(SimulatorTest::ready));
    assertEquals("1", client.getKubernetesVersion().getMajor());
  }

  @Test
  @DisplayName("eviction: allowed within the PDB, then 429 naming the PDB, 404 for a missing pod, 500 for two PDBs")
  void evictionRules() throws Exception {
    // Replacements never become Ready during the test, so the budget stays spent.
    start(SMALL.replace("startupSeconds: 5", "startupSeconds: 100000"));
    List<Pod> pods = webPods();
    assertTrue(client.pods().resource(pods.get(0)).evict(eviction(pods.get(0))), "first eviction allowed");
    assertNotNull(client.pods().resource(pods.get(0)).get().getMetadata().getDeletionTimestamp());
    assertFalse(client.pods().resource(pods.get(1)).evict(eviction(pods.get(1))), "second refused (429)");

    String path = "/api/v1/namespaces/shop/pods/" + pods.get(1).getMetadata().getName() + "/eviction";
    HttpResponse<String> r = rawPost(path, "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\"}");
    assertEquals(429, r.statusCode());
    assertTrue(
        r.body().contains("\"reason\":\"DisruptionBudget\"")
            && r.body().contains("The disruption budget web needs 2 healthy pods and has 2 currently"),
        r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));

    KubernetesClientException missing =
        assertThrows(
            KubernetesClientException.class,
            () -> client.pods().inNamespace("shop").withName("nope").evict(
                new EvictionBuilder().withNewMetadata().withName("nope").withNamespace("shop").endMetadata().build()));
    assertEquals(404, missing.getCode());

    client.policy().v1().podDisruptionBudget().inNamespace("shop").resource(
        new PodDisruptionBudgetBuilder()
            .withNewMetadata().withName("web-too").endMetadata()
            .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewMinAvailable(1).endSpec()
            .build()).create();
    KubernetesClientException two =
        assertThrows(
            KubernetesClientException.class,
            () -> client.pods().resource(pods.get(2)).evict(eviction(pods.get(2))));
    assertEquals(500, two.getCode());

    SimReport report = sim.report();
    assertEquals(1, report.evictionsAccepted());
    assertEquals(2, report.evictionsRefused());
    assertEquals(0, report.pdbViolations());
  }

  @Test
  @DisplayName("PDB status in the store follows the pods: LIST shows disruptionsAllowed drop after an eviction")
  void pdbStatusIsLive() {
    start(SMALL);
    PodDisruptionBudget before = client.policy().v1().podDisruptionBudget().inNamespace("shop").withName("web").get();
    assertEquals(1, before.getStatus().getDisruptionsAllowed());
    assertEquals(3, before.getStatus().getExpectedPods());
    assertEquals(2, before.getStatus().getDesiredHealthy());
    Pod p = webPods().get(0);
    assertTrue(client.pods().resource(p).evict(eviction(p)));
    PodDisruptionBudget after =
        client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems().get(0);
    assertEquals(0, after.getStatus().getDisruptionsAllowed());
    assertEquals(2, after.getStatus().getCurrentHealthy());
  }

  @Test
  @DisplayName("a pod DELETE request of a Ready pod is served but counted and recorded as an invariant violation")
  void podDeleteCounted() {
    start(SMALL);
    Pod p = webPods().get(0);
    client.pods().resource(p).delete();
    assertTrue(sim.awaitQuiet(Duration.ofMinutes(2)), "the Deployment replaces the pod");
    SimReport report = sim.report();
    assertEquals(1, report.podDeleteRequests());
    assertTrue(report.invariantViolations().stream().anyMatch(v -> v.contains("DELETE of Ready pod") && v.contains(p.getMetadata().getName())));
    assertEquals(1, report.podsLost());
    assertEquals(1, report.apiRequestsByResource().get("delete pods"));
  }

  @Test
  @DisplayName("a watch on pods receives the deletion of an evicted pod once its grace period has passed")
  void watchSeesDeletion() throws Exception {
    start(SMALL);
    Pod victim = webPods().get(0);
    List<String> events = new CopyOnWriteArrayList<>();
    Watch w =
        client.pods().inNamespace("shop").watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Pod pod) {
                events.add(action + " " + pod.getMetadata().getName());
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
    try {
      assertTrue(client.pods().resource(victim).evict(eviction(victim)));
      await(Duration.ofSeconds(60), "the watch reports the deletion",
          () -> events.contains("DELETED " + victim.getMetadata().getName()));
      assertTrue(events.contains("ADDED " + victim.getMetadata().getName()), "initial state arrives as ADDED");
      assertTrue(events.contains("MODIFIED " + victim.getMetadata().getName()), "the eviction's deletionTimestamp");
    } finally {
      w.close();
    }
  }

  @Test
  @DisplayName("a watch with fieldSelector spec.nodeName sees only that node's pods, including their deletion")
  void watchByNode() throws Exception {
    start(SMALL);
    Pod victim = webPods().get(0);
    String node = victim.getSpec().getNodeName();
    List<String> events = new CopyOnWriteArrayList<>();
    Watch w =
        client.pods().inAnyNamespace().withField("spec.nodeName", node).watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Pod pod) {
                events.add(action + " " + pod.getMetadata().getName() + " " + pod.getSpec().getNodeName());
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
    try {
      Pod other = webPods().get(1);
      assertTrue(client.pods().resource(victim).evict(eviction(victim)));
      await(Duration.ofSeconds(60), "the deletion arrives",
          () -> events.contains("DELETED " + victim.getMetadata().getName() + " " + node));
      assertTrue(events.stream().allMatch(e -> e.endsWith(" " + node)), events.toString());
      assertTrue(events.stream().noneMatch(e -> e.contains(other.getMetadata().getName())));
    } finally {
      w.close();
    }
  }

  @Test
  @DisplayName("a watch resumed from a resourceVersion replays only what happened after it")
  void watchResume() throws Exception {
    start(SMALL);
    String rv = client.nodes().list().getMetadata().getResourceVersion();
    String node = client.nodes().list().getItems().get(1).getMetadata().getName();
    client.nodes().withName(node).edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    List<String> events = new CopyOnWriteArrayList<>();
    Watch w =
        client.nodes().withResourceVersion(rv).watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Node n) {
                events.add(action + " " + n.getMetadata().getName());
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
    try {
      await(Duration.ofSeconds(30), "the cordon is replayed", () -> events.contains("MODIFIED " + node));
      assertTrue(events.stream().noneMatch(e -> e.startsWith("ADDED")), "no synthetic ADDED when resuming: " + events);
    } finally {
      w.close();
    }
  }

  @Test
  @DisplayName("a replacement pod avoids the cordoned node and lands on another schedulable node")
  void schedulerAvoidsCordoned() throws Exception {
    start(SMALL);
    Pod victim = webPods().get(0);
    List<String> others = webPods().subList(1, 3).stream().map(p -> p.getMetadata().getName()).toList();
    String cordoned = victim.getSpec().getNodeName();
    client.nodes().withName(cordoned).patch(
        PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"spec\":{\"unschedulable\":true}}");
    assertTrue(client.nodes().withName(cordoned).get().getSpec().getUnschedulable());
    assertTrue(client.pods().resource(victim).evict(eviction(victim)));
    await(Duration.ofSeconds(120), "the victim is gone and three web pods are Ready again",
        () -> webPods().size() == 3 && webPods().stream().allMatch(SimulatorTest::ready)
            && webPods().stream().noneMatch(p -> p.getMetadata().getName().equals(victim.getMetadata().getName())));
    List<String> originals = List.of(
        victim.getMetadata().getName(), others.get(0), others.get(1));
    Pod replacement = webPods().stream()
        .filter(p -> !originals.contains(p.getMetadata().getName()))
        .findFirst()
        .orElseThrow();
    assertTrue(webPods().stream().noneMatch(p -> cordoned.equals(p.getSpec().getNodeName())),
        "no web pod on the cordoned node any more");
    assertNotEquals(cordoned, replacement.getSpec().getNodeName());
    assertEquals(0, sim.report().pdbViolations());
  }

  @Test
  @DisplayName("deleting a Node that runs covered pods records a PDB violation, lost pods and an invariant violation")
  void nodeDeletionViolatesPdb() throws Exception {
    start(SMALL.replace("pdb: {maxUnavailable: 1}", "pdb: {minAvailable: 3}"));
    Pod p = webPods().get(0);
    String node = p.getSpec().getNodeName();
    client.nodes().withName(node).delete();
    await(Duration.ofSeconds(30), "pod GC removes the pod", () -> client.pods().resource(p).get() == null);
    SimReport report = sim.report();
    assertEquals(1, report.pdbViolations(), report.pdbViolationDetails().toString());
    assertTrue(report.pdbViolationDetails().get(0).contains("shop/web"));
    assertTrue(report.podsLost() >= 1);
    assertTrue(report.invariantViolations().stream().anyMatch(v -> v.startsWith("Node " + node + " deleted")));
    assertEquals(2, report.minHealthyByPdb().get("shop/web").minHealthy());
    assertEquals(1, report.maxNodesUnavailable());
  }

  @Test
  @DisplayName("cloud terminate: the Node goes, and a replacement on the target version is Ready after the provisioning delay")
  void replacementAfterProvisioning() throws Exception {
    start(SMALL);
    Node old = client.nodes().list().getItems().get(0);
    InstanceRef ref = sim.cloud().instanceOf(old.getSpec().getProviderID()).orElseThrow();
    // Drain first, as a careful operator would, so the recorder sees no loss.
    client.nodes().withName(old.getMetadata().getName()).edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    for (Pod p : client.pods().inNamespace("shop").withField("spec.nodeName", old.getMetadata().getName()).list().getItems()) {
      assertTrue(client.pods().resource(p).evict(eviction(p)));
    }
    await(Duration.ofSeconds(60), "the node has no web pod",
        () -> client.pods().inNamespace("shop").withField("spec.nodeName", old.getMetadata().getName()).list().getItems().isEmpty());
    client.nodes().withName(old.getMetadata().getName()).delete();
    Instant terminatedAt = sim.clock().now();
    sim.cloud().terminate(ref, false);
    await(Duration.ofSeconds(120), "a new Ready node on v1.31.0",
        () -> client.nodes().list().getItems().stream().anyMatch(n ->
            n.getStatus().getNodeInfo().getKubeletVersion().equals("v1.31.0")
                && n.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))));
    Duration took = Duration.between(terminatedAt, sim.clock().now());
    assertTrue(took.compareTo(Duration.ofSeconds(35)) >= 0, "provisioning 30s + ready 5s, took " + took);
    FakeInstance fresh = sim.cloud().liveInstances("pool").get(2);
    assertEquals(InstanceState.RUNNING, fresh.state());
    assertEquals("v1.31.0", fresh.version());
    assertTrue(sim.awaitQuiet(Duration.ofMinutes(5)));
    SimReport report = sim.report();
    assertEquals(1, report.nodesRotated());
    assertEquals(0, report.pdbViolations(), report.pdbViolationDetails().toString());
    assertEquals(0, report.podsLost(), report.podsLostDetails().toString());
    assertEquals(List.of(), report.invariantViolations());
    assertTrue(report.makespanSeconds() > 0);
    assertEquals(1, report.maxNodesUnavailable());
    assertEquals(3, client.pods().inNamespace("kube-system").list().getItems().size(), "one DaemonSet pod per node");
  }

  @Test
  @DisplayName("terminating an instance under running pods records lost pods and an invariant violation")
  void terminateUnderPods() throws Exception {
    start(SMALL);
    Node victim = client.nodes().list().getItems().get(0);
    sim.cloud().terminate(sim.cloud().instanceOf(victim.getSpec().getProviderID()).orElseThrow(), false);
    await(Duration.ofSeconds(30), "the cloud node lifecycle deletes the Node",
        () -> client.nodes().withName(victim.getMetadata().getName()).get() == null);
    assertTrue(sim.awaitQuiet(Duration.ofMinutes(2)));
    SimReport report = sim.report();
    assertTrue(report.invariantViolations().stream().anyMatch(v -> v.contains("terminated while node")), report.invariantViolations().toString());
    assertEquals(1, report.podsLost(), report.podsLostDetails().toString());
    assertEquals(0, report.pdbViolations(), "maxUnavailable 1 had one disruption to spare");
  }

  @Test
  @DisplayName("PUT with a stale resourceVersion is a 409 conflict; merge and JSON patches apply")
  void optimisticConcurrencyAndPatches() {
    start(SMALL);
    ConfigMap cm = client.configMaps().inNamespace("rotator-system").resource(
        new ConfigMapBuilder().withNewMetadata().withName("rotator-state").endMetadata()
            .addToData("mode", "ROTATE").build()).create();
    ConfigMap stale = new ConfigMapBuilder(cm).build();
    cm.getData().put("mode", "ROTATE");
    cm.getData().put("by", "test");
    client.configMaps().inNamespace("rotator-system").resource(cm).update();
    stale.getData().put("mode", "FREEZE");
    KubernetesClientException conflict = assertThrows(KubernetesClientException.class,
        () -> client.configMaps().inNamespace("rotator-system").resource(stale).update());
    assertEquals(409, conflict.getCode());

    client.configMaps().inNamespace("rotator-system").withName("rotator-state").patch(
        PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"by\":null,\"extra\":\"x\"}}");
    client.configMaps().inNamespace("rotator-system").withName("rotator-state").patch(
        PatchContext.of(PatchType.JSON), "[{\"op\":\"replace\",\"path\":\"/data/mode\",\"value\":\"ROTATE\"}]");
    Map<String, String> data = client.configMaps().inNamespace("rotator-system").withName("rotator-state").get().getData();
    assertEquals(Map.of("mode", "ROTATE", "extra", "x"), data);

    KubernetesClientException noNs = assertThrows(KubernetesClientException.class,
        () -> client.configMaps().inNamespace("nowhere").resource(
            new ConfigMapBuilder().withNewMetadata().withName("x").endMetadata().build()).create());
    assertEquals(404, noNs.getCode());
  }

  @Test
  @DisplayName("Leases can be created, read and updated with conflict detection (leader election)")
  void leases() {
    start(SMALL);
    Lease lease = client.leases().inNamespace("rotator-system").resource(
        new LeaseBuilder().withNewMetadata().withName("rotator").endMetadata()
            .withNewSpec().withHolderIdentity("a").withLeaseDurationSeconds(15).endSpec().build()).create();
    Lease stale = new LeaseBuilder(lease).build();
    lease.getSpec().setHolderIdentity("b");
    client.leases().inNamespace("rotator-system").resource(lease).update();
    assertEquals("b", client.leases().inNamespace("rotator-system").withName("rotator").get().getSpec().getHolderIdentity());
    stale.getSpec().setHolderIdentity("c");
    assertEquals(409, assertThrows(KubernetesClientException.class,
        () -> client.leases().inNamespace("rotator-system").resource(stale).update()).getCode());
  }

  @Test
  @DisplayName("a transition of the rotator-state ConfigMap to FREEZE is recorded with reason and message")
  void freezeRecorded() {
    start(SMALL);
    client.configMaps().inNamespace("rotator-system").resource(
        new ConfigMapBuilder().withNewMetadata().withName("rotator-state").endMetadata()
            .addToData("mode", "FREEZE").addToData("reason", "DRAIN_TIMEOUT")
            .addToData("message", "pod shop/web-x blocked by PDB shop/web").build()).create();
    client.configMaps().inNamespace("rotator-system").withName("rotator-state").edit(c -> {
      c.getData().put("message", "still frozen");
      return c;
    });
    List<dev.rotator.sim.record.Observations.Freeze> freezes = sim.report().freezes();
    assertEquals(1, freezes.size());
    assertEquals("DRAIN_TIMEOUT", freezes.get(0).reason());
    assertTrue(freezes.get(0).message().contains("shop/web"));
    assertTrue(freezes.get(0).atSeconds() > 0);
  }

  @Test
  @DisplayName("the demo scenario starts with every pod Ready, is quiet, and writes a usable kubeconfig")
  void demoStarts(@TempDir Path dir) throws Exception {
    sim = Simulator.start(Scenario.builtin("demo"));
    assertTrue(sim.awaitQuiet(Duration.ofSeconds(10)));
    Path kubeconfig = dir.resolve("kubeconfig");
    sim.writeKubeconfig(kubeconfig);
    String text = Files.readString(kubeconfig);
    assertTrue(text.contains("server: " + sim.apiUrl()));
    client = new KubernetesClientBuilder()
        .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(text)).build();
    assertEquals(12, client.nodes().list().getItems().size());
    assertTrue(client.pods().inAnyNamespace().list().getItems().stream().allMatch(SimulatorTest::ready));
    SimReport r = sim.report();
    assertEquals(12, r.nodesTotal());
    assertEquals(12, r.nodesOutdatedAtStart());
    assertTrue(r.toJson().contains("\"pdbViolations\" : 0"));
    assertEquals("v1.31.2", sim.scenario().rotatorConfig().path("selector").path("kubeletVersionBelow").asText());
  }
}
