package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.KubeVersion;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.DisplayName;

/**
 * Checks the recorder against a known-good procedure: a careful one-node-at-a-time rotation through the
 * API (cordon, evict with retry on 429, wait until drained, delete the Node, terminate the instance) must
 * rotate every node of a built-in scenario with no PDB violation, no pod lost and no broken invariant. A
 * false positive here would fail every correct rotator.
 */
class CarefulRotationTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tight-pdb", "plain"})
  @DisplayName("a careful drain-then-replace rotation of a built-in scenario records no violation and completes")
  void carefulRotation(String scenario) throws Exception {
    try (Simulator sim = Simulator.start(Scenario.builtin(scenario));
        KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl(sim.apiUrl()).withRequestRetryBackoffLimit(0)
                .withUserAgent("careful-test").build())
            .build()) {
      String target = sim.scenario().rotatorConfig().path("selector").path("kubeletVersionBelow").asText();
      List<Node> outdated = client.nodes().list().getItems().stream()
          .filter(n -> KubeVersion.parse(n.getStatus().getNodeInfo().getKubeletVersion())
              .compareTo(KubeVersion.parse(target)) < 0)
          .toList();
      for (Node n : outdated) {
        String name = n.getMetadata().getName();
        client.nodes().withName(name).edit(x -> {
          x.getSpec().setUnschedulable(true);
          return x;
        });
        Instant deadline = sim.clock().now().plus(Duration.ofMinutes(30));
        while (true) {
          List<Pod> left = client.pods().inAnyNamespace().withField("spec.nodeName", name).list().getItems().stream()
              .filter(p -> p.getMetadata().getOwnerReferences().stream().noneMatch(o -> o.getKind().equals("DaemonSet")))
              .toList();
          if (left.isEmpty()) {
            break;
          }
          for (Pod p : left) {
            if (p.getMetadata().getDeletionTimestamp() == null) {
              client.pods().resource(p).evict(new EvictionBuilder().withNewMetadata()
                  .withName(p.getMetadata().getName()).withNamespace(p.getMetadata().getNamespace()).endMetadata().build());
            }
          }
          assertTrue(sim.clock().now().isBefore(deadline), "node " + name + " did not drain");
          sim.clock().sleep(Duration.ofSeconds(2));
        }
        client.nodes().withName(name).delete();
        sim.cloud().terminate(sim.cloud().instanceOf(n.getSpec().getProviderID()).orElseThrow(), false);
      }
      assertTrue(sim.awaitQuiet(Duration.ofMinutes(20)), "the cluster settles");
      SimReport r = sim.report();
      assertEquals(outdated.size(), r.nodesRotated(), r.toJson());
      assertTrue(r.rotationComplete(), r.toJson());
      assertEquals(0, r.pdbViolations(), r.toJson());
      assertEquals(0, r.podsLost(), r.toJson());
      assertEquals(List.of(), r.invariantViolations(), r.toJson());
      assertTrue(r.evictionsAccepted() > 0);
      assertTrue(r.makespanSeconds() > 0);
      r.minHealthyByPdb().forEach((pdb, low) ->
          assertTrue(low.minHealthy() >= low.desiredHealthy(), pdb + " dipped: " + low));
      assertTrue(r.apiRequestsByClient().containsKey("careful-test"));
      assertEquals(List.of(), sim.consistencyProblems());
    }
  }
}
