package dev.rotator.config;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.http.HttpUrls;
import dev.rotator.health.prometheus.LabelMatchers;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import dev.rotator.health.prometheus.PrometheusApi;
import dev.rotator.provider.aws.AwsSettings;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import dev.rotator.provider.gke.GkeSettings;
import dev.rotator.provider.gke.GkeVersion;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads rotator.yaml into a {@link RotatorConfig}, strictly: every key must be known, every value has
 * the expected type and range, and the first problem found is a {@link ConfigException} whose message
 * starts with its key path ({@code policy.maxUnavailable: expected an integer >= 0, got -1}). Nothing
 * here touches a cluster, so a bad file is refused before any API call.
 *
 * <p>The keys, their types, defaults and bounds are documented in docs/configuration.md; a test fails
 * when a key of {@link #knownKeys()} is missing there. An empty file is the defaults.
 *
 * <p>{@code provider.aws} and {@code provider.gke} end in the providers' own settings classes ({@link
 * AwsSettings}, {@link GkeSettings}, {@link GkeNativeUpgrade.Spec}), whose defaults are used as they are;
 * the loader checks each key first so that errors name the key, and maps whatever the classes still
 * refuse to the key their message names. Credentials are never read: each SDK's default chain provides
 * them.
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
  static final int MAX_WINDOWS = 50;
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
  /** Longer than this, an unreadable gate is not a blip: freeze and let a human look. */
  static final Duration MAX_UNKNOWN_GRACE = Duration.ofMinutes(30);
  /** Clocks further apart than this are broken, not skewed: fix NTP rather than wait a day for a lock. */
  static final Duration MAX_CLOCK_SKEW = Duration.ofHours(1);
  static final Duration MAX_NEW_NODE_GRACE = Duration.ofDays(1);
  // Health checks: the limits of each check's own settings record, so that the documented range is the
  // one enforced, and the loader's message (with the key path) comes before the check's.
  static final int MAX_LIST = 100;
  static final int MAX_PROBES = 10;
  static final int MAX_WINDOW = 10_000;
  static final int MAX_MINOR_SKEW = 10;
  static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  static final Duration MAX_PROBE_TIMEOUT = Duration.ofSeconds(60);
  static final Duration MAX_SAMPLE_AGE = Duration.ofDays(1);
  static final Duration MAX_LATENCY_THRESHOLD = Duration.ofMinutes(10);
  static final Duration MAX_HTTP_TIMEOUT = HttpCheck.MAX_TIMEOUT;
  static final Duration MAX_QUOTA_TIMEOUT = Duration.ofSeconds(60);
  static final Duration MAX_ETCD_TIMEOUT = Duration.ofSeconds(30);

  // Cloud providers: the providers' own limits where they have them, otherwise bounds that only catch
  // typos (a unit mix-up, an extra zero).
  static final int MAX_GROUPS = 500;
  static final int MAX_TAGS = 50;
  static final int MAX_CLOUD_ATTEMPTS = 10;
  static final int MAX_GKE_BATCH = 1000;
  static final Duration MAX_CLOUD_BACKOFF = Duration.ofMinutes(5);
  static final Duration MAX_CALL_TIMEOUT = Duration.ofMinutes(10);
  static final Duration MAX_CACHE_TTL = Duration.ofDays(1);
  static final Duration MIN_OPERATION_TIMEOUT = Duration.ofSeconds(1);
  static final Duration MAX_OPERATION_TIMEOUT = Duration.ofDays(7);
  static final Duration MAX_SOAK = Duration.ofDays(7);
  /** GKE's own default pool soak of a blue-green upgrade. */
  static final Duration DEFAULT_NODE_POOL_SOAK = Duration.ofHours(1);

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
            alerts(root.section("alerts")),
            serve(root.section("serve")),
            logging(root.section("logging")),
            nodePool(root),
            SlackConfigReader.read(root.section("slack")),
            lock(root.section("lock")));
    root.finish();
    if (config.nodePool().poolSwitch()
        && config.provider().gkeStrategy() == ProviderSettings.GkeStrategy.NATIVE) {
      throw new ConfigException(
          "strategy",
          "nodePool and provider.gke.strategy native both say how to replace nodes; choose one (set"
              + " provider.gke.strategy: nodes, the default, with strategy: nodePool)");
    }
    return config;
  }

  /** Longest pool name: GKE's node pool name limit (40); AWS group names are longer but rarely so. */
  static final int MAX_POOL_NAME = 255;
  static final int MAX_POOL_SIZE = 1000;

  private static NodePoolSettings nodePool(Section root) {
    NodePoolSettings.Strategy strategy =
        root.enumValue("strategy", NodePoolSettings.Strategy.class, NodePoolSettings.Strategy.NODES);
    Section n = root.section("nodePool");
    if (strategy != NodePoolSettings.Strategy.NODE_POOL) {
      if (root.isPresent("nodePool")) {
        throw new ConfigException(
            root.keyPath("nodePool"),
            "set, but strategy is nodes" + (root.isSet("strategy") ? "" : " (the default)")
                + "; set strategy: nodePool to switch a whole node pool, or remove this section");
      }
      n.finish();
      return NodePoolSettings.defaults();
    }
    String pool = n.required("pool", v -> Names.text(v, MAX_POOL_NAME), "the name of the pool to replace (ASG or node pool)");
    Optional<String> newPool = n.string("newPool", v -> Names.text(v, MAX_POOL_NAME));
    Section c = n.section("changes");
    dev.rotator.provider.PoolChanges changes =
        new dev.rotator.provider.PoolChanges(
            c.string("version", v -> Names.text(v, 128)),
            c.string("image", v -> Names.text(v, 1024)),
            c.string("machineType", v -> Names.text(v, 128)),
            c.string("launchTemplateVersion", v -> Names.text(v, 128)));
    c.finish();
    boolean sizeSet = n.isSet("size");
    int sizeValue = n.integer("size", 1, MAX_POOL_SIZE, 1);
    java.util.OptionalInt size = sizeSet ? java.util.OptionalInt.of(sizeValue) : java.util.OptionalInt.empty();
    boolean rollbackOnFreeze = n.bool("rollbackOnFreeze", false);
    n.finish();
    if (newPool.isPresent() && newPool.get().equals(pool)) {
      throw new ConfigException(n.keyPath("newPool"), "must differ from pool (" + pool + ")");
    }
    if (changes.isEmpty() && size.isEmpty()) {
      throw new ConfigException(
          n.keyPath("changes"),
          "nothing to change: set at least one of version, image, machineType, launchTemplateVersion (or size)");
    }
    return new NodePoolSettings(
        strategy,
        Optional.of(new dev.rotator.core.pool.PoolSwitchSpec(pool, newPool, changes, size, rollbackOnFreeze)));
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
    ProviderSettings.Type type = providerType(s);
    String chosen = Section.kebab(type);
    for (ProviderSettings.Type other : List.of(ProviderSettings.Type.AWS, ProviderSettings.Type.GKE)) {
      String key = Section.kebab(other);
      if (other != type && s.isPresent(key)) {
        // Settings for a provider nobody uses are a mix-up (a copied file, a half-done migration), not
        // something to ignore silently.
        throw new ConfigException(
            s.keyPath(key),
            "set, but " + s.keyPath("type") + " is " + chosen + (s.isSet("type") ? "" : " (the default)")
                + "; set " + s.keyPath("type") + ": " + key + " to use it, or remove this section");
      }
    }
    ProviderSettings p =
        switch (type) {
          case FAKE -> ProviderSettings.fake();
          case SIM -> ProviderSettings.sim();
          case AWS -> ProviderSettings.aws(aws(s));
          case GKE -> gke(s);
        };
    s.finish();
    return p;
  }

  private static ProviderSettings.Type providerType(Section s) {
    Optional<String> text = s.string("type", v -> null);
    if (text.isEmpty()) {
      return ProviderSettings.Type.FAKE;
    }
    ProviderSettings.Type type = Section.matchEnum(text.get(), ProviderSettings.Type.class);
    if (type == null) {
      List<String> known = new ArrayList<>();
      for (ProviderSettings.Type t : ProviderSettings.Type.values()) {
        known.add(Section.kebab(t));
      }
      String suggestion = Suggest.closest(text.get(), known).map(k -> " (did you mean '" + k + "'?)").orElse("");
      throw new ConfigException(
          s.keyPath("type"),
          "unknown provider '" + Section.printable(text.get()) + "'" + suggestion + "; known providers: "
              + String.join(", ", known));
    }
    return type;
  }

  private static AwsSettings aws(Section provider) {
    if (!provider.isSet("aws")) {
      throw new ConfigException(
          provider.keyPath("aws"),
          "required when " + provider.keyPath("type") + " is aws: select the Auto Scaling groups rotator manages"
              + " with groupNames and/or groupTags");
    }
    Section a = provider.section("aws");
    // The provider's own defaults, so that they are written down once (the docs test compares them too).
    AwsSettings d = AwsSettings.builder().groupNames(List.of("defaults")).build();
    Optional<String> region = a.string("region", ConfigLoader::awsRegion);
    List<String> groupNames =
        a.strings("groupNames", MAX_GROUPS, true, v -> Names.text(v, 255), null).orElse(List.of());
    Map<String, String> groupTags =
        a.stringMap("groupTags", MAX_TAGS, k -> Names.text(k, 128), ConfigLoader::awsTagValue).orElse(Map.of());
    List<String> suspend =
        a.strings("suspendProcesses", AwsSettings.PROCESSES.size(), true, ConfigLoader::asgProcess, null)
            .map(l -> l.stream().map(ConfigLoader::canonicalProcess).toList())
            .orElse(d.suspendProcesses());
    boolean raiseMax = a.bool("raiseMaxForSurge", d.raiseMaxForSurge());
    String quotaCode = a.string("quotaCode", ConfigLoader::quotaCode).orElse(d.quotaCode());
    int maxAttempts = a.integer("maxAttempts", 1, MAX_CLOUD_ATTEMPTS, d.maxAttempts());
    Duration backoffInitial = a.duration("backoffInitial", MS, MAX_CLOUD_BACKOFF, d.backoffInitial());
    Duration backoffMax = a.duration("backoffMax", MS, MAX_CLOUD_BACKOFF, d.backoffMax());
    Duration callTimeout = a.duration("callTimeout", MIN_POLL, MAX_CALL_TIMEOUT, d.callTimeout());
    Duration cacheTtl = a.duration("cacheTtl", Duration.ZERO, MAX_CACHE_TTL, d.cacheTtl());
    Section e = a.section("endpoints");
    AwsSettings.Endpoints endpoints =
        new AwsSettings.Endpoints(
            e.string("autoScaling", ConfigLoader::awsEndpoint).map(URI::create).orElse(null),
            e.string("ec2", ConfigLoader::awsEndpoint).map(URI::create).orElse(null),
            e.string("serviceQuotas", ConfigLoader::awsEndpoint).map(URI::create).orElse(null));
    e.finish();
    a.finish();
    if (groupNames.isEmpty() && groupTags.isEmpty()) {
      throw new ConfigException(
          a.path(),
          "set groupNames and/or groupTags: rotator manages only the Auto Scaling groups selected there");
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw new ConfigException(
          a.keyPath("backoffMax"),
          Durations.format(backoffMax) + " must be at least backoffInitial (" + Durations.format(backoffInitial) + ")");
    }
    return a.build(
        () ->
            AwsSettings.builder()
                .region(region.orElse(""))
                .groupNames(groupNames)
                .groupTags(groupTags)
                .suspendProcesses(suspend)
                .raiseMaxForSurge(raiseMax)
                .quotaCode(quotaCode)
                .maxAttempts(maxAttempts)
                .backoffInitial(backoffInitial)
                .backoffMax(backoffMax)
                .callTimeout(callTimeout)
                .cacheTtl(cacheTtl)
                .endpoints(endpoints)
                .build(),
        m -> withoutPrefix(m, List.of(a.path() + ".", a.path() + ":", a.path() + " ")));
  }

  private static final Pattern AWS_REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$");

  private static String awsRegion(String v) {
    if (AWS_REGION.matcher(v).matches()) {
      return null;
    }
    if (v.length() > 1 && AWS_REGION.matcher(v.substring(0, v.length() - 1)).matches()) {
      return "'" + Section.printable(v) + "' is an availability zone; the region is '" + v.substring(0, v.length() - 1) + "'";
    }
    return "expected an AWS region like eu-west-1 (leave the key out to use the SDK's region chain), got '"
        + Section.printable(v) + "'";
  }

  private static String awsTagValue(String v) {
    if (v.length() > 256) {
      return "a tag value is at most 256 characters";
    }
    return v.chars().anyMatch(c -> c < 0x20 || c == 0x7f) ? "must not contain control characters" : null;
  }

  private static String asgProcess(String v) {
    String canonical = canonicalProcess(v);
    if (canonical == null) {
      List<String> known = AwsSettings.PROCESSES.stream().sorted().toList();
      String suggestion = Suggest.closest(v, known).map(k -> " (did you mean '" + k + "'?)").orElse("");
      return "unknown Auto Scaling process '" + Section.printable(v) + "'" + suggestion + "; one of "
          + String.join(", ", known);
    }
    if (canonical.equals("Launch") || canonical.equals("Terminate")) {
      return "'" + canonical + "' must not be suspended: the group could then neither replace instances nor give"
          + " the surge back";
    }
    return null;
  }

  /** The API's spelling of a process name written in any case ({@code azRebalance} → {@code AZRebalance}). */
  private static String canonicalProcess(String v) {
    String want = Suggest.normalize(v);
    return AwsSettings.PROCESSES.stream().filter(p -> Suggest.normalize(p).equals(want)).findFirst().orElse(null);
  }

  private static final Pattern QUOTA_CODE = Pattern.compile("^L-[0-9A-F]{8}$");

  private static String quotaCode(String v) {
    return QUOTA_CODE.matcher(v).matches()
        ? null
        : "expected a Service Quotas code like L-1216C47A (L-, then 8 upper-case hex digits), got '"
            + Section.printable(v) + "'";
  }

  /**
   * An AWS endpoint override: https, or http to a loopback address only, because over plain http the SDK
   * would send the session token of the credentials in clear.
   */
  private static String awsEndpoint(String v) {
    String problem = endpointUrl(v, "https://autoscaling.eu-west-1.amazonaws.com");
    if (problem != null) {
      return problem;
    }
    URI u = URI.create(v);
    if (u.getScheme().equalsIgnoreCase("http") && !isLoopback(u.getHost())) {
      return "http:// is allowed only for a fake on this machine (127.0.0.1, localhost, [::1]): the SDK would send"
          + " the credentials' session token unencrypted; use https://";
    }
    return null;
  }

  /**
   * An absolute http(s) URL with a host and nothing after it but an optional '/'. A URL with user
   * information is refused without being shown: what follows {@code //} may be a secret.
   */
  private static String endpointUrl(String v, String example) {
    URI u;
    try {
      u = new URI(v);
    } catch (URISyntaxException e) {
      // The reason and position only: the exception's own message repeats the whole value.
      return "is not a valid URL (" + Section.sentence(e.getReason()) + " at index " + e.getIndex() + ")";
    }
    if (u.getRawUserInfo() != null) {
      return "must not carry credentials (user:password@): credentials come from the SDK's default chain";
    }
    String scheme = u.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || u.getHost() == null) {
      return "expected an absolute https:// URL such as " + example + ", got '" + Section.printable(v) + "'";
    }
    if (u.getRawQuery() != null || u.getRawFragment() != null || !(u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))) {
      return "expected scheme, host and port only (no path, query or fragment), got '" + Section.printable(v) + "'";
    }
    return null;
  }

  private static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.equals("127.0.0.1") || h.equals("[::1]") || h.equals("::1");
  }

  /** Cuts the first of {@code prefixes} (and the blanks after it) off the front of a settings message. */
  private static String withoutPrefix(String message, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (message.startsWith(prefix)) {
        return message.substring(prefix.length()).stripLeading();
      }
    }
    return message;
  }

  private static ProviderSettings gke(Section provider) {
    if (!provider.isSet("gke")) {
      throw new ConfigException(
          provider.keyPath("gke"),
          "required when " + provider.keyPath("type") + " is gke: set project, location and cluster");
    }
    Section g = provider.section("gke");
    GkeSettings d = GkeSettings.defaults("defaults", "europe-west1", "defaults");
    String project = g.required("project", ConfigLoader::gcpProject, "the GCP project ID of the cluster");
    String location =
        g.required(
            "location",
            v -> Section.rejection("gke location", () -> GkeSettings.defaults("p", v, "c")),
            "the cluster's region (europe-west1) or zone (europe-west1-b)");
    String cluster = g.required("cluster", v -> gkeName(v, "a GKE cluster name"), "the cluster's name");
    List<String> nodePools =
        g.strings("nodePools", MAX_GROUPS, true, v -> gkeName(v, "a node pool name"), null).orElse(d.nodePools());
    Optional<String> targetVersion = g.string("targetVersion", ConfigLoader::gkeVersion);
    int maxPoolSize = g.integer("maxPoolSize", 0, MAX_NODES, d.maxPoolSize());
    boolean checkQuota = g.bool("checkQuota", d.checkQuota());
    Optional<String> containerEndpoint = g.string("containerEndpoint", ConfigLoader::hostPort);
    Optional<String> computeEndpoint = g.string("computeEndpoint", v -> endpointUrl(v, "https://compute.googleapis.com"));
    boolean plaintext = g.bool("plaintext", d.plaintext());
    Duration callTimeout = g.duration("callTimeout", MIN_POLL, MAX_CALL_TIMEOUT, d.callTimeout());
    Duration operationTimeout =
        g.duration("operationTimeout", MIN_OPERATION_TIMEOUT, MAX_OPERATION_TIMEOUT, d.operationTimeout());
    Duration pollInterval = g.duration("pollInterval", MIN_POLL, MAX_POLL, d.pollInterval());
    Section r = g.section("retry");
    int attempts = r.integer("attempts", 1, MAX_CLOUD_ATTEMPTS, d.retryAttempts());
    Duration initialBackoff = r.duration("initialBackoff", MS, MAX_CLOUD_BACKOFF, d.retryInitialBackoff());
    Duration maxBackoff = r.duration("maxBackoff", MS, MAX_CLOUD_BACKOFF, d.retryMaxBackoff());
    r.finish();
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new ConfigException(
          r.path(),
          "maxBackoff (" + Durations.format(maxBackoff) + ") must be at least initialBackoff ("
              + Durations.format(initialBackoff) + ")");
    }
    Duration cacheTtl = g.duration("cacheTtl", Duration.ZERO, MAX_CACHE_TTL, d.cacheTtl());
    ProviderSettings.GkeStrategy strategy =
        g.enumValue("strategy", ProviderSettings.GkeStrategy.class, ProviderSettings.GkeStrategy.NODES);
    Optional<GkeNativeUpgrade.Spec> spec = Optional.empty();
    if (strategy == ProviderSettings.GkeStrategy.NATIVE) {
      spec = Optional.of(nativeUpgrade(g.section("nativeUpgrade")));
    } else if (g.isPresent("nativeUpgrade")) {
      throw new ConfigException(
          g.keyPath("nativeUpgrade"),
          "set, but " + g.keyPath("strategy") + " is nodes" + (g.isSet("strategy") ? "" : " (the default)")
              + "; the section configures strategy native only");
    }
    g.finish();

    if (plaintext && (containerEndpoint.isEmpty() || computeEndpoint.isEmpty())) {
      throw new ConfigException(
          g.keyPath("plaintext"),
          "true needs containerEndpoint and computeEndpoint (an emulator or a test fake): Google's own endpoints"
              + " only speak TLS");
    }
    if (!plaintext && computeEndpoint.isPresent() && computeEndpoint.get().regionMatches(true, 0, "http:", 0, 5)) {
      throw new ConfigException(
          g.keyPath("computeEndpoint"),
          "http:// needs plaintext: true (an emulator, no credentials); otherwise the client would send Google"
              + " credentials unencrypted. Use https://");
    }
    if (pollInterval.compareTo(operationTimeout) >= 0) {
      throw new ConfigException(
          g.keyPath("pollInterval"),
          Durations.format(pollInterval) + " must be shorter than operationTimeout (" + Durations.format(operationTimeout)
              + ")");
    }
    if (spec.isPresent()
        && spec.get().strategy() == GkeNativeUpgrade.Strategy.BLUE_GREEN
        && !spec.get().completeAfterSoak()
        && operationTimeout.compareTo(spec.get().nodePoolSoak()) <= 0) {
      // operationTimeout bounds the whole native upgrade, and GKE holds the operation open through the soak.
      throw new ConfigException(
          g.keyPath("operationTimeout"),
          Durations.format(operationTimeout) + " does not cover nativeUpgrade.nodePoolSoak ("
              + Durations.format(spec.get().nodePoolSoak()) + "): rotator would give the upgrade up while GKE soaks;"
              + " raise operationTimeout above the soak and the batches, lower nodePoolSoak or set"
              + " nativeUpgrade.completeAfterSoak: true");
    }
    GkeSettings settings =
        g.build(
            () ->
                new GkeSettings(
                    project, location, cluster, nodePools, targetVersion.orElse(""), maxPoolSize, checkQuota,
                    containerEndpoint.orElse(""), computeEndpoint.orElse(""), plaintext, callTimeout,
                    operationTimeout, pollInterval, attempts, initialBackoff, maxBackoff, cacheTtl),
            ConfigLoader::gkeMessage);
    return spec.map(s -> ProviderSettings.gkeNative(settings, s)).orElseGet(() -> ProviderSettings.gke(settings));
  }

  /** GkeSettings' messages ({@code gke retryAttempts must ...}) with the field as its key under provider.gke. */
  static String gkeMessage(String m) {
    String rest = withoutPrefix(m, List.of("gke "));
    for (String[] alias :
        List.of(
            new String[] {"retryAttempts", "retry.attempts"},
            new String[] {"retryInitialBackoff", "retry.initialBackoff"},
            new String[] {"retryMaxBackoff", "retry.maxBackoff"},
            new String[] {"node pool name", "nodePools"},
            new String[] {"not a GKE version:", "targetVersion"})) {
      if (rest.startsWith(alias[0])) {
        return alias[1] + rest.substring(alias[0].length());
      }
    }
    return rest;
  }

  private static final Pattern GCP_PROJECT =
      Pattern.compile("^(?:[a-z][-a-z0-9.]{0,61}[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$|^[0-9]{1,20}$");
  private static final Pattern GKE_NAME = Pattern.compile("^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$");
  private static final Pattern HOST_PORT =
      Pattern.compile("^(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?):([0-9]{1,5})$");

  private static String gcpProject(String v) {
    return GCP_PROJECT.matcher(v).matches()
        ? null
        : "expected a GCP project ID (6 to 30 lower-case letters, digits and '-', starting with a letter, e.g."
            + " my-project-123) or a project number, got '" + Section.printable(v) + "'";
  }

  private static String gkeName(String v, String what) {
    return GKE_NAME.matcher(v).matches()
        ? null
        : "expected " + what + " (1 to 40 lower-case letters, digits and '-', starting with a letter and not ending"
            + " with '-'), got '" + Section.printable(v) + "'";
  }

  private static String gkeVersion(String v) {
    try {
      GkeVersion.parse(v);
      return null;
    } catch (IllegalArgumentException e) {
      return "expected a GKE version like 1.31.4-gke.1256000, 1.31.4 or 1.31, got '" + Section.printable(v) + "'";
    }
  }

  private static String hostPort(String v) {
    Matcher m = HOST_PORT.matcher(v);
    if (!m.matches()) {
      String hint = v.contains("://") ? " (write it without a scheme: this is a gRPC target)" : "";
      return "expected host:port of a GKE API endpoint, e.g. container.googleapis.com:443 or 127.0.0.1:8443, got '"
          + Section.printable(v) + "'" + hint;
    }
    int port = Integer.parseInt(m.group(1));
    return port >= 1 && port <= 65535 ? null : "the port must be within 1..65535, got " + port;
  }

  private static GkeNativeUpgrade.Spec nativeUpgrade(Section n) {
    GkeNativeUpgrade.Strategy strategy =
        n.enumValue("strategy", GkeNativeUpgrade.Strategy.class, GkeNativeUpgrade.Strategy.SURGE);
    int maxSurge = n.integer("maxSurge", 0, MAX_GKE_BATCH, 1);
    int maxUnavailable = n.integer("maxUnavailable", 0, MAX_GKE_BATCH, 0);
    boolean countSet = n.isSet("batchNodeCount");
    int batchNodeCount = n.integer("batchNodeCount", 1, MAX_GKE_BATCH, 1);
    Optional<BigDecimal> percentage = n.number("batchPercentage", null, null);
    if (percentage.isPresent()) {
      BigDecimal p = percentage.get();
      if (p.signum() <= 0 || p.compareTo(BigDecimal.ONE) > 0) {
        throw new ConfigException(
            n.keyPath("batchPercentage"),
            "expected a fraction of the pool in (0, 1], e.g. 0.25 for 25%, got " + p.stripTrailingZeros().toPlainString());
      }
      if (countSet) {
        throw new ConfigException(
            n.keyPath("batchPercentage"), "set either batchNodeCount or batchPercentage, not both");
      }
    }
    Duration batchSoak = n.duration("batchSoak", Duration.ZERO, MAX_SOAK, Duration.ZERO);
    Duration nodePoolSoak = n.duration("nodePoolSoak", Duration.ZERO, MAX_SOAK, DEFAULT_NODE_POOL_SOAK);
    GkeNativeUpgrade.OnStop onStop = n.enumValue("onStop", GkeNativeUpgrade.OnStop.class, GkeNativeUpgrade.OnStop.CANCEL);
    boolean completeAfterSoak = n.bool("completeAfterSoak", false);
    boolean rollbackRespectsPdb = n.bool("rollbackRespectsPdb", true);
    n.finish();
    if (strategy == GkeNativeUpgrade.Strategy.SURGE && maxSurge + maxUnavailable == 0) {
      throw new ConfigException(
          n.path(), "maxSurge and maxUnavailable are both 0: GKE could never replace a node; set one of them above 0");
    }
    int count = percentage.isPresent() ? 0 : batchNodeCount;
    float fraction = percentage.map(BigDecimal::floatValue).orElse(0f);
    return n.build(
        () ->
            new GkeNativeUpgrade.Spec(
                strategy, maxSurge, maxUnavailable, count, fraction, batchSoak, nodePoolSoak, onStop,
                completeAfterSoak, rollbackRespectsPdb));
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
    List<MaintenanceWindow> windows = new ArrayList<>();
    for (Section w : s.sections("maintenanceWindows", MAX_WINDOWS)) {
      windows.add(maintenanceWindow(w));
    }
    Duration soak = s.duration("soak", Duration.ZERO, MAX_SOAK, d.soak());
    RotationPolicy.Speed speed = speed(s.section("speed"));
    RotationPolicy.UnhealthyPodEviction unhealthy = unhealthyPodEviction(s.section("unhealthyPodEviction"));
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
          maxNodesPerRun,
          windows,
          soak,
          speed,
          unhealthy);
    } catch (IllegalArgumentException e) {
      // The policy's own rules (e.g. maxUnavailable and maxSurge both 0) span several keys.
      throw new ConfigException("policy", Section.sentence(String.valueOf(e.getMessage())));
    }
  }

  private static RotationPolicy.Speed speed(Section s) {
    RotationPolicy.Speed d = RotationPolicy.Speed.defaults();
    int perZone = s.integer("maxUnavailablePerZone", 0, MAX_NODES, d.maxUnavailablePerZone());
    boolean surgeBeforeDrain = s.bool("surgeBeforeDrain", d.surgeBeforeDrain());
    boolean drainabilityOrder = s.bool("drainabilityOrder", d.drainabilityOrder());
    int parallelism =
        s.integer("evictionParallelism", 1, RotationPolicy.Speed.MAX_EVICTION_PARALLELISM, d.evictionParallelism());
    boolean pdbAwareEvictions = s.bool("pdbAwareEvictions", d.pdbAwareEvictions());
    Section a = s.section("adaptive");
    RotationPolicy.Adaptive da = d.adaptive();
    RotationPolicy.Adaptive adaptive =
        new RotationPolicy.Adaptive(
            a.bool("enabled", da.enabled()),
            a.integer("maxUnschedulablePods", 0, MAX_PODS, da.maxUnschedulablePods()),
            a.duration("maxApiLatency", MS, MAX_LATENCY_THRESHOLD, da.maxApiLatency()));
    a.finish();
    s.finish();
    return new RotationPolicy.Speed(
        perZone, surgeBeforeDrain, drainabilityOrder, parallelism, adaptive, pdbAwareEvictions);
  }

  private static RotationPolicy.UnhealthyPodEviction unhealthyPodEviction(Section s) {
    RotationPolicy.UnhealthyPodEviction d = RotationPolicy.UnhealthyPodEviction.off();
    List<String> namespaces =
        s.strings("namespaces", MAX_LIST, true, Names::dnsLabel, null).orElse(List.of());
    Map<String, String> selector =
        s.stringMap("selector", MAX_TAGS, Names::qualifiedName, Names::labelValue).orElse(Map.of());
    Duration after = s.duration("after", Duration.ofMinutes(1), MAX_DRAIN_TIMEOUT, d.after());
    s.finish();
    return new RotationPolicy.UnhealthyPodEviction(
        namespaces, dev.rotator.core.model.LabelSelector.of(selector), after);
  }

  private static MaintenanceWindow maintenanceWindow(Section w) {
    List<String> days =
        w.strings("days", DayOfWeek.values().length, true, ConfigLoader::day, null)
            .orElseThrow(() -> new ConfigException(w.keyPath("days"), "required: the days the window opens on, e.g. [mon, tue]"));
    if (days.isEmpty()) {
      throw new ConfigException(w.keyPath("days"), "name at least one day (mon, tue, wed, thu, fri, sat, sun)");
    }
    String start = w.required("start", v -> time("start", v), "the time the window opens, HH:MM (24-hour)");
    String end =
        w.required("end", v -> time("end", v), "the time the window closes, HH:MM (24-hour; before start: the next day)");
    String zone =
        w.required(
            "timeZone",
            ConfigLoader::timeZone,
            "the IANA time zone of start and end, e.g. Europe/Berlin or UTC");
    w.finish();
    return w.build(() -> MaintenanceWindow.of(days, start, end, zone));
  }

  private static String timeZone(String v) {
    String problem = Section.rejection("timeZone", () -> MaintenanceWindow.of(List.of("mon"), "00:00", "00:00", v));
    if (problem == null) {
      return null;
    }
    return Suggest.closest(v, java.time.ZoneId.getAvailableZoneIds())
        .map(z -> problem.replaceFirst("\\.?$", "") + " (did you mean '" + z + "'?)")
        .orElse(problem);
  }

  private static String day(String v) {
    try {
      MaintenanceWindow.day(v);
      return null;
    } catch (IllegalArgumentException e) {
      return "expected a day: mon, tue, wed, thu, fri, sat or sun; got '" + Section.printable(v) + "'";
    }
  }

  private static String time(String key, String v) {
    return Section.rejection(
        key,
        () -> MaintenanceWindow.of(List.of("mon"), key.equals("start") ? v : "00:00", key.equals("end") ? v : "00:00", "UTC"));
  }

  private static GateSettings gates(Section s) {
    int passes =
        s.integer("consecutivePasses", 1, MAX_CONSECUTIVE_PASSES, GateSettings.DEFAULT_CONSECUTIVE_PASSES);
    Duration checkTimeout =
        s.duration("checkTimeout", MIN_POLL, MAX_CHECK_TIMEOUT, GateSettings.DEFAULT_CHECK_TIMEOUT);
    Duration unknownGrace =
        s.duration("unknownGrace", Duration.ZERO, MAX_UNKNOWN_GRACE, GateSettings.DEFAULT_UNKNOWN_GRACE);
    Section cs = s.section("clusterState");
    ClusterStateSettings d = ClusterStateSettings.defaults();
    ClusterStateSettings clusterState =
        new ClusterStateSettings(
            cs.bool("enabled", d.enabled()),
            cs.integer("maxNotReadyNodes", 0, MAX_NODES, d.maxNotReadyNodes()),
            cs.integer("maxUnschedulablePods", 0, MAX_PODS, d.maxUnschedulablePods()),
            cs.duration("newNodeGrace", Duration.ZERO, MAX_NEW_NODE_GRACE, d.newNodeGrace()));
    cs.finish();
    ApiServerSettings apiserver = apiserver(s.section("apiserver"));
    VersionSkewSettings versionSkew = versionSkew(s.section("versionSkew"));
    QuotaSettings quota = quota(s.section("quota"));
    EtcdSettings etcd = etcd(s.section("etcd"));
    EtcdViaApiServerSettings etcdViaApiServer = etcdViaApiServer(s.section("etcdViaApiServer"));
    PrometheusGateSettings prometheus = prometheus(s.section("prometheus"));
    List<HttpCheck.Settings> http = http(s);
    s.finish();
    // Check names unique, checkTimeout covering every check: both thrown as ConfigException with paths.
    return new GateSettings(
        passes, checkTimeout, clusterState, apiserver, versionSkew, quota, etcd, etcdViaApiServer, prometheus, http,
        unknownGrace);
  }

  private static ApiServerSettings apiserver(Section s) {
    ApiServerLatencyCheck.Settings d = ApiServerLatencyCheck.Settings.defaults();
    boolean enabled = s.bool("enabled", true);
    List<String> probes =
        s.strings(
                "probes",
                MAX_PROBES,
                true,
                v -> Section.rejection("probes", () -> new ApiServerLatencyCheck.Settings(
                    List.of(v), d.probeTimeout(), d.windowSize(), d.minSamples(), d.maxSampleAge(),
                    d.p50Threshold(), d.p99Threshold(), d.maxErrorRate(), d.metrics())),
                null)
            .orElse(d.probes());
    Duration probeTimeout = s.duration("probeTimeout", MS, MAX_PROBE_TIMEOUT, d.probeTimeout());
    int windowSize = s.integer("windowSize", 1, MAX_WINDOW, d.windowSize());
    int minSamples = s.integer("minSamples", 1, MAX_WINDOW, d.minSamples());
    Duration maxSampleAge = s.duration("maxSampleAge", Duration.ZERO, MAX_SAMPLE_AGE, d.maxSampleAge());
    Duration p50 = s.duration("p50Threshold", MS, MAX_LATENCY_THRESHOLD, d.p50Threshold());
    Duration p99 = s.duration("p99Threshold", MS, MAX_LATENCY_THRESHOLD, d.p99Threshold());
    double maxErrorRate =
        s.number("maxErrorPercent", BigDecimal.ZERO, HUNDRED)
            .map(p -> p.movePointLeft(2).doubleValue())
            .orElse(d.maxErrorRate());
    ApiServerLatencyCheck.MetricsSettings dm = d.metrics();
    Section m = s.section("metrics");
    boolean metricsOn = m.bool("enabled", dm.enabled());
    Duration metricsP99 = m.duration("p99Threshold", MS, MAX_LATENCY_THRESHOLD, dm.p99Threshold());
    List<String> excludeVerbs =
        m.strings("excludeVerbs", 100, true, ConfigLoader::verb, null)
            .orElse(dm.excludeVerbs().stream().sorted().toList());
    int minRequests = m.integer("minRequests", 1, MAX_PODS, dm.minRequests());
    m.finish();
    s.finish();
    if (p50.compareTo(p99) > 0) {
      throw new ConfigException(
          s.keyPath("p50Threshold"),
          Durations.format(p50) + " is above p99Threshold (" + Durations.format(p99)
              + "): the median cannot be slower than the 99th percentile");
    }
    if (minSamples > windowSize) {
      throw new ConfigException(
          s.keyPath("minSamples"), minSamples + " is above windowSize (" + windowSize + "): the window never holds that many");
    }
    ApiServerLatencyCheck.MetricsSettings metrics =
        m.build(() -> new ApiServerLatencyCheck.MetricsSettings(metricsOn, metricsP99, Set.copyOf(excludeVerbs), minRequests));
    return s.build(
        () ->
            new ApiServerSettings(
                enabled,
                new ApiServerLatencyCheck.Settings(
                    probes, probeTimeout, windowSize, minSamples, maxSampleAge, p50, p99, maxErrorRate, metrics)));
  }

  private static String verb(String v) {
    return v.matches("[A-Za-z]{1,32}")
        ? null
        : "expected an HTTP/Kubernetes verb like WATCH or CONNECT (letters only), got '" + Section.printable(v) + "'";
  }

  private static VersionSkewSettings versionSkew(Section s) {
    boolean enabled = s.bool("enabled", true);
    OptionalInt maxMinorSkew =
        s.isSet("maxMinorSkew") ? OptionalInt.of(s.integer("maxMinorSkew", 0, MAX_MINOR_SKEW, 0)) : none(s, "maxMinorSkew");
    Optional<String> targetVersion = s.string("targetVersion", Names::kubeVersion);
    s.finish();
    return s.build(() -> new VersionSkewSettings(enabled, maxMinorSkew, targetVersion));
  }

  /** Marks a key that is absent or null as read, and gives "unset". */
  private static OptionalInt none(Section s, String key) {
    s.raw(key);
    return OptionalInt.empty();
  }

  private static QuotaSettings quota(Section s) {
    QuotaSettings d = QuotaSettings.defaults();
    boolean enabled = s.bool("enabled", d.enabled());
    OptionalInt minHeadroom =
        s.isSet("minHeadroom") ? OptionalInt.of(s.integer("minHeadroom", 0, MAX_NODES, 0)) : none(s, "minHeadroom");
    List<String> groups = s.strings("groups", MAX_LIST, true, v -> v.isBlank() ? "a group name must not be empty" : Names.text(v, 1024), null).orElse(d.groups());
    Duration timeout = s.duration("timeout", MS, MAX_QUOTA_TIMEOUT, d.timeout());
    s.finish();
    return s.build(() -> new QuotaSettings(enabled, minHeadroom, groups, timeout));
  }

  private static EtcdSettings etcd(Section s) {
    EtcdSettings d = EtcdSettings.defaults();
    boolean enabled = s.bool("enabled", d.enabled());
    List<String> endpoints =
        s.strings(
                "endpoints",
                MAX_LIST,
                true,
                v ->
                    Section.rejection(
                        "etcd endpoint",
                        () -> new EtcdQuorumCheck.Settings(List.of(URI.create(v)), d.timeout(), null, null, null)),
                null)
            .orElse(d.endpoints());
    Duration timeout = s.duration("timeout", MS, MAX_ETCD_TIMEOUT, d.timeout());
    Optional<String> caFile = s.string("caFile", v -> Names.text(v, 4096));
    Optional<String> certFile = s.string("certFile", v -> Names.text(v, 4096));
    Optional<String> keyFile = s.string("keyFile", v -> Names.text(v, 4096));
    s.finish();
    return s.build(() -> new EtcdSettings(enabled, endpoints, timeout, caFile, certFile, keyFile));
  }

  private static EtcdViaApiServerSettings etcdViaApiServer(Section s) {
    EtcdViaApiServerSettings d = EtcdViaApiServerSettings.defaults();
    boolean enabled = s.bool("enabled", d.enabled());
    Duration timeout = s.duration("timeout", MS, MAX_ETCD_TIMEOUT, d.timeout());
    s.finish();
    return s.build(() -> new EtcdViaApiServerSettings(enabled, timeout));
  }

  /** What an unquoted {@code {severity="critical"}} turns into, and how to write it. */
  static final String MATCHER_HINT =
      "(YAML reads an unquoted {...} as a mapping: put single quotes around the matcher, e.g."
          + " '{severity=\"critical\"}')";

  private static PrometheusGateSettings prometheus(Section s) {
    PrometheusGateSettings d = PrometheusGateSettings.defaults();
    boolean enabled = s.bool("enabled", d.enabled());
    Optional<String> url = s.string("url", v -> Section.rejection("url", () -> PrometheusApi.baseUri(v)));
    List<String> alertMatchers =
        s.strings("alertMatchers", MAX_LIST, true, ConfigLoader::matcher, MATCHER_HINT).orElse(d.alertMatchers());
    List<PromQlThresholdCheck.Rule> rules = new ArrayList<>();
    for (Section r : s.sections("rules", MAX_LIST)) {
      rules.add(rule(r));
    }
    Duration timeout = s.duration("timeout", MS, MAX_HTTP_TIMEOUT, d.timeout());
    s.finish();
    return s.build(() -> new PrometheusGateSettings(enabled, url, alertMatchers, rules, timeout));
  }

  private static String matcher(String v) {
    try {
      LabelMatchers.parse(v);
      return null;
    } catch (IllegalArgumentException e) {
      return Section.sentence(String.valueOf(e.getMessage()));
    }
  }

  private static PromQlThresholdCheck.Rule rule(Section r) {
    String name =
        r.required(
            "name",
            v -> Section.rejection("name", () -> PromQlThresholdCheck.Rule.of(v, "up", PromQlThresholdCheck.Op.GT, 0)),
            "the check's name, shown in 'rotator check' and freeze reasons");
    String expr =
        r.required(
            "expr",
            v -> Section.rejection("expr", () -> PromQlThresholdCheck.Rule.of("x", v, PromQlThresholdCheck.Op.GT, 0)),
            "the PromQL expression");
    String opText = r.required("op", v -> null, "the bad side of the threshold: '>', '>=', '<' or '<='");
    PromQlThresholdCheck.Op op;
    try {
      op = PromQlThresholdCheck.Op.parse(opText);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          r.keyPath("op"),
          "expected one of '>', '>=', '<', '<=' (quoted: an unquoted > starts a YAML folded text), got '"
              + Section.printable(opText) + "'");
    }
    double threshold =
        r.number("threshold", null, null)
            .orElseThrow(() -> new ConfigException(r.keyPath("threshold"), "required: a finite number"))
            .doubleValue();
    PromQlThresholdCheck.EmptyIs emptyIs =
        r.enumValue("emptyIs", PromQlThresholdCheck.EmptyIs.class, PromQlThresholdCheck.EmptyIs.UNKNOWN);
    r.finish();
    return r.build(() -> new PromQlThresholdCheck.Rule(name, expr, op, threshold, emptyIs));
  }

  private static List<HttpCheck.Settings> http(Section gates) {
    List<HttpCheck.Settings> out = new ArrayList<>();
    for (Section h : gates.sections("http", MAX_LIST)) {
      String name =
          h.required(
              "name",
              v -> Section.rejection("name", () -> HttpCheck.Settings.defaults(v, "http://127.0.0.1/")),
              "the check's name, shown in 'rotator check' and freeze reasons");
      String url = h.required("url", v -> Section.rejection("url", () -> HttpUrls.parse("url", v)), "the URL to GET");
      int expectStatus = h.integer("expectStatus", 100, 599, HttpCheck.Settings.DEFAULT_EXPECT_STATUS);
      Optional<String> bodyContains =
          h.string("bodyContains", v -> v.isEmpty() ? "is empty, which every body contains; leave it out to skip the body check" : null);
      Optional<String> bodyRegex =
          h.string(
              "bodyRegex",
              v -> Section.rejection(
                  "bodyRegex",
                  () -> new HttpCheck.Settings("x", "http://127.0.0.1/", 200, null, v, HttpCheck.Settings.DEFAULT_TIMEOUT)));
      Duration timeout = h.duration("timeout", MS, MAX_HTTP_TIMEOUT, HttpCheck.Settings.DEFAULT_TIMEOUT);
      h.finish();
      out.add(
          h.build(
              () ->
                  new HttpCheck.Settings(
                      name, url, expectStatus, bodyContains.orElse(null), bodyRegex.orElse(null), timeout)));
    }
    return out;
  }

  private static AlertSettings alerts(Section s) {
    Section log = s.section("log");
    AlertSettings a = new AlertSettings(new AlertSettings.Log(log.bool("enabled", true)));
    log.finish();
    s.finish();
    return a;
  }

  /** Bounds of serve.interval: a pass more often than every 10 s only loads the API server. */
  public static final Duration MIN_SERVE_INTERVAL = Duration.ofSeconds(10);
  public static final Duration MAX_SERVE_INTERVAL = Duration.ofDays(1);

  private static LockSettings lock(Section s) {
    LockSettings out = new LockSettings(
        s.duration("maxClockSkew", Duration.ZERO, MAX_CLOCK_SKEW, LockSettings.DEFAULT_MAX_CLOCK_SKEW));
    s.finish();
    return out;
  }

  private static ServeSettings serve(Section s) {
    ServeSettings d = ServeSettings.defaults();
    Duration interval = s.duration("interval", MIN_SERVE_INTERVAL, MAX_SERVE_INTERVAL, d.interval());
    String listen = s.string("listen", ConfigLoader::listenProblem).orElse(ServeSettings.DEFAULT_LISTEN);
    int colon = listen.lastIndexOf(':');
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    ServeSettings out = new ServeSettings(interval, host, Integer.parseInt(listen.substring(colon + 1)));
    s.finish();
    return out;
  }

  /** {@code host:port} with a port 0-65535 ({@code [::]:8080} for IPv6); null when fine. */
  public static String listenProblem(String v) {
    int colon = v.lastIndexOf(':');
    if (colon <= 0 || colon == v.length() - 1) {
      return "expected host:port such as 0.0.0.0:8080 or 127.0.0.1:9090, got '" + Section.printable(v) + "'";
    }
    String port = v.substring(colon + 1);
    if (!port.chars().allMatch(Character::isDigit) || port.length() > 5 || Integer.parseInt(port) > 65535) {
      return "expected a port 0-65535 after the last ':', got '" + Section.printable(port) + "'";
    }
    String host = v.substring(0, colon);
    if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
      return "write an IPv6 address in brackets: [::]:8080";
    }
    return null;
  }

  private static LoggingSettings logging(Section s) {
    LoggingSettings l = new LoggingSettings(
        s.enumValue("format", LoggingSettings.Format.class, LoggingSettings.defaults().format()));
    s.finish();
    return l;
  }
}
