package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotator.core.engine.RotationPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

  @Test
  @DisplayName("defaults: fake provider, provider selector, the policy's own defaults, cluster-state gate on")
  void defaults() {
    RotatorConfig d = ConfigLoader.defaults();
    assertEquals(ClusterSettings.defaults(), d.cluster());
    assertEquals("rotator-system", d.cluster().stateNamespace());
    assertEquals("rotator-state", d.cluster().stateConfigMap());
    assertEquals(Optional.empty(), d.cluster().kubeconfig());
    assertEquals(ProviderSettings.fake(), d.provider());
    assertEquals(SelectorSettings.defaults(), d.selector());
    assertTrue(d.selector().provider());
    assertEquals(RotationPolicy.defaults(), d.policy());
    assertEquals(2, d.gates().consecutivePasses());
    assertEquals(Duration.ofSeconds(10), d.gates().checkTimeout());
    assertEquals(new GateSettings.ClusterStateSettings(true, 0, 0, Duration.ofMinutes(5)), d.gates().clusterState());
    assertTrue(d.alerts().log().enabled());
    assertEquals(d, RotatorConfig.defaults());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"", "\n\n", "# only a comment\n", "---\n", "\uFEFF", "policy:\ngates:\nalerts:\n", "cluster: ~\n"})
  @DisplayName("an empty document, or empty sections, are the defaults")
  void emptyIsDefaults(String yaml) {
    assertEquals(ConfigLoader.defaults(), ConfigLoader.parse(yaml, "t"));
  }

  @Test
  @DisplayName("a partial section changes only the keys it sets")
  void partial() {
    RotatorConfig c = ConfigLoader.parse("policy:\n  maxUnavailable: 3\n", "t");
    assertEquals(RotationPolicy.defaults().withMaxUnavailable(3), c.policy());
    assertEquals(ConfigLoader.defaults().gates(), c.gates());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"zone-round-robin", "ZONE_ROUND_ROBIN", "zoneRoundRobin", "Zone-Round-Robin"})
  @DisplayName("enums are case-insensitive and accept kebab-case, SNAKE_CASE and camelCase")
  void enumSpellings(String spelling) {
    RotatorConfig c = ConfigLoader.parse("policy:\n  order: " + spelling + "\n", "t");
    assertEquals(RotationPolicy.Order.ZONE_ROUND_ROBIN, c.policy().order());
  }

  @Test
  @DisplayName("durations with compound units, and bounds that allow 0s only where documented")
  void durations() {
    RotatorConfig c =
        ConfigLoader.parse(
            "policy:\n  drainTimeout: 1h30m\n  pollInterval: 500ms\n  evictionBackoff: {initial: 1s, max: 1s}\n"
                + "gates:\n  clusterState: {newNodeGrace: 0s}\nselector:\n  maxAge: 2d\n",
            "t");
    assertEquals(Duration.ofMinutes(90), c.policy().drainTimeout());
    assertEquals(Duration.ofMillis(500), c.policy().pollInterval());
    assertEquals(Duration.ofSeconds(1), c.policy().evictionBackoffMax());
    assertEquals(Duration.ZERO, c.gates().clusterState().newNodeGrace());
    assertEquals(Optional.of(Duration.ofDays(2)), c.selector().maxAge());
  }

  @Test
  @DisplayName("deleteEmptyDirData maps to the policy's allowEmptyDirData; booleans read as written")
  void podRules() {
    RotatorConfig c =
        ConfigLoader.parse("policy:\n  deleteEmptyDirData: true\n  allowUnmanagedPods: true\n  taintOutdated: false\n", "t");
    assertTrue(c.policy().allowEmptyDirData());
    assertTrue(c.policy().allowUnmanagedPods());
    assertFalse(c.policy().taintOutdated());
  }

  @Test
  @DisplayName("an explicit !!str tag makes a string; apiVersion and kind are accepted when exact")
  void strTagAndIdentity() {
    RotatorConfig c =
        ConfigLoader.parse(
            "apiVersion: rotator.dev/v1alpha1\nkind: RotatorConfig\ncluster:\n  context: !!str 5\n", "t");
    assertEquals(Optional.of("5"), c.cluster().context());
  }

  @Test
  @DisplayName("maxUnavailable 0 is fine when maxSurge is above 0 (surge-only rotation)")
  void surgeOnly() {
    RotatorConfig c = ConfigLoader.parse("policy:\n  maxUnavailable: 0\n  maxSurge: 2\n", "t");
    assertEquals(0, c.policy().maxUnavailable());
    assertEquals(2, c.policy().maxSurge());
  }

  @Test
  @DisplayName("load reads a file and attributes errors to it")
  void loadFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("rotator.yaml");
    Files.writeString(f, "policy:\n  maxSurge: 4\n");
    assertEquals(4, ConfigLoader.load(f).policy().maxSurge());

    Files.writeString(f, "policy:\n  maxSurge: -4\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f));
    assertEquals(f.toString(), e.source());
    assertEquals("policy.maxSurge: expected an integer >= 0, got -4", e.getMessage());
  }

  @Test
  @DisplayName("a missing file, a 2 MiB file and a file that is not UTF-8 are refused at (root)")
  void fileProblems(@TempDir Path dir) throws IOException {
    ConfigException missing =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
    assertTrue(missing.getMessage().startsWith("(root): file not found: "), missing.getMessage());

    Path big = dir.resolve("big.yaml");
    Files.write(big, ("# " + "x".repeat(2 << 20) + "\n").getBytes(StandardCharsets.UTF_8));
    ConfigException tooBig = assertThrows(ConfigException.class, () -> ConfigLoader.load(big));
    assertTrue(tooBig.getMessage().startsWith("(root): the document is larger than 1048576 bytes"), tooBig.getMessage());

    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, new byte[] {'c', 'l', 'u', 's', 't', 'e', 'r', ':', ' ', (byte) 0xe9, '\n'});
    ConfigException notUtf8 = assertThrows(ConfigException.class, () -> ConfigLoader.load(latin1));
    assertEquals("(root): the file is not valid UTF-8", notUtf8.getMessage());
  }

  @Test
  @DisplayName("a file of exactly 1 MiB is still accepted")
  void limitIsInclusive(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("edge.yaml");
    byte[] body = ("# " + "x".repeat(ConfigLoader.MAX_BYTES - 3) + "\n").getBytes(StandardCharsets.UTF_8);
    assertEquals(ConfigLoader.MAX_BYTES, body.length);
    Files.write(f, body);
    assertEquals(ConfigLoader.defaults(), ConfigLoader.load(f));
  }

  @Test
  @DisplayName("fromTree validates a tree parsed elsewhere (a scenario's rotator: subtree, even from JSON)")
  void fromTree() throws IOException {
    JsonNode scenario =
        new ObjectMapper()
            .readTree("{\"nodes\": 3, \"rotator\": {\"policy\": {\"maxUnavailable\": 2}, \"selector\": {\"kubeletVersionBelow\": \"v1.31.0\"}}}");
    RotatorConfig c = ConfigLoader.fromTree(scenario.get("rotator"), "plain.yaml#rotator");
    assertEquals(2, c.policy().maxUnavailable());
    assertEquals(Optional.of("v1.31.0"), c.selector().kubeletVersionBelow());
    assertEquals(ConfigLoader.defaults(), ConfigLoader.fromTree(null, "none"));

    JsonNode bad = new ObjectMapper().readTree("{\"policy\": {\"maxUnavailable\": 1.0}}");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree(bad, "plain.yaml#rotator"));
    assertTrue(e.getMessage().startsWith("policy.maxUnavailable: expected an integer"), e.getMessage());
    assertEquals("plain.yaml#rotator", e.source());
  }

  @Test
  @DisplayName("fromTree with a prefix names the key as it appears in the enclosing file")
  void fromTreePrefixed() throws IOException {
    JsonNode bad = new ObjectMapper().readTree("{\"policy\": {\"maxSurge\": -1}}");
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.fromTree(bad, "tight.yaml", "rotator"));
    assertEquals("rotator.policy.maxSurge: expected an integer >= 0, got -1", e.getMessage());
    assertEquals("tight.yaml", e.source());
    JsonNode list = new ObjectMapper().readTree("[1]");
    assertEquals(
        "rotator",
        assertThrows(ConfigException.class, () -> ConfigLoader.fromTree(list, "s", "rotator")).keyPath());
  }

  @Test
  @DisplayName("command-line overrides of kubeconfig and context replace only what they set")
  void clusterOverrides() {
    ClusterSettings c = ConfigLoader.parse("cluster:\n  context: prod\n", "t").cluster();
    assertEquals(Optional.of("prod"), c.withKubeconfig(null).context());
    assertEquals(Optional.of("/k"), c.withKubeconfig("/k").kubeconfig());
    assertEquals(Optional.of("staging"), c.withContext("staging").context());
    assertEquals(c, c.withContext(null));
  }

  @Test
  @DisplayName("readYaml gives other files (scenarios) the same protections, with paths in errors")
  void readYaml() {
    JsonNode tree = ConfigLoader.readYaml("nodes:\n  - name: a\n    zone: z1\n", "s.yaml");
    assertEquals("z1", tree.get("nodes").get(0).get("zone").asText());
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.readYaml("nodes:\n  - &x {name: a}\n  - *x\n", "s.yaml"));
    assertTrue(e.getMessage().startsWith("nodes[1]: YAML aliases"), e.getMessage());
  }

  @Test
  @DisplayName("the alias bomb is refused at once, without expanding anything")
  void aliasBombIsCheap() {
    long start = System.nanoTime();
    assertThrows(ConfigException.class, () -> ConfigLoader.parse(BadConfigTest.aliasBomb(), "bomb.yaml"));
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2_000);
  }

  @Test
  @DisplayName("knownKeys lists sections and leaves by full path, each once")
  void knownKeys() {
    var keys = ConfigLoader.knownKeys();
    assertTrue(keys.contains("policy.evictionBackoff.max"));
    assertTrue(keys.contains("gates.clusterState"));
    assertEquals(keys.size(), keys.stream().distinct().count());
  }
}
