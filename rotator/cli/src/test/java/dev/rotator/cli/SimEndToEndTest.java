package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the CLI's `sim` runs the real engine over HTTP against the simulated cluster; every safety
 * assertion reads the simulator's own record, never the rotator's claims.
 */
class SimEndToEndTest {
  @TempDir Path tmp;

  private JsonNode sim(String builtin, int expectedExit) throws Exception {
    Path report = tmp.resolve(builtin + ".json");
    Cli.Result r = Cli.run("sim", "--builtin", builtin, "--report", report.toString());
    assertEquals(expectedExit, r.exit(), "exit code\n" + r.out() + r.err());
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertEquals(0, json.get("pdbViolations").asInt(), "PDB violations: " + json.get("pdbViolationDetails"));
    assertEquals(0, json.get("podsLost").asInt(), "pods lost");
    assertEquals(0, json.get("podDeleteRequests").asInt(), "rotator never deletes a pod");
    assertEquals(0, json.get("invariantViolations").size(), json.get("invariantViolations").toString());
    return json;
  }

  @Test
  @DisplayName("plain scenario: every outdated node rotated, no PDB violated, no pod lost, within maxUnavailable")
  void plain() throws Exception {
    JsonNode j = sim("plain", 0);
    assertTrue(j.get("nodesOutdatedAtStart").asInt() > 0);
    assertEquals(j.get("nodesOutdatedAtStart").asInt(), j.get("nodesRotated").asInt());
    assertEquals(0, j.get("freezes").size());
    assertEquals("COMPLETED", j.get("rotator").get("outcome").asText());
  }

  @Test
  @DisplayName("tight PDBs (maxUnavailable: 1 everywhere): all rotated, zero violations, evictions were refused and retried")
  void tightPdb() throws Exception {
    JsonNode j = sim("tight-pdb", 0);
    assertEquals(j.get("nodesOutdatedAtStart").asInt(), j.get("nodesRotated").asInt());
    assertTrue(j.get("evictionsAccepted").asInt() > 0);
  }

  @Test
  @DisplayName("a PDB that can never be satisfied ends in FREEZE (DRAIN_TIMEOUT) naming the PDB, never a pod deleted")
  void unsatisfiablePdb() throws Exception {
    JsonNode j = sim("unsatisfiable-pdb", ExitCodes.FROZEN);
    assertEquals(1, j.get("freezes").size(), j.get("freezes").toString());
    assertEquals("DRAIN_TIMEOUT", j.get("freezes").get(0).get("reason").asText());
    // PDB-aware evictions send nothing while the PDB's status allows no disruption; nothing is forced either.
    assertEquals(0, j.get("podDeleteRequests").asInt(), j.toString());
    assertEquals(0, j.get("pdbViolations").asInt(), j.toString());
    String evidence = j.get("rotator").get("evidence").toString();
    assertTrue(evidence.contains("PDB"), evidence);
  }

  @Test
  @DisplayName("demo rotates the built-in cluster with progress lines and a summary")
  void demo() {
    Cli.Result r = Cli.run("demo");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("CORDONED"), r.out());
    assertTrue(r.out().contains("nodes done"), r.out());
    assertTrue(r.out().contains("PDB violations       0"), r.out());
  }
}
