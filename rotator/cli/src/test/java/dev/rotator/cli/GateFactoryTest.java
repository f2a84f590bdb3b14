package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.config.ConfigException;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.apiserver.ApiServerLatencyCheck;
import dev.rotator.health.clusterstate.ClusterStateCheck;
import dev.rotator.health.etcd.ApiServerEtcdCheck;
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.health.http.HttpCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck;
import dev.rotator.health.prometheus.PrometheusAlertsCheck;
import dev.rotator.health.quota.QuotaHeadroomCheck;
import dev.rotator.health.versionskew.VersionSkewCheck;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeGroupSpec;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GateFactoryTest {
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
  private static final Supplier<Instant> NO_ROTATION = () -> null;

  /** fabric8's mock API server in CRUD mode, as the simulator and the CLI tests use it. */
  private static KubernetesMockServer crud;

  private static KubernetesClient crudClient;

  private final ManualClock clock = new ManualClock(NOW);
  private final InMemoryCluster cluster = new InMemoryCluster();
  private final FakeCloud cloud = new FakeCloud(clock);

  @BeforeAll
  static void startMock() {
    crud =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    crud.init(InetAddress.getLoopbackAddress(), 0);
    crudClient = client(crud);
  }

  @AfterAll
  static void stopMock() {
    crudClient.close();
    crud.destroy();
  }

  private static KubernetesClient client(KubernetesMockServer server) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + server.getPort() + "/")
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static NodeInfo node(String name, String kubelet, Instant created) {
    return new NodeInfo(name, Map.of(), Map.of(), kubelet, "", true, false, created, List.of());
  }

  private List<HealthCheck> checks(RotatorConfig config, KubernetesClient client, Supplier<Instant> start) {
    return GateFactory.checks(config.gates(), config, cluster, client, cloud, clock, start, g -> 0);
  }

  private static List<String> names(List<HealthCheck> checks) {
    return checks.stream().map(HealthCheck::name).toList();
  }

  private static RotatorConfig config(String yaml) {
    return ConfigLoader.parse(yaml, "test.yaml");
  }

  /**
   * A gates section with the four checks that are on by default turned off, except those {@code extra}
   * (lines under {@code gates:}) configures itself: isolates the checks under test.
   */
  private static String only(String extra) {
    StringBuilder b = new StringBuilder("gates:\n");
    for (String key : List.of("clusterState", "apiserver", "versionSkew", "quota")) {
      if (!extra.contains("  " + key + ":")) {
        b.append("  ").append(key).append(": {enabled: false}\n");
      }
    }
    return b.append(extra).toString();
  }

  @Test
  @DisplayName("defaults build cluster-state, apiserver, version-skew and quota, in that order")
  void defaults() {
    List<HealthCheck> checks = checks(ConfigLoader.defaults(), crudClient, NO_ROTATION);
    assertEquals(List.of("cluster-state", "apiserver", "version-skew", "quota"), names(checks));
    assertInstanceOf(ClusterStateCheck.class, checks.get(0));
    assertEquals(ApiServerLatencyCheck.Settings.defaults(), assertInstanceOf(ApiServerLatencyCheck.class, checks.get(1)).settings());
    assertEquals(VersionSkewCheck.Settings.defaults(), assertInstanceOf(VersionSkewCheck.class, checks.get(2)).settings());
    assertEquals(QuotaHeadroomCheck.Settings.forMaxSurge(1), assertInstanceOf(QuotaHeadroomCheck.class, checks.get(3)).settings());
    assertEquals(
        List.of(ReasonCode.CLUSTER_UNHEALTHY, ReasonCode.API_LATENCY, ReasonCode.VERSION_SKEW, ReasonCode.CLOUD_QUOTA),
        checks.stream().map(HealthCheck::reasonCode).toList());
  }

  @Test
  @DisplayName("the complete example builds every check, each with its configured settings")
  void fullExample(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("client.crt");
    Path key = dir.resolve("client.key");
    selfSignedCertificate(cert, key);
    ObjectNode tree = (ObjectNode) ConfigLoader.readYaml(findExample());
    ObjectNode etcd = (ObjectNode) tree.get("gates").get("etcd");
    // A self-signed certificate is its own CA: enough for the check's TLS context to be built.
    etcd.put("caFile", cert.toString()).put("certFile", cert.toString()).put("keyFile", key.toString());
    RotatorConfig config = ConfigLoader.fromTree(tree, "rotator.yaml");

    List<HealthCheck> checks = checks(config, crudClient, NO_ROTATION);
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
        names(checks));
    assertEquals(config.gates().apiserver().settings(), ((ApiServerLatencyCheck) checks.get(1)).settings());
    assertTrue(((ApiServerLatencyCheck) checks.get(1)).settings().metrics().enabled());
    assertEquals(config.gates().versionSkew().toCheckSettings(config.selector()), ((VersionSkewCheck) checks.get(2)).settings());
    assertEquals(config.gates().quota().toCheckSettings(config.policy()), ((QuotaHeadroomCheck) checks.get(3)).settings());
    assertEquals(config.gates().etcd().toCheckSettings(), ((EtcdQuorumCheck) checks.get(4)).settings());
    assertEquals(config.gates().etcdViaApiServer().toCheckSettings(), ((ApiServerEtcdCheck) checks.get(5)).settings());
    assertEquals(config.gates().prometheus().alertMatchers(), ((PrometheusAlertsCheck) checks.get(6)).settings().alertMatchers());
    assertEquals(config.gates().prometheus().rules().get(0), ((PromQlThresholdCheck) checks.get(7)).settings().rule());
    assertEquals(config.gates().prometheus().rules().get(1), ((PromQlThresholdCheck) checks.get(8)).settings().rule());
    assertEquals(config.gates().http().get(0), ((HttpCheck) checks.get(9)).settings());
    assertEquals(config.gates().http().get(1), ((HttpCheck) checks.get(10)).settings());
    assertEquals(
        List.of(
            ReasonCode.CLUSTER_UNHEALTHY,
            ReasonCode.API_LATENCY,
            ReasonCode.VERSION_SKEW,
            ReasonCode.CLOUD_QUOTA,
            ReasonCode.ETCD_QUORUM,
            ReasonCode.ETCD_QUORUM,
            ReasonCode.ALERT_FIRING,
            ReasonCode.ALERT_FIRING,
            ReasonCode.ALERT_FIRING,
            ReasonCode.HTTP_CHECK,
            ReasonCode.HTTP_CHECK),
        checks.stream().map(HealthCheck::reasonCode).toList());
  }

  @Test
  @DisplayName("an etcd TLS file that cannot be read is a configuration error on its key, before any check runs")
  void etcdTlsFileMissing(@TempDir Path dir) throws IOException {
    RotatorConfig config = ConfigLoader.load(findExample()); // /etc/kubernetes/pki/... does not exist here
    ConfigException e = assertThrows(ConfigException.class, () -> checks(config, crudClient, NO_ROTATION));
    assertEquals("gates.etcd.caFile", e.keyPath());
    assertEquals("file not found: /etc/kubernetes/pki/etcd/ca.crt", e.problem());

    Path notPem = Files.writeString(dir.resolve("key.pem"), "not a key\n");
    Path cert = dir.resolve("c.crt");
    try {
      selfSignedCertificate(cert, dir.resolve("unused.key"));
    } catch (Exception ex) {
      fail(ex);
    }
    RotatorConfig badKey =
        config(
            only("  etcd:\n    enabled: true\n    endpoints: ['https://127.0.0.1:2379']\n    certFile: " + cert
                + "\n    keyFile: " + notPem + "\n"));
    ConfigException k = assertThrows(ConfigException.class, () -> checks(badKey, null, NO_ROTATION));
    assertEquals("gates.etcd.keyFile", k.keyPath());
    assertTrue(k.problem().contains("holds no PEM private key"), k.problem());
  }

  @Test
  @DisplayName("against fabric8's mock server the apiserver check answers with a measured result")
  void apiserverAgainstMockServer() {
    RotatorConfig config = config(only("  apiserver: {probes: [/version, \"/api/v1/nodes?limit=1\"]}\n"));
    List<HealthCheck> checks = checks(config, crudClient, NO_ROTATION);
    assertEquals(List.of("apiserver"), names(checks));
    CheckResult r = checks.get(0).check();
    assertEquals("apiserver", r.check());
    assertEquals(CheckResult.Status.HEALTHY, r.status(), r.reason());
    // The first check probes until the window holds minSamples (10) samples, all answered.
    assertEquals("10", r.values().get("samples"));
    assertEquals("0", r.values().get("errors"));
    assertEquals("200.0", r.values().get("p50ThresholdMs"));

    // The default probes too: the CRUD mock answers /readyz (and the simulator, built on it, does too).
    CheckResult d = checks(config(only("  apiserver: {enabled: true}\n")), crudClient, NO_ROTATION).get(0).check();
    assertEquals(CheckResult.Status.HEALTHY, d.status(), d.reason());
    assertEquals("10", d.values().get("samples"));
  }

  @Test
  @DisplayName("version-skew reads the API server's version from the client; the mock servers' non-versions make it UNKNOWN")
  void versionFromMockServer() {
    // In CRUD mode the mock answers /version without major and minor.
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> GateFactory.apiServerVersion(crudClient));
    assertTrue(e.getMessage().contains("no usable major/minor"), e.getMessage());
    cluster.addNode(node("n1", "v1.31.0", NOW.minus(Duration.ofDays(3))));
    HealthCheck skew = checks(config(only("  versionSkew: {enabled: true}\n")), crudClient, NO_ROTATION).get(0);
    CheckResult r = skew.check();
    assertEquals(CheckResult.Status.UNKNOWN, r.status(), r.reason());
    assertTrue(r.reason().startsWith("cannot read the API server's version"), r.reason());

    // In expectation mode it answers major "0", minor "0": not a Kubernetes version either.
    KubernetesMockServer plain =
        new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), false);
    plain.init(InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient c = client(plain)) {
      IllegalStateException zero = assertThrows(IllegalStateException.class, () -> GateFactory.apiServerVersion(c));
      assertTrue(zero.getMessage().contains("v0.0 (major 0)"), zero.getMessage());
      CheckResult z = checks(config(only("  versionSkew: {enabled: true}\n")), c, NO_ROTATION).get(0).check();
      assertEquals(CheckResult.Status.UNKNOWN, z.status(), z.reason());
    } finally {
      plain.destroy();
    }
  }

  @Test
  @DisplayName("gitVersion is used as is; without it v<major>.<minor>, with provider '+' minors; nothing usable throws")
  void versionFormats() {
    assertEquals(
        "v1.31.2-eks-1234",
        versionFrom(new VersionInfo.Builder().withMajor("1").withMinor("31").withGitVersion("v1.31.2-eks-1234").build()));
    assertEquals("v1.30", versionFrom(new VersionInfo.Builder().withMajor("1").withMinor("30+").build()));
    assertThrows(IllegalStateException.class, () -> versionFrom(new VersionInfo.Builder().withMajor("").withMinor("").build()));
    assertThrows(IllegalArgumentException.class, () -> versionFrom(new VersionInfo.Builder().withGitVersion("unknown").build()));
  }

  /** A mock API server (expectation mode) whose /version answers {@code version}. */
  private static KubernetesMockServer serverWithVersion(VersionInfo version) {
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), false);
    server.setVersionInfo(version);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  private static String versionFrom(VersionInfo version) {
    KubernetesMockServer server = serverWithVersion(version);
    try (KubernetesClient c = client(server)) {
      return GateFactory.apiServerVersion(c);
    } finally {
      server.destroy();
    }
  }

  @Test
  @DisplayName("version-skew: the selector's version is the target, and rotationStart decides what a replacement is")
  void versionSkewWiring() {
    KubernetesMockServer server =
        serverWithVersion(new VersionInfo.Builder().withMajor("1").withMinor("31").withGitVersion("v1.31.2").build());
    try (KubernetesClient c = client(server)) {
      cluster.addNode(node("old", "v1.30.4", NOW.minus(Duration.ofDays(30))));
      cluster.addNode(node("replacement", "v1.30.4", NOW.plus(Duration.ofMinutes(5))));
      RotatorConfig config = config("selector:\n  kubeletVersionBelow: v1.31.2\n" + only("  versionSkew: {enabled: true}\n"));

      HealthCheck idle = checks(config, c, NO_ROTATION).get(0);
      assertEquals(CheckResult.Status.HEALTHY, idle.check().status());

      HealthCheck rotating = checks(config, c, () -> NOW).get(0);
      CheckResult r = rotating.check();
      assertEquals(CheckResult.Status.UNHEALTHY, r.status(), r.reason());
      assertTrue(r.reason().contains("replacement (v1.30.4)") && r.reason().contains("not converging"), r.reason());
      assertEquals("v1.31.2", r.values().get("apiServerVersion"));
    } finally {
      server.destroy();
    }
  }

  @Test
  @DisplayName("quota: headroom for policy.maxSurge by default, asked of the given cloud")
  void quotaWiring() {
    cloud.addGroup(new FakeGroupSpec("g1", List.of("z1"), 2, 0, 10, 3, "v1", null, 1000, 1024, Duration.ZERO));
    CheckResult enough = checks(config("policy:\n  maxSurge: 3\n" + only("  quota: {enabled: true}\n")), null, NO_ROTATION).get(0).check();
    assertEquals(CheckResult.Status.HEALTHY, enough.status(), enough.reason());
    CheckResult short1 = checks(config("policy:\n  maxSurge: 4\n" + only("  quota: {enabled: true}\n")), null, NO_ROTATION).get(0).check();
    assertEquals(CheckResult.Status.UNHEALTHY, short1.status(), short1.reason());
    CheckResult explicit =
        checks(config("policy:\n  maxSurge: 4\n" + only("  quota: {enabled: true, minHeadroom: 3}\n")), null, NO_ROTATION).get(0).check();
    assertEquals(CheckResult.Status.HEALTHY, explicit.status(), explicit.reason());
  }

  @Test
  @DisplayName("the gate uses gates.consecutivePasses and gates.checkTimeout")
  void gateSettings() throws Exception {
    cluster.addNode(node("n1", "v1.31.0", NOW.minus(Duration.ofDays(3))));
    RotatorConfig passes = config(only("  clusterState: {enabled: true}\n  consecutivePasses: 3\n"));
    try (CompositeGate gate = GateFactory.gate(passes.gates(), passes, cluster, null, null, clock, NO_ROTATION, g -> 0)) {
      assertEquals(List.of("cluster-state"), names(gate.checks()));
      assertEquals(GateDecision.Verdict.WAIT, gate.evaluate("cordon n1").verdict());
      assertEquals(GateDecision.Verdict.WAIT, gate.evaluate("cordon n1").verdict());
      assertEquals(GateDecision.Verdict.PASS, gate.evaluate("cordon n1").verdict());
    }

    // A cluster that does not answer: the gate gives up after checkTimeout, not after the check's leisure.
    CountDownLatch release = new CountDownLatch(1);
    Cluster hanging =
        (Cluster)
            Proxy.newProxyInstance(
                Cluster.class.getClassLoader(),
                new Class<?>[] {Cluster.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("nodes")) {
                    release.await(5, TimeUnit.SECONDS);
                  }
                  try {
                    return method.invoke(cluster, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    RotatorConfig slow = config(only("  clusterState: {enabled: true}\n  checkTimeout: 200ms\n"));
    try (CompositeGate gate = GateFactory.gate(slow.gates(), slow, hanging, null, null, clock, NO_ROTATION, g -> 0)) {
      long start = System.nanoTime();
      List<CheckResult> results = gate.runAll();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(CheckResult.Status.UNKNOWN, results.get(0).status());
      assertTrue(results.get(0).reason().contains("no answer within 200 ms"), results.get(0).reason());
      assertTrue(ms < 3_000, "took " + ms + " ms");
    } finally {
      release.countDown();
    }
  }

  @Test
  @DisplayName("a check that needs the Kubernetes client says which key needs it when there is none")
  void missingClient() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> checks(ConfigLoader.defaults(), null, NO_ROTATION));
    assertTrue(e.getMessage().contains("gates.apiserver"), e.getMessage());
    // Checks that need no client are built without one.
    assertEquals(List.of("cluster-state"), names(checks(config(only("  clusterState: {enabled: true}\n")), null, NO_ROTATION)));
  }

  private static Path findExample() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 6 && dir != null; i++, dir = dir.getParent()) {
      Path f = dir.resolve("docs/examples/rotator.yaml");
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    throw new IllegalStateException("docs/examples/rotator.yaml not found above " + Path.of("").toAbsolutePath());
  }

  /** A self-signed EC certificate and its PKCS#8 key, made by the real openssl binary. */
  private static void selfSignedCertificate(Path cert, Path key) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "2", "-subj", "/CN=rotator-test", "-keyout", key.toString(), "-out", cert.toString())
            .redirectErrorStream(true)
            .redirectOutput(cert.resolveSibling(cert.getFileName() + ".openssl.log").toFile());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError("openssl is needed to make test certificates: apt-get install openssl", e);
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("openssl did not finish within 30 s");
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(
          "openssl failed: " + Files.readString(cert.resolveSibling(cert.getFileName() + ".openssl.log")));
    }
  }
}
