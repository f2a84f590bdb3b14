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
 *
 * <p>Under {@code provider}, a key that is unknown and looks like a credential is refused with where
 * credentials come from instead (see {@link Key#credentialSource()}).
 */
final class Schema {

  /**
   * A key: a leaf (a scalar, a list of scalars, or a mapping of strings read as one value such as {@code
   * provider.aws.groupTags}), a section (a mapping with its own keys) or a list of
   * sections (a list whose elements are mappings with the same keys, e.g. {@code gates.http}).
   */
  static final class Key {
    final String name;
    final Map<String, Key> children;
    final boolean list;
    /**
     * Where credentials come from, for a section where a key that looks like a credential is refused
     * with that explanation rather than "unknown key"; null elsewhere. Set once, while ROOT is built.
     */
    private String credentialSource;

    private Key(String name, Map<String, Key> children, boolean list) {
      this.name = name;
      this.children = children;
      this.list = list;
    }

    boolean isSection() {
      return children != null && !list;
    }

    /** A list of mappings; {@link #children} are the keys of each element. */
    boolean isList() {
      return list;
    }

    Key child(String key) {
      return children == null ? null : children.get(key);
    }

    List<String> childNames() {
      return children == null ? List.of() : List.copyOf(children.keySet());
    }

    /** See {@link #credentialSource}; null when credential-like keys are merely unknown here. */
    String credentialSource() {
      return credentialSource;
    }
  }

  /**
   * Marks {@code k} and every section below it as a place where credential-like keys get {@code source}
   * as their error ("credentials come from ..."); sections already marked keep their own text.
   */
  private static Key credentialsFrom(String source, Key k) {
    if (k.children != null) {
      if (k.credentialSource == null) {
        k.credentialSource = source;
      }
      for (Key c : k.children.values()) {
        credentialsFrom(source, c);
      }
    }
    return k;
  }

  private static final String AWS_CHAIN =
      "IRSA or EKS Pod Identity in the cluster, otherwise the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)"
          + " or ~/.aws";
  private static final String GOOGLE_CHAIN =
      "Workload Identity in the cluster, otherwise Application Default Credentials"
          + " (GOOGLE_APPLICATION_CREDENTIALS or gcloud auth application-default login)";

  static Key leaf(String name) {
    return new Key(name, null, false);
  }

  static Key section(String name, Key... keys) {
    return new Key(name, children(name, keys), false);
  }

  /** A list of mappings, each with these keys. */
  static Key list(String name, Key... keys) {
    return new Key(name, children(name, keys), true);
  }

  private static Map<String, Key> children(String name, Key... keys) {
    Map<String, Key> m = new LinkedHashMap<>();
    for (Key k : keys) {
      if (m.put(k.name, k) != null) {
        throw new IllegalStateException("key declared twice: " + name + "." + k.name);
      }
    }
    return m;
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
          credentialsFrom(
              "each SDK's default chain (AWS: " + AWS_CHAIN + "; GKE: " + GOOGLE_CHAIN + ")",
              section(
                  "provider",
                  leaf("type"),
                  credentialsFrom(
                      "the AWS SDK's default chain: " + AWS_CHAIN,
                      section(
                          "aws",
                          leaf("region"),
                          leaf("groupNames"),
                          leaf("groupTags"),
                          leaf("suspendProcesses"),
                          leaf("raiseMaxForSurge"),
                          leaf("quotaCode"),
                          leaf("maxAttempts"),
                          leaf("backoffInitial"),
                          leaf("backoffMax"),
                          leaf("callTimeout"),
                          leaf("cacheTtl"),
                          section("endpoints", leaf("autoScaling"), leaf("ec2"), leaf("serviceQuotas")))),
                  credentialsFrom(
                      "Google's default chain: " + GOOGLE_CHAIN,
                      section(
                          "gke",
                          leaf("project"),
                          leaf("location"),
                          leaf("cluster"),
                          leaf("nodePools"),
                          leaf("targetVersion"),
                          leaf("maxPoolSize"),
                          leaf("checkQuota"),
                          leaf("containerEndpoint"),
                          leaf("computeEndpoint"),
                          leaf("plaintext"),
                          leaf("callTimeout"),
                          leaf("operationTimeout"),
                          leaf("pollInterval"),
                          section("retry", leaf("attempts"), leaf("initialBackoff"), leaf("maxBackoff")),
                          leaf("cacheTtl"),
                          leaf("strategy"),
                          section(
                              "nativeUpgrade",
                              leaf("strategy"),
                              leaf("maxSurge"),
                              leaf("maxUnavailable"),
                              leaf("batchNodeCount"),
                              leaf("batchPercentage"),
                              leaf("batchSoak"),
                              leaf("nodePoolSoak"),
                              leaf("onStop"),
                              leaf("completeAfterSoak"),
                              leaf("rollbackRespectsPdb")))))),
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
              leaf("maxNodesPerRun"),
              list("maintenanceWindows", leaf("days"), leaf("start"), leaf("end"), leaf("timeZone")),
              leaf("soak"),
              section(
                  "speed",
                  leaf("maxUnavailablePerZone"),
                  leaf("surgeBeforeDrain"),
                  leaf("drainabilityOrder"),
                  leaf("evictionParallelism"),
                  leaf("pdbAwareEvictions"),
                  section("adaptive", leaf("enabled"), leaf("maxUnschedulablePods"), leaf("maxApiLatency"))),
              section("unhealthyPodEviction", leaf("namespaces"), leaf("selector"), leaf("after"))),
          section(
              "gates",
              leaf("consecutivePasses"),
              leaf("checkTimeout"),
              leaf("unknownGrace"),
              section(
                  "clusterState",
                  leaf("enabled"),
                  leaf("maxNotReadyNodes"),
                  leaf("maxUnschedulablePods"),
                  leaf("newNodeGrace")),
              section(
                  "apiserver",
                  leaf("enabled"),
                  leaf("probes"),
                  leaf("probeTimeout"),
                  leaf("windowSize"),
                  leaf("minSamples"),
                  leaf("maxSampleAge"),
                  leaf("p50Threshold"),
                  leaf("p99Threshold"),
                  leaf("maxErrorPercent"),
                  section(
                      "metrics",
                      leaf("enabled"),
                      leaf("p99Threshold"),
                      leaf("excludeVerbs"),
                      leaf("minRequests"))),
              section("versionSkew", leaf("enabled"), leaf("maxMinorSkew"), leaf("targetVersion")),
              section("quota", leaf("enabled"), leaf("minHeadroom"), leaf("groups"), leaf("timeout")),
              section(
                  "etcd",
                  leaf("enabled"),
                  leaf("endpoints"),
                  leaf("timeout"),
                  leaf("caFile"),
                  leaf("certFile"),
                  leaf("keyFile")),
              section("etcdViaApiServer", leaf("enabled"), leaf("timeout")),
              section(
                  "prometheus",
                  leaf("enabled"),
                  leaf("url"),
                  leaf("alertMatchers"),
                  list(
                      "rules",
                      leaf("name"),
                      leaf("expr"),
                      leaf("op"),
                      leaf("threshold"),
                      leaf("emptyIs")),
                  leaf("timeout")),
              list(
                  "http",
                  leaf("name"),
                  leaf("url"),
                  leaf("expectStatus"),
                  leaf("bodyContains"),
                  leaf("bodyRegex"),
                  leaf("timeout"))),
          section("alerts", section("log", leaf("enabled"))),
          section("serve", leaf("interval"), leaf("listen")),
          section("lock", leaf("maxClockSkew")),
          section("logging", leaf("format")),
          credentialsFrom(
              "environment variables or files named by botTokenEnv/botTokenFile, signingSecretEnv/signingSecretFile"
                  + " and appTokenEnv/appTokenFile (see docs/slack.md)",
              section(
                  "slack",
                  leaf("enabled"),
                  leaf("apiUrl"),
                  leaf("callTimeout"),
                  leaf("botTokenEnv"),
                  leaf("botTokenFile"),
                  leaf("signingSecretEnv"),
                  leaf("signingSecretFile"),
                  leaf("appTokenEnv"),
                  leaf("appTokenFile"),
                  section(
                      "alerts",
                      leaf("enabled"),
                      leaf("channel"),
                      leaf("nodeUpdates"),
                      leaf("mentionGroup"),
                      leaf("runbookBaseUrl"),
                      leaf("clusterName"),
                      leaf("queueCapacity"),
                      leaf("maxAttempts"),
                      leaf("initialBackoff"),
                      leaf("maxBackoff"),
                      leaf("maxRetryAfter")),
                  section(
                      "commands",
                      leaf("enabled"),
                      leaf("mode"),
                      leaf("command"),
                      leaf("teams"),
                      leaf("channels"),
                      section("freeze", leaf("users"), leaf("groups")),
                      section("resume", leaf("users"), leaf("groups")),
                      leaf("groupCacheTtl")))),
          leaf("strategy"),
          section(
              "nodePool",
              leaf("pool"),
              leaf("newPool"),
              section("changes", leaf("version"), leaf("image"), leaf("machineType"), leaf("launchTemplateVersion")),
              leaf("size"),
              leaf("rollbackOnFreeze")));

  /**
   * Every key path, sections and leaves, depth first in declaration order. The keys of a list's elements
   * are written with {@code []}: {@code gates.http[].url}.
   */
  static List<String> allPaths() {
    List<String> out = new ArrayList<>();
    walk(ROOT, "", out);
    return List.copyOf(out);
  }

  /** The key paths that take a value: leaves and lists (not sections). */
  static List<String> leafPaths() {
    return allPaths().stream().filter(p -> !lookup(p).isSection()).toList();
  }

  /** The key at a path of {@link #allPaths()}; {@code []} after a part steps into a list's elements. */
  static Key lookup(String path) {
    Key k = ROOT;
    for (String part : path.split("\\.")) {
      boolean element = part.endsWith("[]");
      k = k.child(element ? part.substring(0, part.length() - 2) : part);
      if (k == null || (element && !k.isList())) {
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
      } else if (c.isList()) {
        walk(c, path + "[]", out);
      }
    }
  }

  private Schema() {}
}
