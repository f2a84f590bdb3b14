package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A larger cluster, off by default (it takes tens of seconds): {@code mvn -pl rotator/simulator test
 * -Dtest=ScaleBenchmarkTest -Dsim.bench=true -Dsim.bench.nodes=1000 -Dsim.bench.pods=20000}. Prints timings.
 */
@EnabledIfSystemProperty(named = "sim.bench", matches = "true")
class ScaleBenchmarkTest {

  @Test
  @DisplayName("a large cluster starts with every pod Ready and answers per-node pod lists")
  void largeCluster() {
    int nodes = Integer.getInteger("sim.bench.nodes", 1000);
    int pods = Integer.getInteger("sim.bench.pods", 20000);
    int deployments = 20;
    StringBuilder y = new StringBuilder("name: bench\nclock: {scale: 100}\nnodeGroups:\n  - {name: g, zones: [a, b, c], size: ")
        .append(nodes).append(", maxSize: ").append(nodes + 50)
        .append(", cpu: 32, memoryMi: 131072, kubeletVersion: v1.30.0, targetVersion: v1.31.0}\nworkloads:\n");
    for (int i = 0; i < deployments; i++) {
      y.append("  - {name: d").append(i).append(", namespace: ns").append(i % 4).append(", replicas: ")
          .append(pods / deployments).append(", cpu: 100m, memoryMi: 128, pdb: {maxUnavailable: 1}}\n");
    }
    long t0 = System.nanoTime();
    try (Simulator sim = Simulator.start(Scenario.parse(y.toString(), "bench"));
        KubernetesClient c = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl(sim.apiUrl()).build()).build()) {
      System.out.printf("start: %.1f s for %d nodes, %d pods%n", (System.nanoTime() - t0) / 1e9, nodes, sim.podCount());
      assertEquals(pods, sim.podCount());
      long t1 = System.nanoTime();
      int listed = 0;
      for (int i = 0; i < 200; i++) {
        List<Pod> on = c.pods().inAnyNamespace()
            .withField("spec.nodeName", String.format("g-%05d", 1 + i % nodes)).list().getItems();
        listed += on.size();
      }
      System.out.printf("LIST pods by spec.nodeName: %.2f ms/request%n", (System.nanoTime() - t1) / 1e6 / 200);
      assertTrue(listed > 0);
      assertEquals(List.of(), sim.consistencyProblems());
    }
  }
}
