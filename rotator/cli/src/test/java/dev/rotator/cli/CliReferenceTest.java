package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/cli.md is generated from the picocli model; this test fails when it is stale. Regenerate with
 * {@code mvn -pl rotator/cli test -Dtest=CliReferenceTest -Drotator.regenerateDocs=true}.
 */
class CliReferenceTest {

  static String render() {
    CommandLine root = RotatorCommand.commandLine();
    StringBuilder md = new StringBuilder();
    md.append("# CLI reference\n\n");
    md.append("Generated from the picocli model by `CliReferenceTest` (which fails in CI when this file is stale).\n");
    md.append("Regenerate: `mvn -pl rotator/cli test -Dtest=CliReferenceTest -Drotator.regenerateDocs=true`.\n\n");
    md.append("Exit codes: 0 ok, 1 runtime failure, 2 bad usage or config, 3 stopped by a gate or frozen,\n");
    md.append("4 another rotator holds the lock.\n\n");
    md.append("## rotator\n\n```\n").append(usage(root)).append("```\n");
    for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      md.append("\n## rotator ").append(e.getKey()).append("\n\n```\n").append(usage(e.getValue())).append("```\n");
      // Nested commands (rotator sim serve, rotator sim bench) get their own section.
      for (Map.Entry<String, CommandLine> n : e.getValue().getSubcommands().entrySet()) {
        md.append("\n### rotator ").append(e.getKey()).append(' ').append(n.getKey()).append("\n\n```\n")
            .append(usage(n.getValue())).append("```\n");
      }
    }
    return md.toString();
  }

  private static String usage(CommandLine cl) {
    cl.setUsageHelpWidth(100);
    cl.setUsageHelpAutoWidth(false);
    return cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
  }

  static Path docsFile() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("docs"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no docs/ directory above " + Path.of("").toAbsolutePath());
    }
    return dir.resolve("docs/cli.md");
  }

  @Test
  @DisplayName("docs/cli.md matches the commands' --help")
  void referenceIsCurrent() throws Exception {
    String expected = render();
    Path file = docsFile();
    if (Boolean.getBoolean("rotator.regenerateDocs")) {
      Files.writeString(file, expected);
    }
    String actual = Files.exists(file) ? Files.readString(file) : "";
    assertEquals(expected, actual, "docs/cli.md is stale: regenerate it (see the class Javadoc)");
  }
}
