package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.config.ProviderSettings.GkeStrategy;
import dev.rotator.provider.aws.AwsSettings;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import dev.rotator.provider.gke.GkeNativeUpgrade.OnStop;
import dev.rotator.provider.gke.GkeSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** provider.*: what each key turns into, and what the provider modules' own settings classes see. */
class ProviderConfigTest {

  private static ProviderSettings provider(String yaml) {
    return ConfigLoader.parse(yaml, "t").provider();
  }

  @Test
  @DisplayName("no provider section is the fake provider, with no cloud settings")
  void fakeByDefault() {
    ProviderSettings p = provider("");
    assertEquals(ProviderSettings.Type.FAKE, p.type());
    assertEquals(Optional.empty(), p.aws());
    assertEquals(Optional.empty(), p.gke());
    assertEquals(ProviderSettings.fake(), provider("provider:\n  type: Fake\n"));
  }

  @Test
  @DisplayName("aws with only groupNames gets the provider's own defaults")
  void awsDefaults() {
    ProviderSettings p = provider(BadConfigTest.aws(""));
    assertEquals(ProviderSettings.Type.AWS, p.type());
    AwsSettings a = p.aws().orElseThrow();
    assertEquals(AwsSettings.builder().groupNames(List.of("workers")).build(), a);
    assertEquals("", a.region());
    assertEquals(List.of("AZRebalance"), a.suspendProcesses());
    assertEquals(AwsSettings.Endpoints.none(), a.endpoints());
    assertEquals(Optional.empty(), p.gke());
  }

  @Test
  @DisplayName("aws: tags only, in document order; process names in any case become the API's spelling")
  void awsTagsAndProcesses() {
    AwsSettings a =
        provider(
                "provider:\n  type: aws\n  aws:\n    groupTags:\n      kubernetes.io/cluster/prod: owned\n"
                    + "      k8s.io/cluster-autoscaler/enabled: \"true\"\n      empty: ''\n"
                    + "    suspendProcesses: [azRebalance, REPLACE_UNHEALTHY]\n")
            .aws()
            .orElseThrow();
    assertEquals(List.of(), a.groupNames());
    assertEquals(
        Map.of("kubernetes.io/cluster/prod", "owned", "k8s.io/cluster-autoscaler/enabled", "true", "empty", ""),
        a.groupTags());
    assertEquals(List.of("AZRebalance", "ReplaceUnhealthy"), a.suspendProcesses());
    assertEquals(List.of(), provider(BadConfigTest.aws("    suspendProcesses: []\n")).aws().orElseThrow().suspendProcesses());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http://127.0.0.1:4566", "http://localhost:4566/", "http://[::1]:4566", "https://vpce-1.ec2.eu-west-1.vpce.amazonaws.com"})
  @DisplayName("aws endpoints: https anywhere, plain http only to a fake on this machine")
  void awsEndpoints(String url) {
    AwsSettings a = provider(BadConfigTest.aws("    endpoints: {ec2: '" + url + "'}\n")).aws().orElseThrow();
    assertEquals(new AwsSettings.Endpoints(null, URI.create(url), null), a.endpoints());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"us-east-1", "us-gov-west-1", "cn-northwest-1", "ap-southeast-4", "il-central-1"})
  @DisplayName("aws regions of every partition are accepted")
  void awsRegions(String region) {
    assertEquals(region, provider(BadConfigTest.aws("    region: " + region + "\n")).aws().orElseThrow().region());
  }

  @Test
  @DisplayName("gke with only project, location and cluster gets the provider's own defaults and the nodes strategy")
  void gkeDefaults() {
    ProviderSettings p = provider(BadConfigTest.gke(""));
    assertEquals(ProviderSettings.Type.GKE, p.type());
    assertEquals(GkeSettings.defaults("my-project", "europe-west1", "prod"), p.gke().orElseThrow());
    assertEquals(GkeStrategy.NODES, p.gkeStrategy());
    assertEquals(Optional.empty(), p.gkeNativeUpgrade());
    assertEquals(Optional.empty(), p.aws());
    assertTrue(p.gke().orElseThrow().regional());
  }

  @Test
  @DisplayName("gke: every key reaches GkeSettings, retry.* into its retry fields")
  void gkeKeys() {
    GkeSettings g =
        provider(
                BadConfigTest.gke(
                    "    nodePools: [default-pool]\n    targetVersion: v1.31.4\n    maxPoolSize: 12\n    checkQuota: false\n"
                        + "    containerEndpoint: 127.0.0.1:8443\n    computeEndpoint: http://127.0.0.1:8080\n    plaintext: true\n"
                        + "    callTimeout: 5s\n    operationTimeout: 2h\n    pollInterval: 2s\n"
                        + "    retry: {attempts: 2, initialBackoff: 100ms, maxBackoff: 1s}\n    cacheTtl: 0s\n"))
            .gke()
            .orElseThrow();
    assertEquals(
        new GkeSettings(
            "my-project", "europe-west1", "prod", List.of("default-pool"), "v1.31.4", 12, false, "127.0.0.1:8443",
            "http://127.0.0.1:8080", true, Duration.ofSeconds(5), Duration.ofHours(2), Duration.ofSeconds(2), 2,
            Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ZERO),
        g);
  }

  @Test
  @DisplayName("gke: a zone, a project number and a domain-scoped project are accepted")
  void gkeCoordinates() {
    GkeSettings g =
        provider("provider:\n  type: gke\n  gke: {project: '123456789012', location: us-central1-c, cluster: a}\n")
            .gke()
            .orElseThrow();
    assertFalse(g.regional());
    assertEquals("projects/123456789012/locations/us-central1-c/clusters/a", g.clusterName());
    assertEquals(
        "example.com:my-project",
        provider("provider:\n  type: gke\n  gke: {project: 'example.com:my-project', location: us-central1, cluster: a}\n")
            .gke()
            .orElseThrow()
            .project());
  }

  @Test
  @DisplayName("strategy native without a nativeUpgrade section: surge 1/0, cancel on stop")
  void nativeDefaults() {
    ProviderSettings p = provider(BadConfigTest.gke("    strategy: native\n"));
    assertEquals(GkeStrategy.NATIVE, p.gkeStrategy());
    assertEquals(
        new GkeNativeUpgrade.Spec(GkeNativeUpgrade.Strategy.SURGE, 1, 0, 1, 0f, Duration.ZERO, Duration.ofHours(1), OnStop.CANCEL, false, true),
        p.gkeNativeUpgrade().orElseThrow());
  }

  @Test
  @DisplayName("native blue-green: batchPercentage replaces batchNodeCount; completeAfterSoak lifts the soak-vs-timeout rule")
  void nativeBlueGreen() {
    GkeNativeUpgrade.Spec s =
        provider(
                BadConfigTest.gkeNative(
                    "strategy: BLUE_GREEN, batchPercentage: 0.5, batchSoak: 1m, nodePoolSoak: 2h, completeAfterSoak: true, onStop: detach,"
                        + " rollbackRespectsPdb: false"))
            .gkeNativeUpgrade()
            .orElseThrow();
    assertEquals(
        new GkeNativeUpgrade.Spec(
            GkeNativeUpgrade.Strategy.BLUE_GREEN, 1, 0, 0, 0.5f, Duration.ofMinutes(1), Duration.ofHours(2), OnStop.DETACH, true, false),
        s);
    // Without completeAfterSoak the operation timeout must outlast the soak.
    GkeNativeUpgrade.Spec waits =
        provider(
                BadConfigTest.gke(
                    "    operationTimeout: 3h\n    strategy: native\n    nativeUpgrade: {strategy: blue-green, nodePoolSoak: 2h}\n"))
            .gkeNativeUpgrade()
            .orElseThrow();
    assertEquals(Duration.ofHours(2), waits.nodePoolSoak());
    assertEquals(1, waits.batchNodeCount());
  }

  @Test
  @DisplayName("a credential's value never appears in the error, neither as a key's value nor in an endpoint")
  void credentialsNotEchoed() {
    String secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
    for (String yaml :
        List.of(
            BadConfigTest.aws("    secretAccessKey: " + secret + "\n"),
            BadConfigTest.gke("    serviceAccountKey: '" + secret + "'\n"),
            BadConfigTest.aws("    endpoints: {ec2: 'https://AKIA:" + secret + "@ec2.local'}\n"),
            BadConfigTest.aws("    endpoints: {ec2: 'https://AKIA:" + secret + "@ec2 local'}\n"))) {
      ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "t"));
      assertFalse(e.getMessage().contains(secret), e.getMessage());
      assertFalse(e.getMessage().contains("AKIA"), e.getMessage());
    }
  }

  @Test
  @DisplayName("a provider error inside a scenario's rotator: subtree names the key with the prefix")
  void prefixed() {
    JsonNode tree = ConfigLoader.readYaml(BadConfigTest.aws("    maxAttempts: 0\n"), "s.yaml");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree(tree, "s.yaml", "rotator"));
    assertEquals("rotator.provider.aws.maxAttempts", e.keyPath());
  }

  @Test
  @DisplayName("GkeSettings' own refusals land on the key they name, retry fields under retry.*")
  void gkeMessagesMapped() {
    Section g = Section.of(null, "provider.gke", Schema.lookup("provider.gke"));
    for (String[] c :
        List.of(
            new String[] {"gke retryAttempts must be within [1, 10], got 0", "provider.gke.retry.attempts", "must be within [1, 10], got 0"},
            new String[] {"gke retryMaxBackoff must be >= retryInitialBackoff", "provider.gke.retry.maxBackoff", "must be >= retryInitialBackoff"},
            new String[] {"gke node pool name 'X' is not a valid pool name", "provider.gke.nodePools", "'X' is not a valid pool name"},
            new String[] {"not a GKE version: 'x' (expected like 1.31.4)", "provider.gke.targetVersion", "'x' (expected like 1.31.4)"},
            new String[] {"gke cacheTtl must not be negative", "provider.gke.cacheTtl", "must not be negative"},
            new String[] {"something else entirely", "provider.gke", "something else entirely"})) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> g.build(() -> { throw new IllegalArgumentException(c[0]); }, ConfigLoader::gkeMessage));
      assertEquals(c[1], e.keyPath(), c[0]);
      assertEquals(c[2], e.problem(), c[0]);
    }
  }

  @Test
  @DisplayName("ProviderSettings built in code keeps settings and type together")
  void recordRules() {
    AwsSettings aws = AwsSettings.builder().groupNames(List.of("a")).build();
    GkeSettings gke = GkeSettings.defaults("my-project", "europe-west1", "c");
    GkeNativeUpgrade.Spec spec = GkeNativeUpgrade.Spec.surge(1, 0, OnStop.CANCEL);
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProviderSettings(ProviderSettings.Type.FAKE, Optional.of(aws), Optional.empty(), GkeStrategy.NODES, Optional.empty()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProviderSettings(ProviderSettings.Type.AWS, Optional.empty(), Optional.empty(), GkeStrategy.NODES, Optional.empty()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProviderSettings(ProviderSettings.Type.GKE, Optional.empty(), Optional.of(gke), GkeStrategy.NATIVE, Optional.empty()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProviderSettings(ProviderSettings.Type.GKE, Optional.empty(), Optional.of(gke), GkeStrategy.NODES, Optional.of(spec)));
    assertEquals(GkeStrategy.NATIVE, ProviderSettings.gkeNative(gke, spec).gkeStrategy());
  }
}
