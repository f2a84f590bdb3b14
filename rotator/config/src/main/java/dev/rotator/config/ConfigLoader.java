package dev.rotator.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.config.GateSettings.ClusterStateSettings;
import dev.rotator.config.SelectorSettings.Match;
import dev.rotator.core.engine.RotationPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads rotator.yaml into a {@link RotatorConfig}, strictly: every key must be known, every value has
 * the expected type and range, and the first problem found is a {@link ConfigException} whose message
 * starts with its key path ({@code policy.maxUnavailable: expected an integer >= 0, got -1}). Nothing
 * here touches a cluster, so a bad file is refused before any API call.
 *
 * <p>The keys, their types, defaults and bounds are documented in docs/configuration.md; a test fails
 * when a key of {@link #knownKeys()} is missing there. An empty file is the defaults.
 */
public final class ConfigLoader {

  /** The only {@code apiVersion} accepted (the key itself is optional). */
  public static final String API_VERSION = "rotator.dev/v1alpha1";

  /** The only {@code kind} accepted (the key itself is optional). */
  public static final String KIND = "RotatorConfig";

  /** Files larger than this are refused. */
  public static final int MAX_BYTES = SafeYaml.MAX_BYTES;

  // Bounds: generous for real clusters, tight enough that a typo (an extra zero, a unit mix-up) fails.
  static final int MAX_NODES = 10_000;
  static final int MAX_NODES_PER_RUN = 100_000;
  static final int MAX_PODS = 1_000_000;
  static final int MAX_CONSECUTIVE_PASSES = 100;
  static final Duration MS = Duration.ofMillis(1);
  static final Duration MIN_POLL = Duration.ofMillis(100);
  static final Duration MIN_MAX_AGE = Duration.ofHours(1);
  static final Duration MAX_MAX_AGE = Duration.ofDays(730);
  static final Duration MAX_DRAIN_TIMEOUT = Duration.ofDays(7);
  static final Duration MAX_REPLACEMENT_TIMEOUT = Duration.ofDays(1);
  static final Duration MAX_BACKOFF = Duration.ofHours(1);
  static final Duration MAX_POLL = Duration.ofMinutes(10);
  static final Duration MAX_CHECK_TIMEOUT = Duration.ofMinutes(10);
  static final Duration MAX_NEW_NODE_GRACE = Duration.ofDays(1);

  private ConfigLoader() {}

  /** Reads and validates a file (at most 1 MiB of UTF-8). */
  public static RotatorConfig load(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    try {
      return build(SafeYaml.read(SafeYaml.readFile(file)));
    } catch (ConfigException e) {
      throw e.withSource(source);
    }
  }

  /**
   * Parses and validates YAML text.
   *
   * @param source where it came from, for {@link ConfigException#source()} (a file name)
   */
  public static RotatorConfig parse(String yaml, String source) {
    Objects.requireNonNull(yaml, "yaml");
    try {
      return build(SafeYaml.read(yaml));
    } catch (ConfigException e) {
      throw e.withSource(source);
    }
  }

  /**
   * Validates an already parsed tree, e.g. the {@code rotator:} subtree of a simulator scenario. Key
   * paths in errors are relative to {@code tree}. A missing or null tree is the defaults.
   */
  public static RotatorConfig fromTree(JsonNode tree, String source) {
    try {
      return build(tree);
    } catch (ConfigException e) {
      throw e.withSource(source);
    }
  }

  /**
   * Same as {@link #fromTree(JsonNode, String)}, with {@code pathPrefix} put in front of every key path
   * in errors, so that a scenario file's error reads {@code rotator.policy.maxSurge: ...}.
   */
  public static RotatorConfig fromTree(JsonNode tree, String source, String pathPrefix) {
    try {
      return fromTree(tree, source);
    } catch (ConfigException e) {
      if (pathPrefix == null || pathPrefix.isEmpty()) {
        throw e;
      }
      String path = e.keyPath().equals(ConfigException.ROOT) ? pathPrefix : pathPrefix + "." + e.keyPath();
      ConfigException prefixed = new ConfigException(path, e.problem(), e.source());
      prefixed.setStackTrace(e.getStackTrace());
      throw prefixed;
    }
  }

  /** The configuration of an empty file. */
  public static RotatorConfig defaults() {
    return build(null);
  }

  /**
   * Parses YAML with the same protections as rotator.yaml (size limit, no aliases or tags, no duplicate
   * keys, one document) without interpreting it: for other files people write, such as simulator
   * scenarios. Errors name the key path where they happened. An empty document is a MissingNode.
   */
  public static JsonNode readYaml(String yaml, String source) {
    try {
      return SafeYaml.read(Objects.requireNonNull(yaml, "yaml"));
    } catch (ConfigException e) {
      throw e.withSource(source);
    }
  }

  /** Same as {@link #readYaml(String, String)} for a file. */
  public static JsonNode readYaml(Path file) {
    try {
      return SafeYaml.read(SafeYaml.readFile(file));
    } catch (ConfigException e) {
      throw e.withSource(file.toString());
    }
  }

  /** Every key path the loader knows (sections and leaves), e.g. {@code policy.evictionBackoff.max}. */
  public static List<String> knownKeys() {
    return Schema.allPaths();
  }

  private static RotatorConfig build(JsonNode tree) {
    if (tree != null && !tree.isMissingNode() && !tree.isNull() && !tree.isObject()) {
      throw new ConfigException(
          ConfigException.ROOT,
          "expected a mapping with keys " + String.join(", ", Schema.ROOT.childNames()) + "; got " + Section.describe(tree));
    }
    Section root = Section.of(tree, "", Schema.ROOT);
    root.string("apiVersion", exactly(API_VERSION));
    root.string("kind", exactly(KIND));
    RotatorConfig config =
        new RotatorConfig(
            cluster(root.section("cluster")),
            provider(root.section("provider")),
            selector(root, root.section("selector")),
            policy(root.section("policy")),
            gates(root.section("gates")),
            alerts(root.section("alerts")));
    root.finish();
    return config;
  }

  private static java.util.function.Function<String, String> exactly(String wanted) {
    return s -> s.equals(wanted) ? null : "expected '" + wanted + "', got '" + Section.printable(s) + "'";
  }

  private static ClusterSettings cluster(Section s) {
    ClusterSettings c =
        new ClusterSettings(
            s.string("kubeconfig", v -> Names.text(v, 4096)),
            s.string("context", v -> Names.text(v, 1024)),
            s.string("stateNamespace", Names::dnsLabel).orElse(ClusterSettings.DEFAULT_STATE_NAMESPACE),
            s.string("stateConfigMap", Names::dnsSubdomain).orElse(ClusterSettings.DEFAULT_STATE_CONFIGMAP));
    s.finish();
    return c;
  }

  private static ProviderSettings provider(Section s) {
    ProviderSettings.Type type = ProviderSettings.Type.FAKE;
    Optional<String> text = s.string("type", v -> null);
    if (text.isPresent()) {
      type = Section.matchEnum(text.get(), ProviderSettings.Type.class);
      List<String> known = new ArrayList<>();
      for (ProviderSettings.Type t : ProviderSettings.Type.values()) {
        known.add(Section.kebab(t));
      }
      if (type == null) {
        String suggestion =
            Suggest.closest(text.get(), known).map(k -> " (did you mean '" + k + "'?)").orElse("");
        throw new ConfigException(
            s.keyPath("type"),
            "unknown provider '" + Section.printable(text.get()) + "'" + suggestion + "; known providers: "
                + String.join(", ", known));
      }
      if (!type.available()) {
        throw new ConfigException(
            s.keyPath("type"),
            "'" + Section.kebab(type) + "' is not available in this build yet (providers come in a later release);"
                + " available: fake");
      }
    }
    s.finish();
    return new ProviderSettings(type);
  }

  private static SelectorSettings selector(Section root, Section s) {
    if (!root.isPresent("selector")) {
      // No section at all: the documented default. An explicit but empty section is a mistake below.
      return SelectorSettings.defaults();
    }
    Optional<String> kubelet = s.string("kubeletVersionBelow", Names::kubeVersion);
    Optional<Match> label = match(s, "label", Names::labelValue);
    Optional<Match> annotation = match(s, "annotation", Names::annotationValue);
    Optional<Duration> maxAge = Optional.ofNullable(s.duration("maxAge", MIN_MAX_AGE, MAX_MAX_AGE, null));
    boolean provider = s.bool("provider", false);
    s.finish();
    if (kubelet.isEmpty() && label.isEmpty() && annotation.isEmpty() && maxAge.isEmpty() && !provider) {
      throw new ConfigException(
          s.path(),
          "no criterion set, so no node would ever be outdated; set at least one of kubeletVersionBelow, label,"
              + " annotation, maxAge, provider: true (or remove the section to use the default, provider: true)");
    }
    return new SelectorSettings(kubelet, label, annotation, maxAge, provider);
  }

  private static Optional<Match> match(
      Section parent, String key, java.util.function.Function<String, String> valueCheck) {
    if (!parent.isSet(key)) {
      parent.raw(key);
      return Optional.empty();
    }
    Section m = parent.section(key);
    Optional<String> k = m.string("key", Names::qualifiedName);
    Optional<String> v = m.string("value", valueCheck);
    m.finish();
    if (k.isEmpty()) {
      throw new ConfigException(m.keyPath("key"), "required: the " + key + " key to compare");
    }
    if (v.isEmpty()) {
      throw new ConfigException(
          m.keyPath("value"), "required: the value an up-to-date node has (\"\" for an empty value)");
    }
    return Optional.of(new Match(k.get(), v.get()));
  }

  private static RotationPolicy policy(Section s) {
    RotationPolicy d = RotationPolicy.defaults();
    RotationPolicy.Order order = s.enumValue("order", RotationPolicy.Order.class, d.order());
    boolean notReadyFirst = s.bool("notReadyFirst", d.notReadyFirst());
    int maxUnavailable = s.integer("maxUnavailable", 0, MAX_NODES, d.maxUnavailable());
    int maxSurge = s.integer("maxSurge", 0, MAX_NODES, d.maxSurge());
    Duration drainTimeout = s.duration("drainTimeout", MS, MAX_DRAIN_TIMEOUT, d.drainTimeout());
    Section backoff = s.section("evictionBackoff");
    Duration initial = backoff.duration("initial", MS, MAX_BACKOFF, d.evictionBackoffInitial());
    Duration max = backoff.duration("max", MS, MAX_BACKOFF, d.evictionBackoffMax());
    backoff.finish();
    if (max.compareTo(initial) < 0) {
      throw new ConfigException(
          backoff.path(),
          "max (" + Durations.format(max) + ") must be at least initial (" + Durations.format(initial) + ")");
    }
    Duration replacementTimeout =
        s.duration("replacementTimeout", MS, MAX_REPLACEMENT_TIMEOUT, d.replacementTimeout());
    Duration pollInterval = s.duration("pollInterval", MIN_POLL, MAX_POLL, d.pollInterval());
    boolean allowUnmanaged = s.bool("allowUnmanagedPods", d.allowUnmanagedPods());
    boolean deleteEmptyDir = s.bool("deleteEmptyDirData", d.allowEmptyDirData());
    boolean taintOutdated = s.bool("taintOutdated", d.taintOutdated());
    int maxNodesPerRun = s.integer("maxNodesPerRun", 0, MAX_NODES_PER_RUN, d.maxNodesPerRun());
    s.finish();
    try {
      return new RotationPolicy(
          order,
          notReadyFirst,
          maxUnavailable,
          maxSurge,
          drainTimeout,
          initial,
          max,
          replacementTimeout,
          pollInterval,
          allowUnmanaged,
          deleteEmptyDir,
          taintOutdated,
          maxNodesPerRun);
    } catch (IllegalArgumentException e) {
      // The policy's own rules (e.g. maxUnavailable and maxSurge both 0) span several keys.
      throw new ConfigException("policy", Section.sentence(String.valueOf(e.getMessage())));
    }
  }

  private static GateSettings gates(Section s) {
    int passes =
        s.integer("consecutivePasses", 1, MAX_CONSECUTIVE_PASSES, GateSettings.DEFAULT_CONSECUTIVE_PASSES);
    Duration checkTimeout =
        s.duration("checkTimeout", MIN_POLL, MAX_CHECK_TIMEOUT, GateSettings.DEFAULT_CHECK_TIMEOUT);
    Section cs = s.section("clusterState");
    ClusterStateSettings d = ClusterStateSettings.defaults();
    ClusterStateSettings clusterState =
        new ClusterStateSettings(
            cs.bool("enabled", d.enabled()),
            cs.integer("maxNotReadyNodes", 0, MAX_NODES, d.maxNotReadyNodes()),
            cs.integer("maxUnschedulablePods", 0, MAX_PODS, d.maxUnschedulablePods()),
            cs.duration("newNodeGrace", Duration.ZERO, MAX_NEW_NODE_GRACE, d.newNodeGrace()));
    cs.finish();
    s.finish();
    return new GateSettings(passes, checkTimeout, clusterState);
  }

  private static AlertSettings alerts(Section s) {
    Section log = s.section("log");
    AlertSettings a = new AlertSettings(new AlertSettings.Log(log.bool("enabled", true)));
    log.finish();
    s.finish();
    return a;
  }
}
