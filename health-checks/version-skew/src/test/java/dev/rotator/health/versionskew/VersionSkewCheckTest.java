package dev.rotator.health.versionskew;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.KubeVersion;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.core.port.ClusterException;
import dev.rotator.health.versionskew.VersionSkewCheck.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VersionSkewCheckTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant BEFORE = START.minus(Duration.ofDays(30));
  private static final Instant AFTER = START.plus(Duration.ofMinutes(7));

  private final InMemoryCluster cluster = new InMemoryCluster();
  private final AtomicReference<String> apiVersion = new AtomicReference<>("v1.31.4-eks-2f008fe");
  private final AtomicReference<Instant> rotationStart = new AtomicReference<>();

  private VersionSkewCheck check(Settings s) {
    return new VersionSkewCheck(cluster, apiVersion::get, rotationStart::get, s);
  }

  private VersionSkewCheck defaults() {
    return check(Settings.defaults());
  }

  private static NodeInfo node(String name, String version, Instant created) {
    return new NodeInfo(name, Map.of(), Map.of(), version, "", true, false, created, List.of());
  }

  private void nodes(String... nameVersionPairs) {
    for (int i = 0; i < nameVersionPairs.length; i += 2) {
      cluster.addNode(node(nameVersionPairs[i], nameVersionPairs[i + 1], BEFORE));
    }
  }

  @Test
  @DisplayName("name and reason code are stable: version-skew, VERSION_SKEW")
  void identity() {
    assertEquals("version-skew", defaults().name());
    assertEquals(ReasonCode.VERSION_SKEW, defaults().reasonCode());
  }

  @Test
  @DisplayName("kubelets at or behind the API server within the policy are healthy, with the versions as values")
  void healthy() {
    nodes("a", "v1.31.4-eks-1", "b", "v1.30.9-eks-1", "c", "v1.28.15");
    CheckResult r = defaults().check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("v1.31.4-eks-2f008fe", r.values().get("apiServerVersion"));
    assertEquals("3", r.values().get("maxMinorSkew"), "API server 1.31: the policy allows 3 minors");
    assertEquals("v1.28.15", r.values().get("oldestKubelet"));
    assertEquals("v1.31.4", r.values().get("newestKubelet"));
    assertEquals("unset", r.values().get("targetVersion"));
  }

  @Test
  @DisplayName("a kubelet of a newer minor than the API server is UNHEALTHY and named; a newer patch is fine")
  void newerKubelet() {
    nodes("a", "v1.31.9", "b", "v1.32.0");
    CheckResult r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("newerThanApiServer"));
    assertTrue(r.reason().contains("newer than the API server v1.31.4"), r.reason());
    assertTrue(r.reason().contains("b (v1.32.0)"), r.reason());
    assertFalse(r.reason().contains("a (v1.31.9)"), r.reason());
  }

  @Test
  @DisplayName("since v1.28 a kubelet may be 3 minors behind: 1.28 under a 1.31 API server passes, 1.27 fails")
  void policySince128() {
    nodes("ok", "v1.28.0", "old", "v1.27.16");
    CheckResult r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("beyondMaxSkew"));
    assertTrue(r.reason().contains("more than 3 minor version(s) behind the API server v1.31.4: old (v1.27.16)"),
        r.reason());
  }

  @Test
  @DisplayName("before v1.28 the policy allows 2 minors: 1.25 under a 1.27 API server passes, 1.24 fails")
  void policyBefore128() {
    apiVersion.set("v1.27.3");
    nodes("ok", "v1.25.1");
    assertEquals(Status.HEALTHY, defaults().check().status());
    cluster.addNode(node("old", "v1.24.17", BEFORE));
    CheckResult r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("2", r.values().get("maxMinorSkew"));
    assertEquals(2, VersionSkewCheck.policySkew(KubeVersion.parse("v1.27.0")));
    assertEquals(3, VersionSkewCheck.policySkew(KubeVersion.parse("v1.28.0")));
  }

  @Test
  @DisplayName("a configured maxMinorSkew overrides the policy")
  void configuredSkew() {
    nodes("a", "v1.30.1", "b", "v1.29.8");
    CheckResult r = check(Settings.defaults().withMaxMinorSkew(1)).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("maxMinorSkew"));
    assertTrue(r.reason().contains("b (v1.29.8)"), r.reason());
  }

  @Test
  @DisplayName("a kubelet of another major version is outside any skew")
  void otherMajor() {
    nodes("a", "v2.0.0");
    assertEquals(Status.UNHEALTHY, defaults().check().status());
  }

  @Test
  @DisplayName("a node created after the rotation started below the target version means the rotation is not"
      + " converging: UNHEALTHY")
  void replacementCameUpOld() {
    rotationStart.set(START);
    cluster.addNode(node("old-1", "v1.30.5", BEFORE)); // an outdated node waiting its turn: fine
    cluster.addNode(node("new-1", "v1.31.4", AFTER)); // a good replacement
    cluster.addNode(node("new-2", "v1.30.5-eks-1", AFTER)); // came up with the old image
    CheckResult r = check(Settings.defaults().withTargetVersion("v1.31.4")).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("replacementsBelowTarget"));
    assertEquals("2026-03-01T10:00:00Z", r.values().get("rotationStart"));
    assertTrue(r.reason().contains("not converging"), r.reason());
    assertTrue(r.reason().contains("new-2 (v1.30.5-eks-1)"), r.reason());
    assertFalse(r.reason().contains("old-1"), r.reason());
  }

  @Test
  @DisplayName("the convergence check needs both a target and a running rotation")
  void convergenceNeedsTargetAndStart() {
    cluster.addNode(node("new-2", "v1.30.5", AFTER));
    assertEquals(Status.HEALTHY, check(Settings.defaults().withTargetVersion("v1.31.4")).check().status(),
        "no rotation running");
    rotationStart.set(START);
    assertEquals(Status.HEALTHY, defaults().check().status(), "no target configured");
    assertEquals(Status.UNHEALTHY, check(Settings.defaults().withTargetVersion("v1.31.4")).check().status());
  }

  @Test
  @DisplayName("the API server's version is asked on every check (a control-plane upgrade during the run counts)")
  void apiVersionReadEachTime() {
    nodes("a", "v1.31.4");
    VersionSkewCheck c = defaults();
    assertEquals(Status.HEALTHY, c.check().status());
    apiVersion.set("v1.30.2");
    assertEquals(Status.UNHEALTHY, c.check().status());
  }

  @Test
  @DisplayName("an unreadable or failing API server version is UNKNOWN, not healthy")
  void apiVersionUnknown() {
    nodes("a", "v1.31.4");
    apiVersion.set("garbage");
    CheckResult r = defaults().check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("unreadable"), r.reason());
    VersionSkewCheck failing =
        new VersionSkewCheck(
            cluster, () -> { throw new IllegalStateException("connection refused"); }, () -> null,
            Settings.defaults());
    CheckResult f = failing.check();
    assertEquals(Status.UNKNOWN, f.status());
    assertTrue(f.reason().contains("connection refused"), f.reason());
  }

  @Test
  @DisplayName("a cluster that cannot be read, or reports no nodes, is UNKNOWN")
  void clusterUnknown() {
    assertEquals(Status.UNKNOWN, defaults().check().status());
    nodes("a", "v1.31.4");
    cluster.failNodes(new ClusterException(ClusterException.Kind.RETRYABLE, "etcd timeout"));
    CheckResult r = defaults().check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("etcd timeout"), r.reason());
  }

  @Test
  @DisplayName("an unreadable kubelet version is UNKNOWN unless a real violation was found (then UNHEALTHY)")
  void unreadableKubelet() {
    nodes("a", "v1.31.4", "b", "");
    CheckResult r = defaults().check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("b ('')"), r.reason());
    cluster.addNode(node("c", "v1.33.0", BEFORE));
    assertEquals(Status.UNHEALTHY, defaults().check().status());
  }

  @Test
  @DisplayName("a long list of offenders names five and counts the rest")
  void namesBounded() {
    for (int i = 0; i < 8; i++) {
      cluster.addNode(node("old-" + i, "v1.26.0", BEFORE));
    }
    CheckResult r = defaults().check();
    assertTrue(r.reason().contains("old-4 (v1.26.0) and 3 more"), r.reason());
    assertEquals("8", r.values().get("beyondMaxSkew"));
  }

  @Test
  @DisplayName("settings are validated: skew 0..10, a readable target version")
  void settingsValidated() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withMaxMinorSkew(-1));
    assertTrue(e.getMessage().startsWith("maxMinorSkew"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Settings.defaults().withTargetVersion("latest"));
    assertTrue(e.getMessage().startsWith("targetVersion: not a Kubernetes version"), e.getMessage());
  }
}
