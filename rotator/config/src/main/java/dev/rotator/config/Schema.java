package dev.rotator.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key rotator.yaml knows, as a tree: the one list the parser checks documents against (unknown
 * keys), reads from ({@link Section} refuses to read a key that is not declared here) and that the
 * documentation test walks. Adding a key means adding it here, reading it in {@link ConfigLoader} and
 * documenting it in docs/configuration.md; the build fails if any of the three is missing.
 */
final class Schema {

  /** A key: a leaf (scalar value) or a section (mapping with its own keys). */
  static final class Key {
    final String name;
    final Map<String, Key> children;

    private Key(String name, Map<String, Key> children) {
      this.name = name;
      this.children = children;
    }

    boolean isSection() {
      return children != null;
    }

    Key child(String key) {
      return children == null ? null : children.get(key);
    }

    List<String> childNames() {
      return children == null ? List.of() : List.copyOf(children.keySet());
    }
  }

  static Key leaf(String name) {
    return new Key(name, null);
  }

  static Key section(String name, Key... keys) {
    Map<String, Key> m = new LinkedHashMap<>();
    for (Key k : keys) {
      if (m.put(k.name, k) != null) {
        throw new IllegalStateException("key declared twice: " + name + "." + k.name);
      }
    }
    return new Key(name, m);
  }

  static final Key ROOT =
      section(
          "",
          leaf("apiVersion"),
          leaf("kind"),
          section(
              "cluster",
              leaf("kubeconfig"),
              leaf("context"),
              leaf("stateNamespace"),
              leaf("stateConfigMap")),
          section("provider", leaf("type")),
          section(
              "selector",
              leaf("kubeletVersionBelow"),
              section("label", leaf("key"), leaf("value")),
              section("annotation", leaf("key"), leaf("value")),
              leaf("maxAge"),
              leaf("provider")),
          section(
              "policy",
              leaf("order"),
              leaf("notReadyFirst"),
              leaf("maxUnavailable"),
              leaf("maxSurge"),
              leaf("drainTimeout"),
              section("evictionBackoff", leaf("initial"), leaf("max")),
              leaf("replacementTimeout"),
              leaf("pollInterval"),
              leaf("allowUnmanagedPods"),
              leaf("deleteEmptyDirData"),
              leaf("taintOutdated"),
              leaf("maxNodesPerRun")),
          section(
              "gates",
              leaf("consecutivePasses"),
              leaf("checkTimeout"),
              section(
                  "clusterState",
                  leaf("enabled"),
                  leaf("maxNotReadyNodes"),
                  leaf("maxUnschedulablePods"),
                  leaf("newNodeGrace"))),
          section("alerts", section("log", leaf("enabled"))));

  /** Every key path, sections and leaves, depth first in declaration order. */
  static List<String> allPaths() {
    List<String> out = new ArrayList<>();
    walk(ROOT, "", out);
    return List.copyOf(out);
  }

  /** Only the leaf key paths (those that take a value). */
  static List<String> leafPaths() {
    return allPaths().stream().filter(p -> !lookup(p).isSection()).toList();
  }

  static Key lookup(String path) {
    Key k = ROOT;
    for (String part : path.split("\\.")) {
      k = k.child(part);
      if (k == null) {
        throw new IllegalArgumentException("no such key: " + path);
      }
    }
    return k;
  }

  private static void walk(Key k, String prefix, List<String> out) {
    for (Key c : k.children.values()) {
      String path = prefix.isEmpty() ? c.name : prefix + "." + c.name;
      out.add(path);
      if (c.isSection()) {
        walk(c, path, out);
      }
    }
  }

  private Schema() {}
}
