package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.pool.PoolSwitchSpec;
import dev.rotator.provider.PoolChanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NodePoolConfigTest {

  private static Path example() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 6 && dir != null; i++, dir = dir.getParent()) {
      Path p = dir.resolve("docs/examples/rotator-nodepool.yaml");
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("docs/examples/rotator-nodepool.yaml not found");
  }

  @Test
  @DisplayName("docs/examples/rotator-nodepool.yaml parses to the switch it describes and sets every nodePool key")
  void exampleParses() throws Exception {
    RotatorConfig c = ConfigLoader.load(example());

    assertEquals(NodePoolSettings.Strategy.NODE_POOL, c.nodePool().strategy());
    assertEquals(
        new PoolSwitchSpec("workers-a", Optional.of("workers-b"),
            new PoolChanges(Optional.of("1.31.2-gke.1146000"), Optional.of("COS_CONTAINERD"), Optional.of("e2-standard-8"),
                Optional.of("7")),
            OptionalInt.of(6), true),
        c.nodePool().spec().orElseThrow());
    var tree = ConfigLoader.readYaml(example());
    for (String key : ConfigLoader.knownKeys()) {
      if (key.equals("strategy") || key.startsWith("nodePool")) {

        {
          com.fasterxml.jackson.databind.JsonNode n = tree;
          for (String part : key.split("\\.")) {
            n = n == null ? null : n.get(part);
          }
          assertTrue(n != null && !n.isNull(), "the example sets " + key);
        }
      }
    }
  }

  @Test
  @DisplayName("without strategy the default is node rotation, and a nodePool section alone is refused")
  void defaultsAndMixups() {
    assertEquals(NodePoolSettings.defaults(), ConfigLoader.parse("", "t").nodePool());
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("nodePool: {pool: a, changes: {version: v1.31.2}}\n", "t"));
    assertEquals("nodePool", e.keyPath());
    assertTrue(e.problem().contains("strategy is nodes"), e.problem());
  }

  @Test
  @DisplayName("a switch needs a pool and something to change, and a new name different from the old")
  void validation() {
    assertEquals("nodePool.pool", assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("strategy: nodePool\nnodePool: {changes: {version: v1}}\n", "t")).keyPath());
    assertEquals("nodePool.changes", assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("strategy: nodePool\nnodePool: {pool: a}\n", "t")).keyPath());
    assertEquals("nodePool.newPool", assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("strategy: nodePool\nnodePool: {pool: a, newPool: a, size: 3}\n", "t")).keyPath());
    var spec = ConfigLoader.parse("strategy: node-pool\nnodePool: {pool: web-a, size: 4}\n", "t").nodePool().spec().orElseThrow();
    assertEquals("web-b", spec.newPoolName());
    assertEquals(OptionalInt.of(4), spec.size());
  }
}
