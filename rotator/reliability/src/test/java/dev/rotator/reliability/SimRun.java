package dev.rotator.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code rotator sim} run of a scenario file through the CLI, and its report read the same way by every suite
 * that judges simulated runs: the simulator's own record of violations, and rotator's outcome.
 */
record SimRun(JsonNode report, String stderr) {
  /** Writes {@code scenarioYaml} to {@code dir}, runs {@code rotator sim} on it and reads the report. */
  static SimRun of(Path dir, String scenarioYaml) throws Exception {
    Path file = dir.resolve("scenario.yaml");
    Files.writeString(file, scenarioYaml);
    Path report = dir.resolve("report.json");
    HostileInputTest.Cli r = HostileInputTest.cli("sim", "--scenario", file.toString(), "--report", report.toString());
    if (!Files.exists(report)) {
      throw new AssertionError("rotator sim wrote no report (exit " + r.exit() + "): " + r.err() + r.out());
    }
    return new SimRun(new ObjectMapper().readTree(Files.readString(report)), r.err());
  }

  /**
   * What the simulator saw break: PDB violations, pods lost (by rotator), its invariant list (pod DELETEs other than
   * accepted unhealthy-pod deletes included), disruptive actions after a FREEZE, and more than one node unavailable
   * (every scenario of these suites runs with {@code maxUnavailable: 1}).
   */
  List<String> violations() {
    List<String> violations = new ArrayList<>();
    report.get("pdbViolationDetails").forEach(v -> violations.add(v.asText()));
    report.get("podsLostDetails").forEach(v -> violations.add(v.asText()));
    report.get("invariantViolations").forEach(v -> violations.add(v.asText()));
    report.get("disruptiveActionsAfterFreezeDetails").forEach(v -> violations.add("after FREEZE: " + v.asText()));
    if (report.get("maxNodesUnavailable").asInt() > 1) {
      violations.add("maxNodesUnavailable " + report.get("maxNodesUnavailable") + " > maxUnavailable 1");
    }
    return violations;
  }

  String outcome() {
    return report.get("rotator").get("outcome").asText();
  }

  String reason() {
    return report.get("rotator").get("reason").asText();
  }

  /** The outcome as the results table words it: "completed", "froze REASON", ... */
  String shown() {
    return outcome().equals("FROZEN") ? "froze " + reason() : outcome().toLowerCase(Locale.ROOT);
  }

  /** For assertion messages: the case, rotator's result, the faults' record and rotator's stderr. */
  String context(String kind) {
    return kind + ": " + report.get("rotator") + " " + report.get("faults") + "\n" + stderr;
  }
}
