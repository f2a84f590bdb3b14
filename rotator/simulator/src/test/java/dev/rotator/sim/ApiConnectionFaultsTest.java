package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.kubernetes.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The connection-level API faults: resets through the proxy, 409 on node writes, watches closed mid-way. */
class ApiConnectionFaultsTest {
  static Scenario scenario(String fault) {
    return Scenario.parse("""
        name: conn
        clock: {scale: 50}
        nodeGroups:
          - {name: workers, size: 2, kubeletVersion: v1.30.6, targetVersion: v1.31.2}
        faults:
          - %s
        """.formatted(fault), "conn.yaml");
  }

  /** Cordons a node: the first disruptive action, from which faults are timed; waits until the fault is on. */
  static void startFaults(Simulator sim, KubernetesClient c) throws InterruptedException {
    String node = c.nodes().list().getItems().get(0).getMetadata().getName();
    c.nodes().withName(node).edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    sim.clock().sleep(Duration.ofSeconds(3));
  }

  @Test
  @DisplayName("connectionResets: the client's connection is reset and the request never reaches the server")
  void resets() throws Exception {
    try (Simulator sim = Simulator.start(scenario("{kind: connectionResets, percent: 100, startSeconds: 0}"));
        KubernetesClient c = KubeClients.forUrl(sim.apiUrl())) {
      startFaults(sim, c);
      long before = sim.report().apiRequests();
      KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> c.nodes().list());
      assertTrue(e.getCode() <= 0, "no HTTP status, a transport failure: " + e);
      assertEquals(before, sim.report().apiRequests(), "the request never reached the server");
      assertTrue(sim.report().faults().get(0).detail().matches(".*[1-9]\\d* connection\\(s\\) reset.*"),
          sim.report().faults().get(0).detail());
    }
  }

  @Test
  @DisplayName("nodeConflicts: a node write is answered 409 Conflict and not carried out")
  void conflicts() throws Exception {
    try (Simulator sim = Simulator.start(scenario("{kind: nodeConflicts, percent: 100, startSeconds: 0}"));
        KubernetesClient c = KubeClients.forUrl(sim.apiUrl())) {
      startFaults(sim, c);
      String node = c.nodes().list().getItems().get(1).getMetadata().getName();
      KubernetesClientException e = assertThrows(KubernetesClientException.class,
          () -> c.nodes().withName(node).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
          }));
      assertEquals(409, e.getCode());
      assertTrue(c.nodes().withName(node).get().getSpec().getUnschedulable() == null);
    }
  }
}
