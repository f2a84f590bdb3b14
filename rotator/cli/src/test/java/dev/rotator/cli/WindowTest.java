package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.RotationPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance windows and {@code run --max-nodes}, through the real command line. Windows are shown with {@code
 * rotator sim}, which wires the engine as in production against a simulated cluster whose clock starts on
 * Thursday 2026-01-01 00:00 UTC.
 */
class WindowTest {
  @TempDir Path tmp;

  private Path scenario(String name, int scale, int nodes, String policyExtra) throws Exception {
    Path f = tmp.resolve(name + ".yaml");
    Files.writeString(f, """
        name: %s
        clock:
          scale: %d
          start: "2026-01-01T00:00:00Z"
        nodeGroups:
          - name: workers
            zones: [sim-a, sim-b, sim-c]
            size: %d
            minSize: 3
            maxSize: 20
            quota: 20
            cpu: 4
            memoryMi: 16384
            kubeletVersion: v1.30.6
            targetVersion: v1.31.2
            provisioningSeconds: 90
            readySeconds: 15
        workloads:
          - kind: Deployment
            namespace: shop
            name: web
            replicas: 6
            cpu: 500m
            memoryMi: 512
            startupSeconds: 10
            pdb: {maxUnavailable: 1}
        rotator:
          selector:
            kubeletVersionBelow: v1.31.2
          policy:
            maxUnavailable: 1
            maxSurge: 0
        %s
          gates:
            apiserver:
              enabled: false
        faults: []
        """.formatted(name, scale, nodes, policyExtra.indent(4).stripTrailing()));
    return f;
  }

  @Test
  @DisplayName("a run outside every maintenance window touches nothing, says when the next opens, and exits 0")
  void outsideWindow() throws Exception {
    Path f = scenario("outside", 200, 6, """
        maintenanceWindows:
          - {days: [mon], start: "09:00", end: "17:00", timeZone: Europe/Berlin}
        """);
    Cli.Result r = Cli.run("sim", "--scenario", f.toString());
    assertEquals(ExitCodes.OK, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("OUTSIDE_WINDOW"), r.out());
    assertTrue(r.out().contains(
        "outside the maintenance window (next opens at Mon 2026-01-05 09:00 Europe/Berlin (2026-01-05T08:00:00Z))"),
        r.out());
    assertTrue(!r.out().contains("CORDONED") && !r.out().toLowerCase().contains("surged"), "nothing touched: " + r.out());
  }

  @Test
  @DisplayName("when the window (opened the evening before) closes mid-run, nodes in flight finish and the rest waits")
  void windowClosesMidRun() throws Exception {
    // 12 nodes one after the other take about 25 simulated minutes; the window closes 12 minutes after the
    // clock starts (the simulator's start-up takes a few of them, at 100 simulated seconds per wall second).
    Path f = scenario("closes", 100, 12, """
        maintenanceWindows:
          - {days: [wed], start: "23:00", end: "00:12", timeZone: UTC}
        """);
    Cli.Result r = Cli.run("sim", "--scenario", f.toString());
    // Exit 0 also means the simulator saw no safety violation (no PDB broken, no node lost mid-drain).
    assertEquals(ExitCodes.OK, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("Rotator: COMPLETED"), "the run began inside the window: " + r.out() + r.err());
    assertTrue(r.out().contains("left for the next window"), r.out());
  }

  @Test
  @DisplayName("--max-nodes must be a whole number of at least 1: 0, negative or text exit 2 before anything runs")
  void maxNodesRejected() {
    for (String bad : new String[] {"0", "-1", "two"}) {
      Cli.Result r = Cli.run("run", "--max-nodes", bad, "--kubeconfig", tmp.resolve("none").toString());
      assertEquals(ExitCodes.USAGE, r.exit(), bad + ": " + r.out() + r.err());
      assertTrue(r.err().contains("--max-nodes"), r.err());
    }
  }

  @Test
  @DisplayName("--max-nodes replaces policy.maxNodesPerRun for the run; without it the policy is used as it is")
  void maxNodesOverride() {
    RotationPolicy p = RotationPolicy.defaults().withMaxNodesPerRun(5);
    assertEquals(2, RunCommand.withMaxNodes(p, 2).maxNodesPerRun());
    assertEquals(p.withMaxNodesPerRun(2), RunCommand.withMaxNodes(p, 2), "nothing else changes");
    assertSame(p, RunCommand.withMaxNodes(p, null));
    assertEquals(7, RunCommand.withMaxNodes(RotationPolicy.defaults(), 7).maxNodesPerRun(), "over 0 (no limit) too");
  }
}
