package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** docs/simulator.md stays true: its scenario examples parse, and it documents every fault kind and scenario. */
class SimulatorDocsTest {
  private static final Path DOC = Path.of("../../docs/simulator.md");

  private static String doc() throws Exception {
    assertTrue(Files.isRegularFile(DOC), "run from the module directory: " + DOC.toAbsolutePath());
    return Files.readString(DOC, StandardCharsets.UTF_8);
  }

  /** The ```yaml blocks that are whole scenarios (their first key is name:). */
  private static List<String> scenarioBlocks(String doc) {
    List<String> out = new ArrayList<>();
    String[] parts = doc.split("```yaml\n");
    for (int i = 1; i < parts.length; i++) {
      String block = parts[i].substring(0, parts[i].indexOf("```"));
      String first = block.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElse("");
      if (first.startsWith("name:")) {
        out.add(block);
      }
    }
    return out;
  }

  @Test
  @DisplayName("every complete scenario example in docs/simulator.md parses")
  void examplesParse() throws Exception {
    List<String> blocks = scenarioBlocks(doc());
    assertTrue(blocks.size() >= 2, "the reference example and the fault example: " + blocks.size());
    for (String b : blocks) {
      Scenario s = Scenario.parse(b, "docs/simulator.md");
      assertFalse(s.name().isBlank());
    }
    assertTrue(
        blocks.stream()
            .map(b -> Scenario.parse(b, "doc"))
            .anyMatch(s -> s.faults().stream().map(FaultSpec::kind).distinct().count() == FaultSpec.KINDS.size()),
        "one example shows every fault kind");
  }

  @Test
  @DisplayName("every fault kind and every built-in scenario is documented")
  void everythingDocumented() throws Exception {
    String doc = doc();
    for (String k : FaultSpec.KINDS) {
      assertTrue(doc.contains("| `" + k + "` |"), "fault kind " + k + " in the table");
    }
    for (String b : Scenario.BUILTIN) {
      assertTrue(doc.contains("| `" + b + "` |"), "built-in scenario " + b);
    }
    for (String key : List.of("reactionSeconds", "graceSeconds", "disruptiveActionsAfterFault", "deadlineSeconds")) {
      assertTrue(doc.contains("`" + key + "`"), "report key " + key);
    }
  }
}
