package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * docs/reliability.md's table is generated from what the suite wrote to target/reliability/*.json (this class
 * runs last). Regenerate with {@code -Drotator.regenerateDocs=true}.
 */
@Order(100)
class ReliabilityDocTest {
  static final Path DOC = Path.of("..", "..", "docs", "reliability.md");
  static final String BEGIN = "<!-- BEGIN GENERATED: reliability table -->";
  static final String END = "<!-- END GENERATED -->";

  static String table(List<Results.Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| area | fault or bad-input class | cases | outcome | invariant violations |\n");
    b.append("|---|---|---|---|---|\n");
    for (Results.Row r : rows) {
      String outcomes = r.outcomes().entrySet().stream()
          .map((Map.Entry<String, Integer> e) -> e.getKey() + ": " + e.getValue())
          .collect(Collectors.joining(", "));
      b.append("| ").append(r.area()).append(" | ").append(r.kind()).append(" | ").append(r.cases()).append(" | ")
          .append(outcomes).append(" | ").append(r.violations()).append(" |\n");
    }
    int total = rows.stream().mapToInt(Results.Row::cases).sum();
    int violations = rows.stream().mapToInt(Results.Row::violations).sum();
    b.append("| **total** | | **").append(total).append("** | | **").append(violations).append("** |\n");
    return b.toString();
  }

  @Test
  @DisplayName("docs/reliability.md shows the table this test run produced, and every violation count is 0")
  void tableIsCurrent() throws Exception {
    List<Results.Row> rows = Results.readAll();
    assertFalse(rows.isEmpty(), "the suite wrote no results to " + Results.DIR.toAbsolutePath());
    String doc = Files.readString(DOC);
    int a = doc.indexOf(BEGIN);
    int z = doc.indexOf(END);
    String generated = BEGIN + "\n" + table(rows) + END;
    String updated = doc.substring(0, a) + generated + doc.substring(z + END.length());
    if (Boolean.getBoolean("rotator.regenerateDocs")) {
      Files.writeString(DOC, updated);
      doc = updated;
    }
    assertEquals(updated, doc, "docs/reliability.md is stale: run mvn -pl rotator/reliability test"
        + " -Drotator.regenerateDocs=true");
    for (Results.Row r : rows) {
      assertEquals(0, r.violations(), r.toString());
    }
  }
}
