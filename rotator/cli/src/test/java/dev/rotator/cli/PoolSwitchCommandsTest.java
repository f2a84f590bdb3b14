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
    Files.writeString(config, "policy:\n  maxUnavailable: 1\n");
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
}
