package dev.rotator.health.clusterstate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.core.port.ClusterException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClusterStateCheckTest {
  private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
  private static final Instant LONG_AGO = NOW.minus(Duration.ofDays(20));

  private final InMemoryCluster cluster = new InMemoryCluster();
  private final ManualClock clock = new ManualClock(NOW);

  @BeforeEach
  void healthyCluster() {
    for (int i = 0; i < 3; i++) {
      cluster.addNode(node("node-" + i, true, false, LONG_AGO));
    }
  }

  private ClusterStateCheck check(int maxNotReady, int maxUnschedulable, Duration grace) {
    return new ClusterStateCheck(
        cluster, clock, new ClusterStateCheck.Settings(maxNotReady, maxUnschedulable, grace));
  }

  private ClusterStateCheck defaults() {
    return new ClusterStateCheck(cluster, clock, ClusterStateCheck.Settings.defaults());
  }

  @Test
  @DisplayName("a cluster with every node Ready and no unschedulable pod is healthy, with the four values")
  void healthy() {
    CheckResult r = defaults().check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("cluster-state", r.check());
    assertEquals("0", r.values().get("notReadyNodes"));
    assertEquals("0", r.values().get("maxNotReadyNodes"));
    assertEquals("0", r.values().get("unschedulablePods"));
    assertEquals("0", r.values().get("maxUnschedulablePods"));
  }

  @Test
  @DisplayName("name and reason code are stable: cluster-state, CLUSTER_UNHEALTHY")
  void identity() {
    assertEquals("cluster-state", defaults().name());
    assertEquals(ReasonCode.CLUSTER_UNHEALTHY, defaults().reasonCode());
  }

  @Test
  @DisplayName("an old NotReady node that is not cordoned makes the cluster unhealthy and is named")
  void notReadyUncordoned() {
    cluster.addNode(node("broken-1", false, false, LONG_AGO));
    CheckResult r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("notReadyNodes"));
    assertTrue(r.reason().contains("broken-1"), r.reason());
  }

  @Test
  @DisplayName("a cordoned NotReady node is being rotated and does not count")
  void cordonedNotReadyIgnored() {
    cluster.addNode(node("rotating-1", false, true, LONG_AGO));
    CheckResult r = defaults().check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("0", r.values().get("notReadyNodes"));
    assertEquals("1", r.values().get("cordonedNotReadyNodes"));
  }

  @Test
  @DisplayName("a NotReady node younger than the grace is a booting replacement; once older it counts")
  void newNodeGrace() {
    cluster.addNode(node("booting", false, false, NOW.minusSeconds(299)));
    assertEquals(Status.HEALTHY, defaults().check().status());

    clock.advance(Duration.ofSeconds(1));
    CheckResult r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertTrue(r.reason().contains("booting"), r.reason());
  }

  @Test
  @DisplayName("with zero grace, a NotReady node created this instant already counts")
  void zeroGrace() {
    cluster.addNode(node("fresh", false, false, NOW));
    assertEquals(Status.UNHEALTHY, check(0, 0, Duration.ZERO).check().status());
  }

  @Test
  @DisplayName("NotReady nodes up to maxNotReadyNodes are tolerated, one more is not")
  void notReadyThreshold() {
    cluster.addNode(node("broken-1", false, false, LONG_AGO));
    cluster.addNode(node("broken-2", false, false, LONG_AGO));
    assertEquals(Status.HEALTHY, check(2, 0, Duration.ofMinutes(5)).check().status());
    cluster.addNode(node("broken-3", false, false, LONG_AGO));
    CheckResult r = check(2, 0, Duration.ofMinutes(5)).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("3", r.values().get("notReadyNodes"));
    assertEquals("2", r.values().get("maxNotReadyNodes"));
  }

  @Test
  @DisplayName("unschedulable Pending pods above the maximum make it unhealthy; other Pending pods do not count")
  void unschedulablePods() {
    cluster.addPod(pod("web", "web-1", true, false));
    cluster.addPod(pod("web", "web-2", false, false)); // Pending, not yet judged by the scheduler
    cluster.addPod(pod("web", "web-3", true, true)); // being deleted
    CheckResult r = check(0, 1, Duration.ofMinutes(5)).check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("1", r.values().get("unschedulablePods"));

    r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("1", r.values().get("unschedulablePods"));
    assertTrue(r.reason().contains("web/web-1"), r.reason());
    assertFalse(r.reason().contains("web-2"), r.reason());
  }

  @Test
  @DisplayName("the reason names the first few offenders in order and counts the rest")
  void namesAreBounded() {
    for (int i = 0; i < 8; i++) {
      cluster.addNode(node("bad-" + i, false, false, LONG_AGO));
    }
    CheckResult r = defaults().check();
    assertTrue(r.reason().contains("bad-0, bad-1, bad-2, bad-3, bad-4 and 3 more"), r.reason());
    assertFalse(r.reason().contains("bad-5"), r.reason());
  }

  @Test
  @DisplayName("both problems at once are both reported")
  void bothProblems() {
    cluster.addNode(node("broken-1", false, false, LONG_AGO));
    cluster.addPod(pod("db", "db-0", true, false));
    CheckResult r = defaults().check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertTrue(r.reason().contains("broken-1") && r.reason().contains("db/db-0"), r.reason());
  }

  @Test
  @DisplayName("a cluster that cannot be read is UNKNOWN (fail closed), not healthy")
  void apiDown() {
    cluster.failNodes(new ClusterException(ClusterException.Kind.RETRYABLE, "connection refused"));
    CheckResult r = defaults().check();
    assertEquals(Status.UNKNOWN, r.status());
    assertFalse(r.healthy());
    assertTrue(r.reason().contains("connection refused"), r.reason());
  }

  @Test
  @DisplayName("an empty node list is UNKNOWN: more likely a broken API or cache than a cluster without nodes")
  void noNodes() {
    CheckResult r =
        new ClusterStateCheck(new InMemoryCluster(), clock, ClusterStateCheck.Settings.defaults()).check();
    assertEquals(Status.UNKNOWN, r.status());
  }

  @Test
  @DisplayName("the check only reads and never waits: no mutating call, no sleep")
  void readOnly() {
    cluster.addNode(node("broken-1", false, false, LONG_AGO));
    cluster.addPod(pod("db", "db-0", true, false));
    defaults().check();
    assertEquals(List.of(), cluster.calls());
    assertEquals(0, clock.sleeps());
  }

  @Test
  @DisplayName("settings refuse negative thresholds and a negative grace")
  void settingsValidated() {
    assertThrows(IllegalArgumentException.class, () -> new ClusterStateCheck.Settings(-1, 0, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new ClusterStateCheck.Settings(0, -1, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> new ClusterStateCheck.Settings(0, 0, Duration.ofSeconds(-1)));
    assertEquals(Duration.ofSeconds(300), ClusterStateCheck.Settings.defaults().newNodeGrace());
  }

  static NodeInfo node(String name, boolean ready, boolean cordoned, Instant created) {
    return new NodeInfo(
        name,
        Map.of("topology.kubernetes.io/zone", "z1"),
        Map.of(),
        "v1.30.4",
        "fake:///" + name,
        ready,
        cordoned,
        created,
        List.of());
  }

  static PodInfo pod(String ns, String name, boolean unschedulable, boolean terminating) {
    return new PodInfo(
        new PodRef(ns, name),
        "",
        Map.of("app", ns),
        OwnerKind.REPLICA_SET,
        ns + "-rs",
        false,
        false,
        false,
        "Pending",
        terminating,
        unschedulable);
  }
}
