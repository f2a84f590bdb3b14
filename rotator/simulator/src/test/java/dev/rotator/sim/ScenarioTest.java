package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.sim.Scenario.WorkloadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScenarioTest {

  private static final String MINIMAL =
      """
      name: mini
      nodeGroups:
        - name: g
          size: 2
          kubeletVersion: v1.30.1
      """;

  @Test
  @DisplayName("a minimal scenario gets the documented defaults")
  void defaults() {
    Scenario s = Scenario.parse(MINIMAL, "mini.yaml");
    assertEquals("mini", s.name());
    assertEquals(100.0, s.clock().scale());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), s.clock().start());
    var g = s.nodeGroups().get(0);
    assertEquals(List.of("g-zone-a"), g.zones());
    assertEquals(0, g.minSize());
    assertEquals(4, g.maxSize());
    assertEquals(4, g.quota());
    assertEquals(4000, g.cpuMillis());
    assertEquals(16384, g.memoryMi());
    assertEquals("v1.30.1", g.targetVersion(), "nothing is outdated unless a target is given");
    assertEquals(90, g.provisioningSeconds());
    assertEquals(10, g.readySeconds());
    assertEquals(List.of(), s.workloads());
    assertNull(s.rotatorConfig());
  }

  @Test
  @DisplayName("every built-in scenario parses, has a rotator section and outdated nodes")
  void builtins() {
    for (String name : Scenario.BUILTIN) {
      Scenario s = Scenario.builtin(name);
      assertEquals(name, s.name());
      assertTrue(s.rotatorConfig().path("selector").has("kubeletVersionBelow"), name);
      assertTrue(s.rotatorConfig().path("policy").has("maxUnavailable"), name);
      assertTrue(s.rotatorConfig().path("policy").has("maxSurge"), name);
      assertTrue(s.rotatorConfig().path("policy").has("drainTimeout"), name);
      assertTrue(s.nodeGroups().stream().anyMatch(g -> !g.kubeletVersion().equals(g.targetVersion())), name);
    }
    Scenario u = Scenario.builtin("unsatisfiable-pdb");
    assertTrue(u.workloads().stream().anyMatch(w -> w.pdb() != null && w.pdb().minAvailable() != null
        && !w.pdb().minAvailable().percent() && w.pdb().minAvailable().value() == w.replicas()));
    Scenario t = Scenario.builtin("tight-pdb");
    assertTrue(t.workloads().stream()
        .filter(w -> w.kind() == WorkloadKind.Deployment || w.kind() == WorkloadKind.StatefulSet)
        .allMatch(w -> w.pdb() != null && w.pdb().maxUnavailable().value() == 1 && !w.pdb().maxUnavailable().percent()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenario.builtin("nope"));
    assertTrue(e.getMessage().contains("demo") && e.getMessage().contains("unsatisfiable-pdb"), e.getMessage());
  }

  @Test
  @DisplayName("load reads a file and names it in errors")
  void load(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("mine.yaml");
    Files.writeString(f, MINIMAL);
    assertEquals("mini", Scenario.load(f).name());
    Files.writeString(f, MINIMAL + "bogus: 1\n");
    ScenarioException e = assertThrows(ScenarioException.class, () -> Scenario.load(f));
    assertTrue(e.getMessage().startsWith("mine.yaml: bogus: unknown key"), e.getMessage());
    assertThrows(ScenarioException.class, () -> Scenario.load(dir.resolve("missing.yaml")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown top-level key          | colour: red                                         | colour",
        "unknown node group key         | nodeGroups: [{name: g, size: 1, kubeletVersion: v1.30.0, cpuu: 2}] | nodeGroups[0].cpuu",
        "size not a number              | nodeGroups: [{name: g, size: many, kubeletVersion: v1.30.0}] | nodeGroups[0].size",
        "bad cpu                        | nodeGroups: [{name: g, size: 1, cpu: lots, kubeletVersion: v1.30.0}] | nodeGroups[0].cpu",
        "bad version                    | nodeGroups: [{name: g, size: 1, kubeletVersion: latest}] | nodeGroups[0].kubeletVersion",
        "quota below size               | nodeGroups: [{name: g, size: 3, quota: 2, kubeletVersion: v1.30.0}] | nodeGroups[0].quota",
        "maxSize below size             | nodeGroups: [{name: g, size: 3, maxSize: 2, kubeletVersion: v1.30.0}] | nodeGroups[0].maxSize",
        "bad workload kind              | workloads: [{kind: CronJob, name: x}]                  | workloads[0].kind",
        "negative replicas              | workloads: [{name: x, replicas: -1}]                   | workloads[0].replicas",
        "bad pdb value                  | workloads: [{name: x, pdb: {maxUnavailable: half}}]    | workloads[0].pdb.maxUnavailable",
        "both pdb fields                | workloads: [{name: x, pdb: {maxUnavailable: 1, minAvailable: 1}}] | workloads[0].pdb",
        "unknown pdb key                | workloads: [{name: x, pdb: {maxUnavailble: 1}}]       | workloads[0].pdb.maxUnavailble",
        "replicas on a DaemonSet        | workloads: [{kind: DaemonSet, name: x, replicas: 2}]   | workloads[0].replicas",
        "bad toleration effect          | workloads: [{name: x, tolerations: [{key: k, effect: Sometimes}]}] | workloads[0].tolerations[0].effect",
        "duplicate workload             | workloads: [{name: x}, {name: x, kind: StatefulSet}]   | workloads[1].name",
        "bad clock scale                | 'clock: {scale: 0}'                                    | clock.scale",
        "unsupported fault              | 'faults: [{kind: apiserver-down}]'                     | faults[0].kind",
        "rotator not a mapping          | 'rotator: [1, 2]'                                      | rotator",
      })
  @DisplayName("a bad key or value is a ScenarioException naming the key")
  void badKeys(String what, String yamlLine, String key) {
    String base = "name: bad\nnodeGroups: [{name: g, size: 1, kubeletVersion: v1.30.0}]\n";
    String yaml = yamlLine.startsWith("nodeGroups") ? "name: bad\n" + yamlLine + "\n" : base + yamlLine + "\n";
    ScenarioException e = assertThrows(ScenarioException.class, () -> Scenario.parse(yaml, "bad.yaml"), what);
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }

  @Test
  @DisplayName("a missing name or node group list is reported, as is YAML that does not parse")
  void required() {
    assertEquals("name", assertThrows(ScenarioException.class,
        () -> Scenario.parse("nodeGroups: []\n", "x.yaml")).key());
    assertEquals("nodeGroups", assertThrows(ScenarioException.class,
        () -> Scenario.parse("name: x\nnodeGroups: []\n", "x.yaml")).key());
    assertEquals("", assertThrows(ScenarioException.class,
        () -> Scenario.parse("name: [unclosed\n", "x.yaml")).key());
  }

  @Test
  @DisplayName("workloads that cannot fit on the nodes at start are refused when the simulator starts")
  void doesNotFit() {
    Scenario s = Scenario.parse(
        "name: tiny\nnodeGroups: [{name: g, size: 1, cpu: 1, kubeletVersion: v1.30.0}]\n"
            + "workloads: [{name: big, replicas: 3, cpu: 800m}]\n", "tiny.yaml");
    ScenarioException e = assertThrows(ScenarioException.class, () -> Simulator.start(s));
    assertEquals("workloads", e.key());
    assertTrue(e.getMessage().contains("2 pod(s) do not fit"), e.getMessage());
  }
}
