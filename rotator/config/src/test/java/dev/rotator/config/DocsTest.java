package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.config.GateSettings.ApiServerSettings;
import dev.rotator.config.GateSettings.ClusterStateSettings;
import dev.rotator.config.GateSettings.EtcdSettings;
import dev.rotator.config.GateSettings.EtcdViaApiServerSettings;
import dev.rotator.config.GateSettings.PrometheusGateSettings;
import dev.rotator.config.GateSettings.QuotaSettings;
import dev.rotator.config.GateSettings.VersionSkewSettings;
import dev.rotator.config.SelectorSettings.Match;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
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
  private static final Pattern KEY_CELL = Pattern.compile("^`([A-Za-z0-9.\\[\\]]+)`$");

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
      if (!present(tree, key.split("\\."), 0)) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "keys missing from docs/examples/rotator.yaml");
  }

  /** Whether the path is set; {@code list[]} means "in at least one element of the list". */
  private static boolean present(JsonNode n, String[] parts, int i) {
    if (i == parts.length) {
      return true;
    }
    if (n == null || !n.isObject()) {
      return false;
    }
    String part = parts[i];
    if (!part.endsWith("[]")) {
      JsonNode child = n.get(part);
      // A list key must be a non-empty list in the example, so that its elements are shown too.
      return child != null && (!child.isArray() || child.size() > 0 || i + 1 < parts.length) && present(child, parts, i + 1);
    }
    JsonNode list = n.get(part.substring(0, part.length() - 2));
    if (list == null || !list.isArray()) {
      return false;
    }
    for (JsonNode e : list) {
      if (present(e, parts, i + 1)) {
        return true;
      }
    }
    return false;
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
            exampleGates(),
            new AlertSettings(new AlertSettings.Log(true)));
    assertEquals(expected, ConfigLoader.parse(example, "examples/rotator.yaml"));
  }

  private static GateSettings exampleGates() {
    ApiServerLatencyCheck.Settings apiserver =
        new ApiServerLatencyCheck.Settings(
            List.of("/version", "/readyz", "/api/v1/nodes?limit=1"),
            Duration.ofSeconds(2),
            50,
            10,
            Duration.ofMinutes(10),
            Duration.ofMillis(200),
            Duration.ofSeconds(1),
            0.05,
            new ApiServerLatencyCheck.MetricsSettings(
                true, Duration.ofSeconds(1), Set.of("WATCH", "WATCHLIST", "CONNECT"), 10));
    return new GateSettings(
        2,
        Duration.ofSeconds(10),
        new ClusterStateSettings(true, 0, 0, Duration.ofMinutes(5)),
        new ApiServerSettings(true, apiserver),
        new VersionSkewSettings(true, OptionalInt.of(3), Optional.of("v1.31.2")),
        new QuotaSettings(true, OptionalInt.of(1), List.of("workers-a", "workers-b"), Duration.ofSeconds(5)),
        new EtcdSettings(
            true,
            List.of("https://10.0.0.11:2379", "https://10.0.0.12:2379", "https://10.0.0.13:2379"),
            Duration.ofSeconds(2),
            Optional.of("/etc/kubernetes/pki/etcd/ca.crt"),
            Optional.of("/etc/kubernetes/pki/apiserver-etcd-client.crt"),
            Optional.of("/etc/kubernetes/pki/apiserver-etcd-client.key")),
        new EtcdViaApiServerSettings(true, Duration.ofSeconds(2)),
        new PrometheusGateSettings(
            true,
            Optional.of("http://prometheus.monitoring:9090"),
            List.of("{severity=\"critical\"}", "{alertname=~\"Ingress.*\", namespace=\"ingress-nginx\"}"),
            List.of(
                new PromQlThresholdCheck.Rule(
                    "ingress-5xx-ratio",
                    "sum(rate(nginx_ingress_controller_requests{status=~\"5..\"}[5m])) / sum(rate(nginx_ingress_controller_requests[5m]))",
                    PromQlThresholdCheck.Op.GT,
                    0.05,
                    PromQlThresholdCheck.EmptyIs.UNKNOWN),
                new PromQlThresholdCheck.Rule(
                    "apiserver-slo-burn",
                    "apiserver:availability:burnrate1h > 14.4",
                    PromQlThresholdCheck.Op.GE,
                    14.4,
                    PromQlThresholdCheck.EmptyIs.HEALTHY)),
            Duration.ofSeconds(5)),
        List.of(
            new HttpCheck.Settings(
                "ingress-healthz",
                "https://ingress.example.com/healthz",
                200,
                "ok",
                "\"status\"\\s*:\\s*\"(ok|green)\"",
                Duration.ofSeconds(5)),
            new HttpCheck.Settings(
                "payments-ready", "http://payments.prod.svc.cluster.local:8080/ready", 204, null, null, Duration.ofSeconds(3))));
  }

  @Test
  @DisplayName("every default written in the doc is the parser's real default")
  void documentedDefaultsAreReal() {
    // Build a document from the Default column (selector aside: its default applies to the section as a
    // whole and is checked below) and compare it with what an empty file gives.
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    for (String key : Schema.leafPaths()) {
      String cell = documentedDefaults.get(key);
      if (key.startsWith("selector.") || key.contains("[]") || cell == null) {
        continue; // list elements: see elementDefaultsAreReal
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

  /** A valid value for each required key of a list element, to build elements around. */
  private static final Map<String, String> REQUIRED_SAMPLES =
      Map.of(
          "gates.http[].name", "sample",
          "gates.http[].url", "http://127.0.0.1:8080/healthz",
          "gates.prometheus.rules[].name", "sample",
          "gates.prometheus.rules[].expr", "up",
          "gates.prometheus.rules[].op", "'>'",
          "gates.prometheus.rules[].threshold", "0.5");

  @Test
  @DisplayName("list elements: 'required' keys are really required, and documented defaults are the real ones")
  void elementDefaultsAreReal() {
    for (String list : Schema.allPaths()) {
      if (!Schema.lookup(list).isList()) {
        continue;
      }
      ObjectNode minimal = JsonNodeFactory.instance.objectNode();
      ObjectNode withDefaults = JsonNodeFactory.instance.objectNode();
      List<String> required = new ArrayList<>();
      for (String key : Schema.leafPaths()) {
        if (!key.startsWith(list + "[].") || key.substring(list.length() + 3).contains(".")) {
          continue;
        }
        String leaf = key.substring(list.length() + 3);
        String cell = documentedDefaults.get(key);
        assertTrue(cell != null, () -> key + " is not documented");
        if (cell.equals("required")) {
          String sample = REQUIRED_SAMPLES.get(key);
          assertTrue(sample != null, () -> "no sample value for the required key " + key);
          JsonNode v = ConfigLoader.readYaml("v: " + sample + "\n", "sample").get("v");
          minimal.set(leaf, v);
          withDefaults.set(leaf, v);
          required.add(leaf);
        } else if (!cell.equals("unset")) {
          Matcher m = Pattern.compile("^`([^`]*)`$").matcher(cell);
          assertTrue(m.matches(), () -> key + ": default column must be `value`, unset or required, is: " + cell);
          withDefaults.set(leaf, ConfigLoader.readYaml("v: " + m.group(1) + "\n", "doc").get("v"));
        }
      }
      assertEquals(
          ConfigLoader.fromTree(tree(list, minimal), "minimal"),
          ConfigLoader.fromTree(tree(list, withDefaults), "documented defaults"),
          list + ": an element with the documented defaults differs from one without");
      for (String leaf : required) {
        ObjectNode without = minimal.deepCopy();
        without.remove(leaf);
        ConfigException e =
            assertThrows(ConfigException.class, () -> ConfigLoader.fromTree(tree(list, without), "t"), list + "[]." + leaf);
        assertEquals(list + "[0]." + leaf, e.keyPath());
        assertTrue(e.problem().startsWith("required"), e.getMessage());
      }
    }
  }

  private static ObjectNode tree(String listPath, ObjectNode element) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    put(root, listPath, JsonNodeFactory.instance.arrayNode().add(element));
    return root;
  }

  @Test
  @DisplayName("the error examples in the doc are the messages the loader really gives")
  void documentedMessages() {
    assertMessage("policy:\n  maxUnavailable: -1\n");
    assertMessage("policy:\n  maxUnavailable: 0\n  maxSurge: 0\n");
    assertMessage("provider:\n  type: aws\n");
    assertMessage("gates:\n  checkTimeout: 5s\n");
    assertMessage("gates:\n  prometheus:\n    alertMatchers:\n      - {severity=\"critical\"}\n");
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
