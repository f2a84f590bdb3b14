package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LowerBoundTest {

  private static Scenario scenario(int nodes, String workloads) {
    return Scenario.parse(
        "name: lb\nnodeGroups:\n  - {name: g, zones: [a, b], size: " + nodes + ", cpu: 64, memoryMi: 262144,"
            + " kubeletVersion: v1.30.0, targetVersion: v1.31.0, provisioningSeconds: 90, readySeconds: 10}\n"
            + (workloads.isEmpty() ? "" : "workloads:\n" + workloads),
        "lb.yaml");
  }

  @Test
  @DisplayName("without PDBs the bound is the number of waves times the boot time of a new node")
  void capacity() {
    LowerBound.Result r = LowerBound.of(scenario(10, ""), 2, 1);
    assertEquals(3, r.inFlight());
    assertEquals(4, r.waves()); // ceil(10 / 3)
    assertEquals(100.0, r.bootSeconds()); // 90 s provisioning + 10 s to Ready
    assertEquals(400.0, r.seconds());
    assertEquals("capacity", r.binding());
  }

  @Test
  @DisplayName("a PDB allowing k disruptions forces ceil(pods / k) moves in a row, each at least the pod's startup")
  void pdbChain() {
    String w = "  - {name: web, replicas: 40, startupSeconds: 30, pdb: {maxUnavailable: 1}}\n"
        + "  - {name: api, replicas: 40, startupSeconds: 30, pdb: {maxUnavailable: '10%'}}\n";
    LowerBound.Result r = LowerBound.of(scenario(4, w), 4, 4);
    assertEquals(100.0, r.capacitySeconds());
    assertEquals(40 * 30.0, r.pdbSeconds()); // web: 40 moves of 30 s; api: ceil(40/4) * 30 = 300
    assertEquals("default/web", r.bindingPdb());
    assertEquals("pdb", r.binding());
    assertEquals(1200.0, r.seconds());
    assertEquals(2.0, r.ratio(2400));
  }

  @Test
  @DisplayName("a StatefulSet pod's move also waits for its predecessor's termination grace (the name is reused)")
  void statefulSet() {
    String w = "  - {kind: StatefulSet, name: db, replicas: 5, startupSeconds: 20, terminationGraceSeconds: 30,"
        + " pdb: {minAvailable: 4}}\n";
    LowerBound.Result r = LowerBound.of(scenario(2, w), 10, 10);
    assertEquals(5 * 50.0, r.pdbSeconds());
  }

  @Test
  @DisplayName("a PDB that allows no disruption makes the bound infinite, named")
  void unsatisfiable() {
    String w = "  - {name: ledger, replicas: 3, pdb: {minAvailable: 3}}\n";
    LowerBound.Result r = LowerBound.of(scenario(3, w), 1, 1);
    assertNull(r.seconds());
    assertNull(r.ratio(100));
    assertEquals("unsatisfiable-pdb", r.binding());
    assertEquals("default/ledger", r.bindingPdb());
  }

  @Test
  @DisplayName("the scenario's rotator section gives the policy; both 0 is refused when given explicitly")
  void policyFromScenario() {
    Scenario s = Scenario.parse(
        "name: lb\nnodeGroups:\n  - {name: g, size: 12, kubeletVersion: v1.30.0, targetVersion: v1.31.0}\n"
            + "rotator:\n  policy: {maxUnavailable: 3, maxSurge: 3}\n", "lb.yaml");
    assertEquals(2, LowerBound.of(s).waves());
    assertThrows(IllegalArgumentException.class, () -> LowerBound.of(s, 0, 0));
  }

  @Test
  @DisplayName("the reference scenario is bound by capacity: 1,000 nodes in waves of 40, 100 s each")
  void reference() {
    LowerBound.Result r = LowerBound.of(Scenario.builtin("reference"));
    assertEquals(1000, r.nodes());
    assertEquals(25, r.waves());
    assertEquals(2500.0, r.seconds());
  }
}
