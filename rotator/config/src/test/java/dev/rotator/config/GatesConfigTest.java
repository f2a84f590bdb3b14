package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import dev.rotator.health.prometheus.PrometheusSettings;
import dev.rotator.health.quota.QuotaHeadroomCheck;
import dev.rotator.health.versionskew.VersionSkewCheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The gates section: what each key turns into, and the rules that span checks. */
class GatesConfigTest {

  private static GateSettings gates(String yaml) {
    return ConfigLoader.parse(yaml, "t").gates();
  }

  private static RotatorConfig example() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 6 && dir != null; i++, dir = dir.getParent()) {
      Path f = dir.resolve("docs/examples/rotator.yaml");
      if (Files.isRegularFile(f)) {
        return ConfigLoader.load(f);
      }
    }
    throw new IllegalStateException("docs/examples/rotator.yaml not found");
  }

  @Test
  @DisplayName("defaults: cluster-state, apiserver, version-skew and quota on; etcd, Prometheus and HTTP checks off")
  void defaults() {
    GateSettings d = ConfigLoader.defaults().gates();
    assertEquals(GateSettings.defaults(), d);
    assertEquals(List.of("cluster-state", "apiserver", "version-skew", "quota"), d.checkNames());
    assertEquals(ApiServerLatencyCheck.Settings.defaults(), d.apiserver().settings());
    assertEquals(VersionSkewCheck.Settings.defaults(), d.versionSkew().toCheckSettings(SelectorSettings.defaults()));
    assertFalse(d.prometheus().enabled());
    assertEquals(List.of("{severity=\"critical\"}"), d.prometheus().alertMatchers());
    assertFalse(d.etcd().enabled());
    assertFalse(d.etcdViaApiServer().enabled());
    assertEquals(List.of(), d.http());
  }

  @Test
  @DisplayName("the complete example turns on every check, in the documented order")
  void exampleNames() throws IOException {
    assertEquals(
        List.of(
            "cluster-state",
            "apiserver",
            "version-skew",
            "quota",
            "etcd",
            "etcd-apiserver",
            "prometheus-alerts",
            "ingress-5xx-ratio",
            "apiserver-slo-burn",
            "ingress-healthz",
            "payments-ready"),
        example().gates().checkNames());
  }

  @Test
  @DisplayName("numbers: integers and decimals, kept exact; maxErrorPercent is a percentage of the check's fraction")
  void numbers() {
    GateSettings g =
        gates(
            "gates:\n  apiserver: {maxErrorPercent: 2.5}\n  prometheus:\n    rules:\n"
                + "      - {name: a, expr: up, op: '<', threshold: 1}\n"
                + "      - {name: b, expr: up, op: '<=', threshold: -0.1}\n"
                + "      - {name: c, expr: up, op: '>=', threshold: 1.5e-3}\n"
                + "      - {name: d, expr: up, op: ' > ', threshold: 0}\n");
    assertEquals(0.025, g.apiserver().settings().maxErrorRate());
    List<PromQlThresholdCheck.Rule> rules = g.prometheus().rules();
    assertEquals(1.0, rules.get(0).threshold());
    assertEquals(PromQlThresholdCheck.Op.LT, rules.get(0).op());
    assertEquals(-0.1, rules.get(1).threshold());
    assertEquals(PromQlThresholdCheck.Op.LE, rules.get(1).op());
    assertEquals(0.0015, rules.get(2).threshold());
    assertEquals(PromQlThresholdCheck.Op.GT, rules.get(3).op());
    assertEquals(PromQlThresholdCheck.EmptyIs.UNKNOWN, rules.get(0).emptyIs());
    assertEquals(0.0, gates("gates:\n  apiserver: {maxErrorPercent: 0}\n").apiserver().settings().maxErrorRate());
    assertEquals(1.0, gates("gates:\n  apiserver: {maxErrorPercent: 100}\n").apiserver().settings().maxErrorRate());
  }

  @Test
  @DisplayName("lists: block and flow style, matchers without braces, verbs in any case; an empty key is an empty list")
  void lists() {
    GateSettings g =
        gates(
            "gates:\n  apiserver:\n    probes:\n      - /livez\n      - \"/api/v1/namespaces?limit=1\"\n"
                + "    metrics: {excludeVerbs: [watch, Connect]}\n"
                + "  prometheus:\n    alertMatchers:\n      - severity=\"critical\"\n      - '{team=~\"infra|platform\", severity!=\"info\"}'\n"
                + "  quota:\n    groups: [a, b]\n  http:\n");
    assertEquals(List.of("/livez", "/api/v1/namespaces?limit=1"), g.apiserver().settings().probes());
    assertEquals(Set.of("WATCH", "CONNECT"), g.apiserver().settings().metrics().excludeVerbs());
    assertEquals(
        List.of("severity=\"critical\"", "{team=~\"infra|platform\", severity!=\"info\"}"),
        g.prometheus().alertMatchers());
    assertEquals(List.of("a", "b"), g.quota().groups());
    assertEquals(List.of(), g.http());
  }

  @Test
  @DisplayName("an HTTP check with only name and url gets the check's own defaults")
  void httpDefaults() {
    GateSettings g = gates("gates:\n  http:\n    - name: web\n      url: https://example.com/healthz\n");
    assertEquals(List.of(HttpCheck.Settings.defaults("web", "https://example.com/healthz")), g.http());
  }

  @Test
  @DisplayName("Prometheus: rules only (alertMatchers: []) builds no alerts check; a disabled, empty section is fine")
  void prometheusRulesOnly() {
    GateSettings g =
        gates(
            "gates:\n  prometheus:\n    enabled: true\n    url: http://127.0.0.1:9090/prom/\n    alertMatchers: []\n"
                + "    rules: [{name: burn, expr: 'slo:burn > 2', op: '>', threshold: 2, emptyIs: healthy}]\n");
    assertEquals(List.of("cluster-state", "apiserver", "version-skew", "quota", "burn"), g.checkNames());
    PrometheusSettings p = g.prometheus().toCheckSettings();
    assertEquals(List.of(), p.alertMatchers());
    assertEquals(PromQlThresholdCheck.EmptyIs.HEALTHY, p.rules().get(0).emptyIs());
    assertEquals(1, p.checks().size());

    GateSettings off = gates("gates:\n  prometheus: {alertMatchers: []}\n");
    assertFalse(off.prometheus().enabled());
    assertThrows(IllegalStateException.class, () -> off.prometheus().toCheckSettings());
  }

  @Test
  @DisplayName("version skew: the target defaults to selector.kubeletVersionBelow; an explicit one wins")
  void versionSkewTarget() {
    RotatorConfig fromSelector = ConfigLoader.parse("selector:\n  kubeletVersionBelow: v1.31.2\n", "t");
    assertEquals(
        new VersionSkewCheck.Settings(OptionalInt.empty(), Optional.of("v1.31.2")),
        fromSelector.gates().versionSkew().toCheckSettings(fromSelector.selector()));

    RotatorConfig explicit =
        ConfigLoader.parse(
            "selector:\n  kubeletVersionBelow: v1.31.2\ngates:\n  versionSkew: {maxMinorSkew: 1, targetVersion: v1.32}\n", "t");
    assertEquals(
        new VersionSkewCheck.Settings(OptionalInt.of(1), Optional.of("v1.32")),
        explicit.gates().versionSkew().toCheckSettings(explicit.selector()));
  }

  @Test
  @DisplayName("quota: minHeadroom defaults to policy.maxSurge; 0 is kept (only readability checked)")
  void quotaHeadroom() {
    RotatorConfig surge3 = ConfigLoader.parse("policy:\n  maxSurge: 3\ngates:\n  quota: {groups: [g1]}\n", "t");
    assertEquals(
        new QuotaHeadroomCheck.Settings(List.of("g1"), 3, Duration.ofSeconds(5)),
        surge3.gates().quota().toCheckSettings(surge3.policy()));
    RotatorConfig zero = ConfigLoader.parse("policy:\n  maxSurge: 3\ngates:\n  quota: {minHeadroom: 0, timeout: 1s}\n", "t");
    assertEquals(
        new QuotaHeadroomCheck.Settings(List.of(), 0, Duration.ofSeconds(1)),
        zero.gates().quota().toCheckSettings(zero.policy()));
  }

  @Test
  @DisplayName("etcd: endpoints normalised and TLS files as paths in the check's settings (files are not read here)")
  void etcd() {
    GateSettings g =
        gates(
            "gates:\n  etcd:\n    enabled: true\n    endpoints: ['HTTPS://10.0.0.1:2379/', 'https://10.0.0.2:2379']\n"
                + "    caFile: /nonexistent/ca.crt\n    certFile: /nonexistent/c.crt\n    keyFile: /nonexistent/c.key\n");
    EtcdQuorumCheck.Settings s = g.etcd().toCheckSettings();
    assertEquals(List.of(URI.create("https://10.0.0.1:2379"), URI.create("https://10.0.0.2:2379")), s.endpoints());
    assertEquals(Path.of("/nonexistent/ca.crt"), s.caFile());
    assertEquals(Path.of("/nonexistent/c.key"), s.keyFile());
    assertEquals(Duration.ofSeconds(2), s.timeout());
  }

  @Test
  @DisplayName("checkTimeout: equal to the longest budget is enough, and disabled checks do not count")
  void checkTimeoutBudget() {
    assertEquals(Duration.ofSeconds(6), gates("gates:\n  checkTimeout: 6s\n").checkTimeout());
    GateSettings g =
        gates(
            "gates:\n  checkTimeout: 1s\n  apiserver: {enabled: false, probeTimeout: 60s}\n  quota: {enabled: false, timeout: 60s}\n"
                + "  etcdViaApiServer: {timeout: 30s}\n  prometheus: {timeout: 5m}\n  http: [{name: a, url: 'http://x/', timeout: 1s}]\n");
    assertEquals(List.of("cluster-state", "version-skew", "a"), g.checkNames());
  }

  @Test
  @DisplayName("a GateSettings built in code obeys the same cross-check rules, with the same key paths")
  void recordRules() {
    GateSettings d = GateSettings.defaults();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                new GateSettings(
                    2, Duration.ofSeconds(1), d.clusterState(), d.apiserver(), d.versionSkew(), d.quota(), d.etcd(),
                    d.etcdViaApiServer(), d.prometheus(), List.of()));
    assertEquals("gates.checkTimeout", e.keyPath());
    ConfigException dup =
        assertThrows(
            ConfigException.class,
            () ->
                new GateSettings(
                    2, Duration.ofSeconds(10), d.clusterState(), d.apiserver(), d.versionSkew(), d.quota(), d.etcd(),
                    d.etcdViaApiServer(), d.prometheus(),
                    List.of(HttpCheck.Settings.defaults("apiserver", "http://x/"))));
    assertEquals("gates.http[0].name", dup.keyPath());
  }

  @Test
  @DisplayName("errors inside list elements keep their path under a scenario's prefix")
  void prefixedElementPath() {
    JsonNode tree = ConfigLoader.readYaml("gates:\n  http:\n    - {name: a, url: 'gopher://x'}\n", "s.yaml");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree(tree, "s.yaml", "rotator"));
    assertEquals("rotator.gates.http[0].url", e.keyPath());
    assertTrue(e.problem().startsWith("must be an http:// or https:// URL"), e.problem());
  }
}
