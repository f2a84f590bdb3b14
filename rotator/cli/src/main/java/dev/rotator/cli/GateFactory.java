package dev.rotator.cli;

import dev.rotator.config.ConfigException;
import dev.rotator.config.GateSettings;
import dev.rotator.config.GateSettings.EtcdSettings;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.KubeVersion;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.clusterstate.ClusterStateCheck;
import dev.rotator.health.etcd.ApiServerEtcdCheck;
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.health.etcd.InvalidTlsMaterialException;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.quota.QuotaHeadroomCheck;
import dev.rotator.health.versionskew.VersionSkewCheck;
import dev.rotator.provider.CloudProvider;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Builds the health checks rotator.yaml enables (the {@code gates} section, already validated by the
 * config loader) from what the CLI has at hand: the {@link Cluster} port, the Kubernetes client, the cloud
 * provider and the clock.
 *
 * <p>The order is fixed and is the order of {@link GateSettings#checkNames()}, which docs/configuration.md
 * documents and {@code rotator check} shows: cluster-state, apiserver, version-skew, quota, etcd,
 * etcd-apiserver, prometheus-alerts, the Prometheus rules, the HTTP checks. Building a check makes no
 * network call; the etcd client's TLS files are read here, and a file that cannot be used is a {@link
 * ConfigException} on its key (the CLI exits 2 before anything touches the cluster).
 */
final class GateFactory {
  private GateFactory() {}

  /**
   * Every enabled check, in the documented order.
   *
   * @param gates the gate settings (usually {@code config.gates()}; a scenario may override them)
   * @param config the rest of the configuration: {@code selector.kubeletVersionBelow} is the version-skew
   *     target when none is set, {@code policy.maxSurge} the quota headroom when none is set
   * @param client the Kubernetes client; the apiserver and etcd-apiserver checks use its HTTP stack and
   *     credentials, version-skew asks it for the API server's version
   * @param rotationStart when the running rotation started, null when none runs (version-skew checks
   *     replacements only during a rotation)
   * @param surgeInPlace per group, instances rotator's surge already added (the quota check counts them as
   *     headroom this rotation still has)
   * @throws ConfigException when the etcd check's TLS files cannot be used
   */
  static List<HealthCheck> checks(
      GateSettings gates,
      RotatorConfig config,
      Cluster cluster,
      KubernetesClient client,
      CloudProvider cloud,
      Clock clock,
      Supplier<Instant> rotationStart,
      ToIntFunction<String> surgeInPlace) {
    Objects.requireNonNull(gates, "gates");
    Objects.requireNonNull(config, "config");
    List<HealthCheck> checks = new ArrayList<>();
    if (gates.clusterState().enabled()) {
      checks.add(
          new ClusterStateCheck(
              Objects.requireNonNull(cluster, "cluster"),
              Objects.requireNonNull(clock, "clock"),
              gates.clusterState().toCheckSettings()));
    }
    if (gates.apiserver().enabled()) {
      checks.add(new ApiServerLatencyCheck(need(client, "gates.apiserver"), gates.apiserver().settings()));
    }
    if (gates.versionSkew().enabled()) {
      KubernetesClient k = need(client, "gates.versionSkew");
      checks.add(
          new VersionSkewCheck(
              Objects.requireNonNull(cluster, "cluster"),
              () -> apiServerVersion(k),
              Objects.requireNonNull(rotationStart, "rotationStart"),
              gates.versionSkew().toCheckSettings(config.selector())));
    }
    if (gates.quota().enabled()) {
      checks.add(
          new QuotaHeadroomCheck(
              Objects.requireNonNull(cloud, "cloud (needed by gates.quota)"),
              gates.quota().toCheckSettings(config.policy()),
              Objects.requireNonNull(surgeInPlace, "surgeInPlace")));
    }
    if (gates.etcd().enabled()) {
      checks.add(etcd(gates.etcd()));
    }
    if (gates.etcdViaApiServer().enabled()) {
      checks.add(
          new ApiServerEtcdCheck(
              need(client, "gates.etcdViaApiServer"), gates.etcdViaApiServer().toCheckSettings()));
    }
    if (gates.prometheus().enabled()) {
      // One HTTP client for the alerts check and every rule.
      checks.addAll(gates.prometheus().toCheckSettings().checks());
    }
    for (HttpCheck.Settings h : gates.http()) {
      checks.add(new HttpCheck(h));
    }
    List<String> names = checks.stream().map(HealthCheck::name).toList();
    if (!names.equals(gates.checkNames())) {
      // GateSettings validated the names against this order; a difference is a bug here or there.
      throw new IllegalStateException("bug: built checks " + names + ", expected " + gates.checkNames());
    }
    return List.copyOf(checks);
  }

  /**
   * The gate over {@link #checks}, with {@code gates.consecutivePasses}, {@code gates.checkTimeout} and {@code
   * gates.unknownGrace} (measured on {@code clock}).
   * The caller closes it (it owns a thread pool).
   */
  static CompositeGate gate(
      GateSettings gates,
      RotatorConfig config,
      Cluster cluster,
      KubernetesClient client,
      CloudProvider cloud,
      Clock clock,
      Supplier<Instant> rotationStart,
      ToIntFunction<String> surgeInPlace) {
    return new CompositeGate(
        checks(gates, config, cluster, client, cloud, clock, rotationStart, surgeInPlace),
        gates.consecutivePasses(),
        gates.checkTimeout(),
        gates.unknownGrace(),
        clock);
  }

  /**
   * The API server's version as {@link VersionSkewCheck} reads it: {@code gitVersion} ({@code
   * v1.31.2-eks-1234}), or {@code v<major>.<minor>} when the server sends no gitVersion (managed offerings
   * write minors like {@code 31+}).
   *
   * @throws IllegalStateException when the answer holds no usable version. fabric8's mock server answers
   *     major "0", minor "0"; no Kubernetes release has major 0, and judging kubelets against "v0.0" would
   *     call every one of them newer than the API server. The check turns this into UNKNOWN.
   */
  static String apiServerVersion(KubernetesClient client) {
    VersionInfo v = client.getKubernetesVersion();
    if (v == null) {
      throw new IllegalStateException("the API server answered /version with nothing");
    }
    String text;
    if (v.getGitVersion() != null && !v.getGitVersion().isBlank()) {
      text = v.getGitVersion().strip();
    } else {
      String major = leadingDigits(v.getMajor());
      String minor = leadingDigits(v.getMinor());
      if (major.isEmpty() || minor.isEmpty()) {
        throw new IllegalStateException(
            "the API server's /version has no gitVersion and no usable major/minor (major '" + v.getMajor()
                + "', minor '" + v.getMinor() + "')");
      }
      text = "v" + major + "." + minor;
    }
    KubeVersion parsed = KubeVersion.parse(text); // an IllegalArgumentException says "unreadable"
    if (parsed.major() < 1) {
      throw new IllegalStateException(
          "the API server reports version " + text + " (major " + parsed.major()
              + "), which no Kubernetes release has; refusing to judge skew against it");
    }
    return text;
  }

  private static String leadingDigits(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int end = 0;
    while (end < t.length() && end < 6 && Character.isDigit(t.charAt(end))) {
      end++;
    }
    return t.substring(0, end);
  }

  private static HealthCheck etcd(EtcdSettings etcd) {
    try {
      return new EtcdQuorumCheck(etcd.toCheckSettings());
    } catch (InvalidTlsMaterialException e) {
      // PemTls names the file; put the error on the key that configured it (the longest match, in case
      // one path is a prefix of another).
      String msg = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").strip();
      String key = "gates.etcd";
      int matched = 0;
      for (Map.Entry<String, Optional<String>> f :
          List.of(
              Map.entry("caFile", etcd.caFile()),
              Map.entry("certFile", etcd.certFile()),
              Map.entry("keyFile", etcd.keyFile()))) {
        String path = f.getValue().orElse("");
        if (!path.isEmpty() && msg.contains(path) && path.length() > matched) {
          key = "gates.etcd." + f.getKey();
          matched = path.length();
        }
      }
      if (e.getCause() instanceof NoSuchFileException missing) {
        msg = "file not found: " + missing.getFile();
      }
      ConfigException c = new ConfigException(key, msg);
      c.initCause(e);
      throw c;
    }
  }

  private static KubernetesClient need(KubernetesClient client, String key) {
    return Objects.requireNonNull(client, "client (needed by " + key + ")");
  }
}
