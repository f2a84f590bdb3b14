package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.config.GateSettings.ClusterStateSettings;
import dev.rotator.config.SelectorSettings.Match;
import dev.rotator.core.engine.RotationPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md and docs/examples/rotator.yaml are part of the contract: these tests fail when
 * the parser knows a key the documentation does not describe, when the documentation describes a key the
 * parser does not know, when a documented default is not the real one, and when the example drifts.
 */
class DocsTest {
  /** First cell of a reference-table row: | `key.path` | type | default | meaning |. */
  private static final Pattern KEY_CELL = Pattern.compile("^`([A-Za-z.]+)`$");

  private static String doc;
  private static String example;
  private static Map<String, String> documentedDefaults;

  @BeforeAll
  static void read() throws IOException {
    Path docs = findDocs();
    doc = Files.readString(docs.resolve("configuration.md"));
    example = Files.readString(docs.resolve("examples/rotator.yaml"));
    documentedDefaults = new LinkedHashMap<>();
    for (String line : doc.split("\n")) {
      if (!line.startsWith("|")) {
        continue;
      }
      // Cells are separated by unescaped pipes (`a` \| `b` inside a cell is one cell).
      String[] cells = line.split("(?<!\\\\)\\|", -1);
      Matcher m = cells.length >= 4 ? KEY_CELL.matcher(cells[1].strip()) : null;
      if (m != null && m.matches()) {
        if (documentedDefaults.put(m.group(1), cells[3].strip()) != null) {
          fail("documented twice: " + m.group(1));
        }
      }
    }
  }

  /** The repository's docs/ folder, found from the module directory Maven runs tests in. */
  private static Path findDocs() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 6 && dir != null; i++, dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("docs/configuration.md"))) {
        return dir.resolve("docs");
      }
    }
    throw new IllegalStateException("docs/configuration.md not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  @DisplayName("every key the parser knows has a row in docs/configuration.md")
  void everyKnownKeyDocumented() {
    List<String> missing = new ArrayList<>();
    for (String key : ConfigLoader.knownKeys()) {
      if (!documentedDefaults.containsKey(key)) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "keys the parser knows but docs/configuration.md does not describe");
  }

  @Test
  @DisplayName("every key documented is one the parser knows (no stale documentation)")
  void noStaleKeys() {
    List<String> stale = new ArrayList<>(documentedDefaults.keySet());
    stale.removeAll(ConfigLoader.knownKeys());
    assertEquals(List.of(), stale, "documented keys the parser does not know");
  }

  @Test
  @DisplayName("the example in the doc is the committed docs/examples/rotator.yaml, byte for byte")
  void exampleEmbedded() {
    int heading = doc.indexOf("## Complete example");
    assertTrue(heading >= 0, "no '## Complete example' section");
    int start = doc.indexOf("```yaml\n", heading) + "```yaml\n".length();
    int end = doc.indexOf("```", start);
    assertEquals(example, doc.substring(start, end));
  }

  @Test
  @DisplayName("the example sets every key the parser knows (it is complete)")
  void exampleComplete() {
    JsonNode tree = ConfigLoader.readYaml(example, "examples/rotator.yaml");
    List<String> missing = new ArrayList<>();
    for (String key : ConfigLoader.knownKeys()) {
      JsonNode n = tree;
      for (String part : key.split("\\.")) {
        n = n == null ? null : n.get(part);
      }
      if (n == null) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "keys missing from docs/examples/rotator.yaml");
  }

  @Test
  @DisplayName("the example parses to exactly the configuration the doc describes")
  void exampleParses() {
    RotatorConfig expected =
        new RotatorConfig(
            new ClusterSettings(Optional.of("/etc/rotator/kubeconfig"), Optional.of("prod"), "rotator-system", "rotator-state"),
            new ProviderSettings(ProviderSettings.Type.FAKE),
            new SelectorSettings(
                Optional.of("v1.31.2"),
                Optional.of(new Match("rotator.dev/pool-generation", "2026-01")),
                Optional.of(new Match("example.com/image-id", "img-0a1b2c3d")),
                Optional.of(Duration.ofDays(30)),
                false),
            new RotationPolicy(
                RotationPolicy.Order.ZONE_ROUND_ROBIN,
                true,
                1,
                1,
                Duration.ofMinutes(15),
                Duration.ofSeconds(5),
                Duration.ofSeconds(60),
                Duration.ofMinutes(15),
                Duration.ofSeconds(5),
                false,
                false,
                true,
                0),
            new GateSettings(2, Duration.ofSeconds(10), new ClusterStateSettings(true, 0, 0, Duration.ofMinutes(5))),
            new AlertSettings(new AlertSettings.Log(true)));
    assertEquals(expected, ConfigLoader.parse(example, "examples/rotator.yaml"));
  }

  @Test
  @DisplayName("every default written in the doc is the parser's real default")
  void documentedDefaultsAreReal() {
    // Build a document from the Default column (selector aside: its default applies to the section as a
    // whole and is checked below) and compare it with what an empty file gives.
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    for (String key : Schema.leafPaths()) {
      String cell = documentedDefaults.get(key);
      if (key.startsWith("selector.") || cell == null) {
        continue;
      }
      if (cell.equals("unset")) {
        continue;
      }
      Matcher m = Pattern.compile("^`([^`]*)`$").matcher(cell);
      assertTrue(m.matches(), () -> key + ": default column must be `value` or unset, is: " + cell);
      put(tree, key, ConfigLoader.readYaml("v: " + m.group(1) + "\n", "doc").get("v"));
    }
    assertEquals(ConfigLoader.defaults(), ConfigLoader.fromTree(tree, "documented defaults"));

    assertTrue(
        doc.contains("when the `selector` section is absent, the selector is `provider: true`"),
        "the doc must state the selector default");
    assertEquals(SelectorSettings.defaults(), ConfigLoader.defaults().selector());
    assertEquals(
        new SelectorSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true),
        ConfigLoader.defaults().selector());
  }

  @Test
  @DisplayName("the error examples in the doc are the messages the loader really gives")
  void documentedMessages() {
    assertMessage("policy:\n  maxUnavailable: -1\n");
    assertMessage("policy:\n  maxUnavailable: 0\n  maxSurge: 0\n");
    assertMessage("provider:\n  type: aws\n");
    String unknown = message("policy:\n  maxUnavailabel: 1\n");
    String documentedPrefix = "policy.maxUnavailabel: unknown key (did you mean 'maxUnavailable'?); known keys here: order, notReadyFirst, ";
    assertTrue(unknown.startsWith(documentedPrefix), unknown);
    assertTrue(doc.contains(documentedPrefix + "..."), "doc shows the unknown-key message");
  }

  private static void assertMessage(String yaml) {
    String m = message(yaml);
    assertTrue(doc.contains("\n" + m + "\n"), () -> "docs/configuration.md should show this message verbatim: " + m);
  }

  private static String message(String yaml) {
    try {
      ConfigLoader.parse(yaml, "t");
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + yaml);
  }

  private static void put(ObjectNode root, String path, JsonNode value) {
    String[] parts = path.split("\\.");
    ObjectNode o = root;
    for (int i = 0; i < parts.length - 1; i++) {
      o = o.has(parts[i]) ? (ObjectNode) o.get(parts[i]) : o.putObject(parts[i]);
    }
    o.set(parts[parts.length - 1], value);
  }
}
