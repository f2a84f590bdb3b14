package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.sim.api.ApiFaults;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The recorder's judgement of DELETEs, driven directly through the API: which pod DELETEs are violations, which
 * are accepted unhealthy-pod deletes (the scenario's {@code rotator.policy.unhealthyPodEviction}), and that what
 * someone else (a simulator client) deletes is theirs, not the rotator's.
 */
class DeleteAttributionTest {
  private static final String SCENARIO = """
      name: delete-attribution
      seed: 3
      clock: {scale: 100}
      nodeGroups:
        - {name: workers, zones: [sim-a], size: 3, kubeletVersion: v1.30.6, targetVersion: v1.31.2}
      workloads:
        - {namespace: shop, name: web, replicas: 3, cpu: 100m, startupSeconds: 1, terminationGraceSeconds: 1,
           pdb: {maxUnavailable: 1}}
        - {namespace: batch, name: crash, replicas: 3, cpu: 100m, neverReady: true, terminationGraceSeconds: 1}
        - {namespace: other, name: crash, replicas: 1, cpu: 100m, neverReady: true, terminationGraceSeconds: 1}
      rotator:
        policy:
          unhealthyPodEviction: {namespaces: [batch], after: 2m}
      """;

  private static KubernetesClient client(Simulator sim, String userAgent) {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl(sim.apiUrl()).withRequestRetryBackoffLimit(0)
            .withUserAgent(userAgent).build())
        .build();
  }

  private static List<Pod> pods(KubernetesClient c, String namespace, String app) {
    return c.pods().inNamespace(namespace).withLabel("app", app).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private static void await(Simulator sim, Duration simTime, String what, BooleanSupplier done) throws Exception {
    java.time.Instant deadline = sim.clock().now().plus(simTime);
    while (!done.getAsBoolean()) {
      assertTrue(sim.clock().now().isBefore(deadline), what);
      sim.clock().sleep(Duration.ofSeconds(1));
    }
  }

  @Test
  @DisplayName("pod DELETEs: a graceful one of a pod not Ready long enough in scope is accepted; a force delete, a"
      + " Ready pod, a pod not Ready for too short or out of scope are violations")
  void podDeletesJudged() throws Exception {
    try (Simulator sim = Simulator.start(Scenario.parse(SCENARIO, "test"));
        KubernetesClient c = client(sim, "judged-client")) {
      sim.clock().sleep(Duration.ofSeconds(130));
      List<Pod> crash = pods(c, "batch", "crash");
      java.util.Set<String> before = new java.util.HashSet<>();
      crash.forEach(p -> before.add(p.getMetadata().getName()));
      c.pods().resource(crash.get(0)).delete(); // accepted
      // Its replacement, created a moment ago, has not been not Ready for 2m: a violation even though in scope.
      Pod[] fresh = new Pod[1];
      await(sim, Duration.ofSeconds(60), "the controller replaces the deleted pod", () -> {
        fresh[0] = pods(c, "batch", "crash").stream()
            .filter(p -> !before.contains(p.getMetadata().getName())).findFirst().orElse(null);
        return fresh[0] != null;
      });
      c.pods().resource(fresh[0]).delete();
      String youngKey = "batch/" + fresh[0].getMetadata().getName();
      c.pods().resource(crash.get(1)).withGracePeriod(0).delete(); // force: violation
      c.pods().resource(pods(c, "other", "crash").get(0)).delete(); // out of scope: violation
      c.pods().resource(pods(c, "shop", "web").get(0)).delete(); // Ready: violation

      SimReport r = sim.report();
      assertEquals(5, r.podDeleteRequests(), r.toJson());
      assertEquals(1, r.unhealthyPodDeletes(), r.toJson());
      assertTrue(r.unhealthyPodDeleteDetails().get(0).contains("batch/" + crash.get(0).getMetadata().getName()),
          r.toJson());
      List<String> inv = r.invariantViolations();
      assertEquals(4, inv.size(), r.toJson());
      assertTrue(inv.stream().anyMatch(v -> v.contains(youngKey) && v.contains("less than")), inv.toString());
      assertTrue(inv.stream().anyMatch(v -> v.contains("force-deleted") && v.contains(crash.get(1).getMetadata().getName())),
          inv.toString());
      assertTrue(inv.stream().anyMatch(v -> v.contains("other/crash") && v.contains("outside the scope")), inv.toString());
      assertTrue(inv.stream().anyMatch(v -> v.contains("Ready pod shop/web")), inv.toString());
      assertTrue(r.podsLostDetails().stream().anyMatch(l -> l.contains("shop/web")), r.toJson());
      assertTrue(r.podsLostDetails().stream().noneMatch(l -> l.contains(crash.get(0).getMetadata().getName())),
          "an accepted delete of a pod with a controller loses nothing: " + r.podsLostDetails());
      assertTrue(!r.safe());
    }
  }

  @Test
  @DisplayName("a Node and a pod deleted by a simulator client are someone else's: their pods are podsLostToOthers,"
      + " not rotator's losses or violations")
  void othersDeletes() throws Exception {
    try (Simulator sim = Simulator.start(Scenario.parse(SCENARIO, "test"));
        KubernetesClient other = client(sim, ApiFaults.SIMULATOR_USER_AGENT + "-someone-else")) {
      Node node = other.nodes().list().getItems().get(0);
      String name = node.getMetadata().getName();
      long onNode = other.pods().inAnyNamespace().withField("spec.nodeName", name).list().getItems().stream()
          .filter(p -> p.getMetadata().getOwnerReferences().stream().noneMatch(o -> o.getKind().equals("DaemonSet")))
          .count();
      assertTrue(onNode > 0, "the node runs pods");
      other.nodes().withName(name).delete();
      other.pods().resource(pods(other, "shop", "web").stream()
          .filter(p -> !name.equals(p.getSpec().getNodeName())).findFirst().orElseThrow()).delete();
      await(sim, Duration.ofMinutes(2), "the node's pods are collected",
          () -> sim.report().podsLostToOthers() >= onNode + 1);
      assertTrue(sim.awaitQuiet(Duration.ofMinutes(5)), "the workloads recover");

      SimReport r = sim.report();
      assertEquals(onNode + 1, r.podsLostToOthers(), r.toJson());
      assertEquals(0, r.podsLost(), r.toJson());
      assertEquals(List.of(), r.invariantViolations(), r.toJson());
      assertEquals(0, r.pdbViolations(), r.toJson());
      assertTrue(r.actionsByOthers().stream().anyMatch(a -> a.contains("someone else deleted Node " + name)),
          r.actionsByOthers().toString());
      assertEquals(0, r.disruptiveActions(), "nothing rotator did: " + r.toJson());
      assertTrue(r.safe());
    }
  }
}
