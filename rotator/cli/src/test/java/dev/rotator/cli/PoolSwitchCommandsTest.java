package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.config.RotatorConfig;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plan and rollback for strategy nodePool against a simulated cluster. */
class PoolSwitchCommandsTest {
  @TempDir static Path tmp;
  static Simulator sim;
  static Path kubeconfig;

  @BeforeAll
  static void start() {
    sim = Simulator.start(Scenario.builtin("pool-switch-no-quota"));
    kubeconfig = tmp.resolve("kubeconfig");
    sim.writeKubeconfig(kubeconfig);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static String plan(boolean json) {
    Scenario scenario = sim.scenario();
    RotatorConfig config = SimRunner.configOf(scenario, sim);
    StringWriter out = new StringWriter();
    try (Session s = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
      s.withNodePools(sim.nodePools());
      PoolSwitchRun.plan(new PrintWriter(out, true), s.poolSwitchOf(s.gate).plan(), json);
    }
    return out.toString();
  }

  @Test
  @DisplayName("plan prints the peak capacity (twice the pool), the quota numbers, PDB blockers and an estimate")
  void planText() {
    String out = plan(false);

    assertTrue(out.contains("workers-a -> workers-b"), out);
    assertTrue(out.contains("up to 12 instances at the peak"), out);
    assertTrue(out.contains("INSUFFICIENT") && out.contains("6 instances needed, 2 available"), out);
    assertTrue(out.contains("PDB blockers none right now"), out);
    assertTrue(out.contains("estimate     ~"), out);
    assertTrue(sim.nodePools().calls().isEmpty(), "plan changes nothing");
  }

  @Test
  @DisplayName("plan -o json carries the same numbers")
  void planJson() throws Exception {
    JsonNode j = Output.JSON.readTree(plan(true));

    assertEquals(12, j.get("peakInstances").asInt());
    assertEquals(6, j.get("quota").get("needed").asInt());
    assertEquals(2, j.get("quota").get("available").asInt());
    assertEquals(false, j.get("quota").get("sufficient").asBoolean());
    assertEquals(6, j.get("oldNodes").size());
    assertTrue(j.get("estimateSeconds").asLong() >= 300);
  }

  @Test
  @DisplayName("rollback with no switch recorded says so and exits 0, touching nothing")
  void rollbackNothing() throws Exception {
    Path config = tmp.resolve("rotator.yaml");
    // provider sim (this simulator's cloud): provider fake is refused by rollback before it reads anything.
    Files.writeString(config, "provider:\n  type: sim\npolicy:\n  maxUnavailable: 1\n");
    Cli.Result r = Cli.run("rollback", "--config", config.toString(), "--kubeconfig", kubeconfig.toString());

    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("nothing to roll back"), r.out());
  }

  @Test
  @DisplayName("run refuses --max-nodes with strategy nodePool (bad usage, exit 2)")
  void maxNodesRefused() throws Exception {
    Path config = tmp.resolve("pool.yaml");
    Files.writeString(config, "strategy: nodePool\nnodePool: {pool: workers-a, size: 3}\n");
    Cli.Result r = Cli.run("run", "--dry-run", "--max-nodes", "2", "--config", config.toString(), "--kubeconfig",
        kubeconfig.toString());

    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("--max-nodes does not apply to strategy nodePool"), r.err());
  }

  @Test
  @DisplayName("status shows the recorded pool switch (state, pools, drained count, what to do) in text and JSON")
  void statusShowsPoolSwitch() throws Exception {
    try (Simulator own = Simulator.start(Scenario.builtin("demo"));
        var client = dev.rotator.kubernetes.KubeClients.forUrl(own.apiUrl())) {
      Path kc = tmp.resolve("status-kubeconfig");
      own.writeKubeconfig(kc);
      Cli.Result before = Cli.run("status", "--kubeconfig", kc.toString());
      assertTrue(!before.out().contains("pool switch:"), "no switch recorded, none shown: " + before.out());

      var store = new dev.rotator.kubernetes.ConfigMapStateStore(client, own.clock());
      java.time.Instant t0 = own.clock().now();
      store.savePoolSwitch(new dev.rotator.core.pool.PoolSwitchRecord("run-7", "workers-a", "workers-b",
          dev.rotator.core.pool.PoolSwitchState.DRAINING, t0, t0, 3, java.util.List.of("n1", "n2", "n3"),
          java.util.List.of("n1"), null, "draining n2"));

      Cli.Result r = Cli.run("status", "--kubeconfig", kc.toString());
      assertEquals(0, r.exit(), r.out() + r.err());
      assertTrue(r.out().contains("pool switch: workers-a -> workers-b (run run-7) DRAINING"), r.out());
      assertTrue(r.out().contains("old nodes drained 1/3"), r.out());
      assertTrue(r.out().contains("detail: draining n2"), r.out());
      assertTrue(r.out().contains("'rotator rollback' undoes it"), r.out());

      JsonNode j = Output.JSON.readTree(Cli.run("status", "-o", "json", "--kubeconfig", kc.toString()).out());
      assertEquals("DRAINING", j.get("poolSwitch").get("state").asText());
      assertEquals("workers-b", j.get("poolSwitch").get("newPool").asText());

      store.savePoolSwitch(new dev.rotator.core.pool.PoolSwitchRecord("run-7", "workers-a", "workers-b",
          dev.rotator.core.pool.PoolSwitchState.OLD_POOL_DELETING, t0, t0, 3, java.util.List.of("n1", "n2", "n3"),
          java.util.List.of("n1", "n2", "n3"), null, "deleting workers-a"));
      Cli.Result late = Cli.run("status", "--kubeconfig", kc.toString());
      assertTrue(late.out().contains("no rollback any more"), late.out());
    }
  }
}
