package dev.rotator.config;

import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.clusterstate.ClusterStateCheck;
import dev.rotator.health.etcd.ApiServerEtcdCheck;
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import dev.rotator.health.prometheus.PrometheusAlertsCheck;
import dev.rotator.health.prometheus.PrometheusSettings;
import dev.rotator.health.quota.QuotaHeadroomCheck;
import dev.rotator.health.versionskew.VersionSkewCheck;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The health gate asked before every disruptive step: how it decides, and which checks it runs with
 * which settings. Each check's settings are validated by that check's own settings record, so the file
 * and the check can never disagree on what is valid.
 *
 * <p>Two rules span checks and are enforced here, with the key paths of rotator.yaml in the message
 * ({@link ConfigException}): check names are unique (they name the freeze reason and the rows of {@code
 * rotator check}), and {@code checkTimeout} is at least the longest time an enabled check may take by
 * its own settings, so that the gate never cuts off a check that is still within its budget (it would
 * answer with an anonymous "no answer" instead of the check's own reason).
 *
 * <p>The checks are built by the CLI's {@code GateFactory}, which has the Kubernetes client and the cloud
 * provider that most of them need; the order there is the order of {@link #checkNames()}.
 *
 * @param consecutivePasses how many healthy evaluations in a row the gate needs before it lets a
 *     disruptive step through (>= 1)
 * @param checkTimeout how long one check may take; a check without an answer by then is UNKNOWN, which
 *     fails the gate
 * @param clusterState the built-in cluster-state check
 * @param apiserver the API server latency check
 * @param versionSkew the kubelet/API server version-skew check
 * @param quota the cloud quota headroom check
 * @param etcd the etcd quorum check over the members' client URLs
 * @param etcdViaApiServer the etcd check through the API server's {@code /readyz/etcd}
 * @param prometheus the Prometheus alerts and PromQL rules
 * @param http custom HTTP checks, in order
 * @param unknownGrace how long the same checks may stay UNKNOWN (none UNHEALTHY) while the gate holds
 *     (WAIT) before it fails; zero fails at once
 */
public record GateSettings(
    int consecutivePasses,
    Duration checkTimeout,
    ClusterStateSettings clusterState,
    ApiServerSettings apiserver,
    VersionSkewSettings versionSkew,
    QuotaSettings quota,
    EtcdSettings etcd,
    EtcdViaApiServerSettings etcdViaApiServer,
    PrometheusGateSettings prometheus,
    List<HttpCheck.Settings> http,
    Duration unknownGrace) {

  /**
   * The cluster-state check ({@link ClusterStateCheck}).
   *
   * @param enabled run it (strongly recommended)
   * @param maxNotReadyNodes NotReady nodes tolerated that are neither cordoned nor new
   * @param maxUnschedulablePods Pending pods marked Unschedulable tolerated
   * @param newNodeGrace a NotReady node younger than this is a booting replacement, not counted
   */
  public record ClusterStateSettings(
      boolean enabled, int maxNotReadyNodes, int maxUnschedulablePods, Duration newNodeGrace) {
    public ClusterStateSettings {
      // Let the check's own settings validate the numbers, so the two can never disagree.
      new ClusterStateCheck.Settings(maxNotReadyNodes, maxUnschedulablePods, newNodeGrace);
    }

    public static ClusterStateSettings defaults() {
      ClusterStateCheck.Settings d = ClusterStateCheck.Settings.defaults();
      return new ClusterStateSettings(true, d.maxNotReadyNodes(), d.maxUnschedulablePods(), d.newNodeGrace());
    }

    public ClusterStateCheck.Settings toCheckSettings() {
      return new ClusterStateCheck.Settings(maxNotReadyNodes, maxUnschedulablePods, newNodeGrace);
    }
  }

  /**
   * The API server latency check ({@link ApiServerLatencyCheck}, name {@code apiserver}).
   *
   * @param enabled run it
   * @param settings the check's own settings (probes, window, thresholds, {@code /metrics})
   */
  public record ApiServerSettings(boolean enabled, ApiServerLatencyCheck.Settings settings) {
    public ApiServerSettings {
      Objects.requireNonNull(settings, "settings");
    }

    /** On, with the check's defaults. */
    public static ApiServerSettings defaults() {
      return new ApiServerSettings(true, ApiServerLatencyCheck.Settings.defaults());
    }

    /**
     * The longest one check may take: under 3 probe timeouts for the probes (the round stops after 2
     * and the last probe may take one more), one more for the {@code /metrics} scrape.
     */
    public Duration worstCase() {
      return settings.probeTimeout().multipliedBy(settings.metrics().enabled() ? 4 : 3);
    }
  }

  /**
   * The version-skew check ({@link VersionSkewCheck}, name {@code version-skew}).
   *
   * @param enabled run it
   * @param maxMinorSkew minor versions a kubelet may be behind the API server; empty: the Kubernetes
   *     version-skew policy for the API server's version
   * @param targetVersion the version replacements must come up with; empty: {@code
   *     selector.kubeletVersionBelow} when that is set, otherwise not checked
   */
  public record VersionSkewSettings(boolean enabled, OptionalInt maxMinorSkew, Optional<String> targetVersion) {
    public VersionSkewSettings {
      new VersionSkewCheck.Settings(maxMinorSkew, targetVersion);
    }

    public static VersionSkewSettings defaults() {
      return new VersionSkewSettings(true, OptionalInt.empty(), Optional.empty());
    }

    /** The check's settings, the target version falling back to the selector's kubelet version. */
    public VersionSkewCheck.Settings toCheckSettings(SelectorSettings selector) {
      return new VersionSkewCheck.Settings(maxMinorSkew, targetVersion.or(selector::kubeletVersionBelow));
    }
  }

  /**
   * The cloud quota check ({@link QuotaHeadroomCheck}, name {@code quota}).
   *
   * @param enabled run it
   * @param minHeadroom instances each group must still be able to launch; empty: {@code policy.maxSurge}
   * @param groups node groups to check; empty: every group the provider lists
   * @param timeout all provider calls of one check together
   */
  public record QuotaSettings(boolean enabled, OptionalInt minHeadroom, List<String> groups, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public QuotaSettings {
      Objects.requireNonNull(minHeadroom, "minHeadroom");
      groups = List.copyOf(groups);
      new QuotaHeadroomCheck.Settings(groups, minHeadroom.orElse(0), timeout);
    }

    public static QuotaSettings defaults() {
      return new QuotaSettings(true, OptionalInt.empty(), List.of(), DEFAULT_TIMEOUT);
    }

    /** The check's settings, the headroom defaulting to the policy's surge. */
    public QuotaHeadroomCheck.Settings toCheckSettings(RotationPolicy policy) {
      return new QuotaHeadroomCheck.Settings(groups, minHeadroom.orElse(policy.maxSurge()), timeout);
    }
  }

  /**
   * The etcd quorum check over the members' client URLs ({@link EtcdQuorumCheck}, name {@code etcd}).
   *
   * @param enabled run it; needs {@code endpoints}
   * @param endpoints every member's client URL, {@code http(s)://host:port}
   * @param timeout per request
   * @param caFile PEM CA bundle for https endpoints; empty: the JVM's trust store
   * @param certFile PEM client certificate; empty: none
   * @param keyFile PEM private key of {@code certFile}; empty: none
   */
  public record EtcdSettings(
      boolean enabled,
      List<String> endpoints,
      Duration timeout,
      Optional<String> caFile,
      Optional<String> certFile,
      Optional<String> keyFile) {
    public EtcdSettings {
      endpoints = List.copyOf(endpoints);
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(caFile, "caFile");
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
      if (enabled && endpoints.isEmpty()) {
        throw new IllegalArgumentException(
            "endpoints is required when the etcd check is enabled: every member's client URL, e.g."
                + " [https://10.0.0.1:2379, https://10.0.0.2:2379, https://10.0.0.3:2379]");
      }
      if (!endpoints.isEmpty()) {
        toCheckSettingsUnchecked(endpoints, timeout, caFile, certFile, keyFile);
      } else if (caFile.isPresent() || certFile.isPresent() || keyFile.isPresent()) {
        throw new IllegalArgumentException("caFile, certFile and keyFile are set but no endpoints are");
      }
    }

    public static EtcdSettings defaults() {
      EtcdQuorumCheck.Settings d = EtcdQuorumCheck.Settings.defaults();
      return new EtcdSettings(false, List.of(), d.timeout(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The check's settings (the TLS files are read when the check is built, not here). */
    public EtcdQuorumCheck.Settings toCheckSettings() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("gates.etcd has no endpoints");
      }
      return toCheckSettingsUnchecked(endpoints, timeout, caFile, certFile, keyFile);
    }

    /** The longest one check may take: requests run in parallel, plus the check's grace. */
    public Duration worstCase() {
      return timeout.plusMillis(500);
    }

    private static EtcdQuorumCheck.Settings toCheckSettingsUnchecked(
        List<String> endpoints,
        Duration timeout,
        Optional<String> caFile,
        Optional<String> certFile,
        Optional<String> keyFile) {
      List<URI> uris = new ArrayList<>();
      for (String e : endpoints) {
        uris.add(URI.create(e));
      }
      return new EtcdQuorumCheck.Settings(
          uris,
          timeout,
          caFile.map(Path::of).orElse(null),
          certFile.map(Path::of).orElse(null),
          keyFile.map(Path::of).orElse(null));
    }
  }

  /**
   * The etcd check through the API server ({@link ApiServerEtcdCheck}, name {@code etcd-apiserver}), for
   * managed control planes whose etcd rotator cannot reach.
   *
   * @param enabled run it
   * @param timeout per request (at most two per check: {@code /readyz/etcd}, then {@code /livez/etcd} on
   *     404)
   */
  public record EtcdViaApiServerSettings(boolean enabled, Duration timeout) {
    public EtcdViaApiServerSettings {
      new ApiServerEtcdCheck.Settings(timeout);
    }

    public static EtcdViaApiServerSettings defaults() {
      return new EtcdViaApiServerSettings(false, ApiServerEtcdCheck.Settings.defaults().timeout());
    }

    public ApiServerEtcdCheck.Settings toCheckSettings() {
      return new ApiServerEtcdCheck.Settings(timeout);
    }

    public Duration worstCase() {
      return timeout.multipliedBy(2);
    }
  }

  /**
   * The Prometheus checks: firing alerts ({@link PrometheusAlertsCheck}, name {@code prometheus-alerts})
   * and one {@link PromQlThresholdCheck} per rule (named by the rule).
   *
   * @param enabled run them; needs {@code url}
   * @param url Prometheus' base URL
   * @param alertMatchers matcher sets; a firing alert matching any blocks. Empty: no alerts check
   * @param rules PromQL rules
   * @param timeout per request
   */
  public record PrometheusGateSettings(
      boolean enabled,
      Optional<String> url,
      List<String> alertMatchers,
      List<PromQlThresholdCheck.Rule> rules,
      Duration timeout) {
    public PrometheusGateSettings {
      Objects.requireNonNull(url, "url");
      alertMatchers = List.copyOf(alertMatchers);
      rules = List.copyOf(rules);
      Objects.requireNonNull(timeout, "timeout");
      if (enabled && url.isEmpty()) {
        throw new IllegalArgumentException(
            "url is required when the Prometheus checks are enabled: Prometheus' base URL, e.g."
                + " http://prometheus.monitoring:9090");
      }
      // Validated even when disabled, so that turning the checks on later does not reveal a broken
      // section; a stand-in URL when none is set (only enabled checks need one, see above). A disabled
      // section with nothing in it is left alone.
      if (enabled || !alertMatchers.isEmpty() || !rules.isEmpty()) {
        new PrometheusSettings(url.orElse("http://prometheus.invalid"), alertMatchers, rules, timeout);
      }
    }

    public static PrometheusGateSettings defaults() {
      return new PrometheusGateSettings(
          false,
          Optional.empty(),
          PrometheusAlertsCheck.Settings.DEFAULT_ALERT_MATCHERS,
          List.of(),
          PrometheusSettings.defaultTimeout());
    }

    public PrometheusSettings toCheckSettings() {
      return new PrometheusSettings(
          url.orElseThrow(() -> new IllegalStateException("gates.prometheus has no url")), alertMatchers, rules, timeout);
    }
  }

  public static final int DEFAULT_CONSECUTIVE_PASSES = 2;
  public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(10);
  /** Rides out one transient API error (a check's retry, a slow scrape) without freezing. */
  public static final Duration DEFAULT_UNKNOWN_GRACE = Duration.ofSeconds(30);

  /** Settings with the default {@code unknownGrace}. */
  public GateSettings(
      int consecutivePasses,
      Duration checkTimeout,
      ClusterStateSettings clusterState,
      ApiServerSettings apiserver,
      VersionSkewSettings versionSkew,
      QuotaSettings quota,
      EtcdSettings etcd,
      EtcdViaApiServerSettings etcdViaApiServer,
      PrometheusGateSettings prometheus,
      List<HttpCheck.Settings> http) {
    this(consecutivePasses, checkTimeout, clusterState, apiserver, versionSkew, quota, etcd, etcdViaApiServer,
        prometheus, http, DEFAULT_UNKNOWN_GRACE);
  }

  public GateSettings {
    if (consecutivePasses < 1) {
      throw new IllegalArgumentException("consecutivePasses must be >= 1, got " + consecutivePasses);
    }
    Objects.requireNonNull(checkTimeout, "checkTimeout");
    if (checkTimeout.isNegative() || checkTimeout.isZero()) {
      throw new IllegalArgumentException("checkTimeout must be positive, got " + checkTimeout);
    }
    Objects.requireNonNull(clusterState, "clusterState");
    Objects.requireNonNull(apiserver, "apiserver");
    Objects.requireNonNull(versionSkew, "versionSkew");
    Objects.requireNonNull(quota, "quota");
    Objects.requireNonNull(etcd, "etcd");
    Objects.requireNonNull(etcdViaApiServer, "etcdViaApiServer");
    Objects.requireNonNull(prometheus, "prometheus");
    http = List.copyOf(http);
    Objects.requireNonNull(unknownGrace, "unknownGrace");
    if (unknownGrace.isNegative()) {
      throw new IllegalArgumentException("unknownGrace must not be negative, got " + unknownGrace);
    }
    requireUniqueNames(prometheus, http);
    requireTimeoutCoversChecks(checkTimeout, apiserver, quota, etcd, etcdViaApiServer, prometheus, http);
  }

  public static GateSettings defaults() {
    return new GateSettings(
        DEFAULT_CONSECUTIVE_PASSES,
        DEFAULT_CHECK_TIMEOUT,
        ClusterStateSettings.defaults(),
        ApiServerSettings.defaults(),
        VersionSkewSettings.defaults(),
        QuotaSettings.defaults(),
        EtcdSettings.defaults(),
        EtcdViaApiServerSettings.defaults(),
        PrometheusGateSettings.defaults(),
        List.of());
  }

  /** The built-in checks' names, in build order, with the key of the section that configures each. */
  private static final List<Map.Entry<String, String>> BUILT_IN =
      List.of(
          Map.entry(ClusterStateCheck.NAME, "gates.clusterState"),
          Map.entry(ApiServerLatencyCheck.NAME, "gates.apiserver"),
          Map.entry(VersionSkewCheck.NAME, "gates.versionSkew"),
          Map.entry(QuotaHeadroomCheck.NAME, "gates.quota"),
          Map.entry(EtcdQuorumCheck.NAME, "gates.etcd"),
          Map.entry(ApiServerEtcdCheck.NAME, "gates.etcdViaApiServer"),
          Map.entry(PrometheusAlertsCheck.NAME, "gates.prometheus.alertMatchers"));

  /**
   * The names of the enabled checks, in the order they are built and shown: cluster-state, apiserver,
   * version-skew, quota, etcd, etcd-apiserver, prometheus-alerts, the Prometheus rules, the HTTP checks.
   */
  public List<String> checkNames() {
    List<String> out = new ArrayList<>();
    boolean[] on = {
      clusterState.enabled(),
      apiserver.enabled(),
      versionSkew.enabled(),
      quota.enabled(),
      etcd.enabled(),
      etcdViaApiServer.enabled(),
      prometheus.enabled() && !prometheus.alertMatchers().isEmpty()
    };
    for (int i = 0; i < BUILT_IN.size(); i++) {
      if (on[i]) {
        out.add(BUILT_IN.get(i).getKey());
      }
    }
    if (prometheus.enabled()) {
      prometheus.rules().forEach(r -> out.add(r.name()));
    }
    http.forEach(h -> out.add(h.name()));
    return List.copyOf(out);
  }

  /**
   * Built-in names are reserved whether their check is on or not (an HTTP check called {@code quota} is
   * confusing either way); rule and HTTP names must differ from them and from each other. The later of
   * two equal names is the one reported.
   */
  private static void requireUniqueNames(PrometheusGateSettings prometheus, List<HttpCheck.Settings> http) {
    Map<String, String> owner = new HashMap<>();
    BUILT_IN.forEach(e -> owner.put(e.getKey(), e.getValue()));
    List<Map.Entry<String, String>> named = new ArrayList<>();
    for (int i = 0; i < prometheus.rules().size(); i++) {
      named.add(Map.entry(prometheus.rules().get(i).name(), "gates.prometheus.rules[" + i + "].name"));
    }
    for (int i = 0; i < http.size(); i++) {
      named.add(Map.entry(http.get(i).name(), "gates.http[" + i + "].name"));
    }
    for (Map.Entry<String, String> n : named) {
      String first = owner.putIfAbsent(n.getKey(), n.getValue());
      if (first != null) {
        String by = first.endsWith(".name") ? "by " + first : "by the built-in check of " + first;
        throw new ConfigException(
            n.getValue(),
            "'" + Section.printable(n.getKey()) + "' is already used " + by
                + "; check names must be unique (they name freeze reasons and the rows of 'rotator check')");
      }
    }
  }

  private static void requireTimeoutCoversChecks(
      Duration checkTimeout,
      ApiServerSettings apiserver,
      QuotaSettings quota,
      EtcdSettings etcd,
      EtcdViaApiServerSettings etcdViaApiServer,
      PrometheusGateSettings prometheus,
      List<HttpCheck.Settings> http) {
    // {budget, how it is computed}: only enabled checks count.
    List<Map.Entry<Duration, String>> budgets = new ArrayList<>();
    if (apiserver.enabled()) {
      budgets.add(
          Map.entry(
              apiserver.worstCase(),
              (apiserver.settings().metrics().enabled() ? "4" : "3") + " × gates.apiserver.probeTimeout ("
                  + Durations.format(apiserver.settings().probeTimeout()) + ")"
                  + (apiserver.settings().metrics().enabled() ? ", with gates.apiserver.metrics.enabled" : "")));
    }
    if (quota.enabled()) {
      budgets.add(Map.entry(quota.timeout(), "gates.quota.timeout"));
    }
    if (etcd.enabled()) {
      budgets.add(
          Map.entry(etcd.worstCase(), "gates.etcd.timeout (" + Durations.format(etcd.timeout()) + ") + 500ms"));
    }
    if (etcdViaApiServer.enabled()) {
      budgets.add(
          Map.entry(
              etcdViaApiServer.worstCase(),
              "2 × gates.etcdViaApiServer.timeout (" + Durations.format(etcdViaApiServer.timeout()) + ")"));
    }
    if (prometheus.enabled()) {
      budgets.add(Map.entry(prometheus.timeout(), "gates.prometheus.timeout"));
    }
    for (int i = 0; i < http.size(); i++) {
      budgets.add(Map.entry(http.get(i).timeout(), "gates.http[" + i + "].timeout"));
    }
    Map.Entry<Duration, String> worst = null;
    for (Map.Entry<Duration, String> b : budgets) {
      if (worst == null || b.getKey().compareTo(worst.getKey()) > 0) {
        worst = b;
      }
    }
    if (worst != null && checkTimeout.compareTo(worst.getKey()) < 0) {
      String need = Durations.format(worst.getKey());
      throw new ConfigException(
          "gates.checkTimeout",
          Durations.format(checkTimeout) + " is shorter than a check may take by its own settings: "
              + worst.getValue() + " = " + need
              + "; set gates.checkTimeout to at least " + need + ", or lower " + keyOf(worst.getValue()));
    }
  }

  /** The key path inside a budget description ({@code 3 × gates.apiserver.probeTimeout (2s)}). */
  private static String keyOf(String description) {
    int start = description.indexOf("gates.");
    int end = start;
    while (end < description.length() && !Character.isWhitespace(description.charAt(end))) {
      end++;
    }
    return description.substring(start, end);
  }

  /**
   * The checks that need nothing but the {@link Cluster} port: cluster-state only.
   *
   * @deprecated builds a subset of the configured checks; the CLI's {@code GateFactory} builds them all.
   *     Kept until {@code Session} uses the factory.
   */
  @Deprecated
  public List<HealthCheck> checks(Cluster cluster, Clock clock) {
    List<HealthCheck> checks = new ArrayList<>();
    if (clusterState.enabled()) {
      checks.add(new ClusterStateCheck(cluster, clock, clusterState.toCheckSettings()));
    }
    return List.copyOf(checks);
  }

  /**
   * The gate over {@link #checks(Cluster, Clock)}. The caller closes it (it owns a thread pool).
   *
   * @deprecated see {@link #checks(Cluster, Clock)}
   */
  @Deprecated
  public CompositeGate gate(Cluster cluster, Clock clock) {
    return new CompositeGate(checks(cluster, clock), consecutivePasses, checkTimeout, unknownGrace, clock);
  }
}
