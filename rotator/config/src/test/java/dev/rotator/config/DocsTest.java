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
import dev.rotator.core.engine.MaintenanceWindow;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import dev.rotator.provider.aws.AwsSettings;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import dev.rotator.provider.gke.GkeSettings;
import java.io.IOException;
import java.net.URI;
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
 * docs/configuration.md, docs/examples/rotator.yaml and docs/examples/rotator-gke.yaml are part of the
 * contract: these tests fail when the parser knows a key the documentation does not describe, when the
 * documentation describes a key the parser does not know, when a documented default is not the real one,
 * and when an example drifts.
 */
class DocsTest {
  /** First cell of a reference-table row: | `key.path` | type | default | meaning |. */
  private static final Pattern KEY_CELL = Pattern.compile("^`([A-Za-z0-9.\\[\\]]+)`$");

  private static String doc;
  private static String example;
  private static String gkeExample;
  private static Map<String, String> documentedDefaults;

  @BeforeAll
  static void read() throws IOException {
    Path docs = findDocs();
    doc = Files.readString(docs.resolve("configuration.md"));
    example = Files.readString(docs.resolve("examples/rotator.yaml"));
    gkeExample = Files.readString(docs.resolve("examples/rotator-gke.yaml"));
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
  @DisplayName("the examples in the doc are the committed docs/examples/rotator.yaml and rotator-gke.yaml, byte for byte")
  void exampleEmbedded() {
    assertEquals(example, embedded("\n## Complete example\n"));
    assertEquals(gkeExample, embedded("\n## Complete example: GKE\n"));
  }

  private static String embedded(String heading) {
    int at = doc.indexOf(heading);
    assertTrue(at >= 0, () -> "no '" + heading.strip() + "' section");
    int start = doc.indexOf("```yaml\n", at) + "```yaml\n".length();
    int end = doc.indexOf("```", start);
    return doc.substring(start, end);
  }

  /**
   * The two examples together set every key the parser knows: examples/rotator.yaml every key but those of
   * provider.gke (one file can select only one provider), examples/rotator-gke.yaml provider.type and every
   * key of provider.gke. Keys that exclude each other (batchNodeCount, batchPercentage) cannot be set in one
   * file: the GKE example shows the second one commented out, and {@link #gkeVariant()} uncomments it.
   */
  @Test
  @DisplayName("the examples set every key the parser knows (they are complete)")
  void exampleComplete() {
    JsonNode aws = ConfigLoader.readYaml(example, "examples/rotator.yaml");
    JsonNode gke = ConfigLoader.readYaml(gkeExample, "examples/rotator-gke.yaml");
    JsonNode gkeVariant = ConfigLoader.readYaml(gkeVariant(), "examples/rotator-gke.yaml (variant)");
    List<String> missing = new ArrayList<>();
    for (String key : ConfigLoader.knownKeys()) {
      boolean gkeKey = key.equals("provider.gke") || key.startsWith("provider.gke.");
      // strategy: nodePool is a different way to run; docs/examples/rotator-nodepool.yaml sets those keys
      // (NodePoolConfigTest checks it).
      boolean poolKey = key.equals("strategy") || key.equals("nodePool") || key.startsWith("nodePool.");
      // Each Slack secret comes from a variable or a file, not both: the example sets the *Env keys and
      // names the *File ones in a comment (slackFileKeysShown checks that).
      boolean slackFileKey = key.startsWith("slack.") && key.endsWith("File");
      String[] parts = key.split("\\.");
      if (!gkeKey && !poolKey && !slackFileKey && !present(aws, parts, 0)) {
        missing.add("examples/rotator.yaml: " + key);
      }
      if ((gkeKey || key.equals("provider.type")) && !present(gke, parts, 0) && !present(gkeVariant, parts, 0)) {
        missing.add("examples/rotator-gke.yaml: " + key);
      }
    }
    assertEquals(List.of(), missing, "keys missing from the examples");
  }

  /** The GKE example with its commented-out batchPercentage in place of batchNodeCount. */
  private static String gkeVariant() {
    Matcher m = Pattern.compile("(?m)^( *)# (batchPercentage: \\S+)\n").matcher(gkeExample);
    assertTrue(m.find(), "the GKE example shows batchPercentage, commented out");
    String uncommented = gkeExample.substring(0, m.start()) + m.group(1) + m.group(2) + "\n" + gkeExample.substring(m.end());
    String variant = uncommented.replaceFirst("(?m)^ *batchNodeCount: .*\n", "");
    assertTrue(!variant.equals(uncommented), "the GKE example sets batchNodeCount");
    return variant;
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
            ProviderSettings.aws(
                AwsSettings.builder()
                    .region("eu-west-1")
                    .groupNames(List.of("workers-a", "workers-b"))
                    .groupTags(Map.of("kubernetes.io/cluster/prod", "owned", "rotator.dev/managed", "true"))
                    .suspendProcesses(List.of("AZRebalance", "ReplaceUnhealthy"))
                    .raiseMaxForSurge(true)
                    .quotaCode("L-1216C47A")
                    .maxAttempts(4)
                    .backoffInitial(Duration.ofMillis(500))
                    .backoffMax(Duration.ofSeconds(10))
                    .callTimeout(Duration.ofSeconds(20))
                    .cacheTtl(Duration.ofMinutes(5))
                    .endpoints(
                        new AwsSettings.Endpoints(
                            URI.create("https://autoscaling.eu-west-1.amazonaws.com"),
                            URI.create("https://ec2.eu-west-1.amazonaws.com"),
                            URI.create("https://servicequotas.eu-west-1.amazonaws.com")))
                    .build()),
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
                0,
                List.of(MaintenanceWindow.of(List.of("mon", "tue", "wed", "thu"), "22:00", "04:00", "Europe/Berlin")),
                Duration.ofMinutes(10))
                .withUnhealthyPodEviction(
                    new RotationPolicy.UnhealthyPodEviction(
                        List.of("batch"),
                        dev.rotator.core.model.LabelSelector.of(Map.of("rotator.dev/allow-unhealthy-eviction", "true")),
                        Duration.ofMinutes(10))),
            exampleGates(),
            new AlertSettings(new AlertSettings.Log(true)),
            ServeSettings.defaults(),
            LoggingSettings.defaults(),
            NodePoolSettings.defaults(),
            exampleSlack());
    assertEquals(expected, ConfigLoader.parse(example, "examples/rotator.yaml"));
  }

  private static SlackSettings exampleSlack() {
    return new SlackSettings(
        true,
        Optional.of("https://slack.com/api/"),
        Duration.ofSeconds(10),
        Optional.of(SlackSettings.SecretRef.env("SLACK_BOT_TOKEN")),
        Optional.of(SlackSettings.SecretRef.env("SLACK_SIGNING_SECRET")),
        Optional.of(SlackSettings.SecretRef.env("SLACK_APP_TOKEN")),
        new SlackSettings.Alerts(
            true, "C0123ALERTS", true, Optional.of("S0123ONCALL"), "https://github.com/example/rotator/blob/main/",
            "prod-eu-west-1", 500, 5, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60)),
        new SlackSettings.Commands(
            true, SlackSettings.Mode.HTTP, "/rotator", List.of("T0123ACME"), List.of("C0123OPS"),
            new SlackSettings.Access(List.of("U0123ALICE", "U0123BOB"), List.of("S0123ONCALL")),
            new SlackSettings.Access(List.of("U0123ALICE"), List.of("S0123SRE")),
            Duration.ofMinutes(5)));
  }

  @Test
  @DisplayName("the example names every slack.*File key (each secret's alternative to the *Env key it sets)")
  void slackFileKeysShown() {
    for (String key : ConfigLoader.knownKeys()) {
      if (key.startsWith("slack.") && key.endsWith("File")) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        assertTrue(example.contains(leaf), "examples/rotator.yaml does not mention " + leaf);
      }
    }
  }

  @Test
  @DisplayName("the GKE example parses to its provider settings, the variant with batchPercentage too; the rest is the defaults")
  void gkeExampleParses() {
    GkeSettings settings =
        new GkeSettings(
            "my-project-123", "europe-west1", "prod", List.of("default-pool", "batch-pool"), "1.31.4-gke.1256000", 20,
            true, "container.googleapis.com:443", "https://compute.googleapis.com", false, Duration.ofSeconds(30),
            Duration.ofHours(6), Duration.ofSeconds(10), 4, Duration.ofMillis(500), Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    GkeNativeUpgrade.Spec spec =
        new GkeNativeUpgrade.Spec(
            GkeNativeUpgrade.Strategy.BLUE_GREEN, 1, 0, 2, 0f, Duration.ofMinutes(5), Duration.ofMinutes(30),
            GkeNativeUpgrade.OnStop.ROLLBACK, true, true);
    RotatorConfig c = ConfigLoader.parse(gkeExample, "examples/rotator-gke.yaml");
    assertEquals(ProviderSettings.gkeNative(settings, spec), c.provider());
    RotatorConfig d = ConfigLoader.defaults();
    assertEquals(List.of(d.cluster(), d.selector(), d.policy(), d.gates(), d.alerts()),
        List.of(c.cluster(), c.selector(), c.policy(), c.gates(), c.alerts()));

    GkeNativeUpgrade.Spec byFraction =
        new GkeNativeUpgrade.Spec(
            GkeNativeUpgrade.Strategy.BLUE_GREEN, 1, 0, 0, 0.25f, Duration.ofMinutes(5), Duration.ofMinutes(30),
            GkeNativeUpgrade.OnStop.ROLLBACK, true, true);
    assertEquals(
        ProviderSettings.gkeNative(settings, byFraction),
        ConfigLoader.parse(gkeVariant(), "variant").provider());
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
      if (key.startsWith("provider.aws.") || key.startsWith("provider.gke.")) {
        continue; // a provider's section is refused unless selected: see providerDefaultsAreReal
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

  /**
   * Each provider section written with its required keys only, and again with every other key at its
   * documented default, gives the same settings, and those are the provider module's own defaults (so the
   * loader, the doc and the provider agree). Likewise provider.gke.nativeUpgrade under strategy native.
   */
  @Test
  @DisplayName("provider sections: documented defaults are the real ones, and the providers' own defaults")
  void providerDefaultsAreReal() {
    ObjectNode aws = providerTree("aws", "provider.aws.", Map.of("provider.aws.groupNames", "[workers]"), true);
    ObjectNode awsMinimal = providerTree("aws", "provider.aws.", Map.of("provider.aws.groupNames", "[workers]"), false);
    ProviderSettings awsDefaults = ProviderSettings.aws(AwsSettings.builder().groupNames(List.of("workers")).build());
    assertEquals(awsDefaults, ConfigLoader.fromTree(awsMinimal, "minimal").provider());
    assertEquals(awsDefaults, ConfigLoader.fromTree(aws, "documented defaults").provider());

    Map<String, String> gkeRequired =
        Map.of("provider.gke.project", "p-123456", "provider.gke.location", "europe-west1-b", "provider.gke.cluster", "c");
    ObjectNode gke = providerTree("gke", "provider.gke.", gkeRequired, true);
    ObjectNode gkeMinimal = providerTree("gke", "provider.gke.", gkeRequired, false);
    ProviderSettings gkeDefaults = ProviderSettings.gke(GkeSettings.defaults("p-123456", "europe-west1-b", "c"));
    assertEquals(gkeDefaults, ConfigLoader.fromTree(gkeMinimal, "minimal").provider());
    // Every documented default but those of nativeUpgrade, which is refused under the default strategy.
    for (String k : List.copyOf(documentedDefaults.keySet())) {
      if (k.startsWith("provider.gke.nativeUpgrade")) {
        remove(gke, k);
      }
    }
    assertEquals(gkeDefaults, ConfigLoader.fromTree(gke, "documented defaults").provider());

    // strategy native: an absent nativeUpgrade section is its documented defaults.
    ObjectNode nativeMinimal = providerTree("gke", "provider.gke.", gkeRequired, false);
    put(nativeMinimal, "provider.gke.strategy", JsonNodeFactory.instance.textNode("native"));
    ObjectNode nativeDocumented = nativeMinimal.deepCopy();
    for (String key : Schema.leafPaths()) {
      if (key.startsWith("provider.gke.nativeUpgrade.") && !documentedDefaults.get(key).equals("unset")) {
        put(nativeDocumented, key, defaultValue(key));
      }
    }
    ProviderSettings nativeDefaults = ConfigLoader.fromTree(nativeMinimal, "minimal").provider();
    assertEquals(nativeDefaults, ConfigLoader.fromTree(nativeDocumented, "documented defaults").provider());
    assertEquals(
        new GkeNativeUpgrade.Spec(
            GkeNativeUpgrade.Strategy.SURGE, 1, 0, 1, 0f, Duration.ZERO, Duration.ofHours(1),
            GkeNativeUpgrade.OnStop.CANCEL, false, true),
        nativeDefaults.gkeNativeUpgrade().orElseThrow());
  }

  /**
   * {@code provider: {type: TYPE, TYPE: {...}}} with the required values and, when {@code withDefaults},
   * every other leaf under {@code prefix} at its documented default ("required" cells must be in
   * {@code required}).
   */
  private static ObjectNode providerTree(String type, String prefix, Map<String, String> required, boolean withDefaults) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    put(root, "provider.type", JsonNodeFactory.instance.textNode(type));
    for (String key : Schema.leafPaths()) {
      if (!key.startsWith(prefix)) {
        continue;
      }
      String cell = documentedDefaults.get(key);
      assertTrue(cell != null, () -> key + " is not documented");
      if (required.containsKey(key)) {
        put(root, key, ConfigLoader.readYaml("v: " + required.get(key) + "\n", "sample").get("v"));
      } else {
        assertTrue(!cell.equals("required"), () -> "no sample value for the required key " + key);
        if (withDefaults && !cell.equals("unset")) {
          put(root, key, defaultValue(key));
        }
      }
    }
    return root;
  }

  private static JsonNode defaultValue(String key) {
    String cell = documentedDefaults.get(key);
    Matcher m = Pattern.compile("^`([^`]*)`$").matcher(cell);
    assertTrue(m.matches(), () -> key + ": default column must be `value`, unset or required, is: " + cell);
    return ConfigLoader.readYaml("v: " + m.group(1) + "\n", "doc").get("v");
  }

  private static void remove(ObjectNode root, String path) {
    String[] parts = path.split("\\.");
    JsonNode o = root;
    for (int i = 0; i < parts.length - 1 && o != null; i++) {
      o = o.get(parts[i]);
    }
    if (o instanceof ObjectNode obj) {
      obj.remove(parts[parts.length - 1]);
    }
  }

  /** A valid value for each required key of a list element, to build elements around. */
  private static final Map<String, String> REQUIRED_SAMPLES =
      Map.of(
          "policy.maintenanceWindows[].days", "[mon]",
          "policy.maintenanceWindows[].start", "'22:00'",
          "policy.maintenanceWindows[].end", "'04:00'",
          "policy.maintenanceWindows[].timeZone", "UTC",
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
    assertMessage("provider:\n  type: aws\n  gke: {}\n");
    assertMessage("provider:\n  type: aws\n  aws:\n    groupNames: [a]\n    secretAccessKey: wJalrXUtnFEMI\n");
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
