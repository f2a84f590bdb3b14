package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcd gate against a real 3-member etcd cluster (Debian's etcd-server, 3.4), on loopback. The
 * members are started once for the class and always killed in {@link #stopCluster()}, before JUnit
 * deletes their data directories.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("EtcdQuorumCheck against a real 3-member etcd cluster")
class EtcdQuorumCheckRealClusterTest {
  @TempDir static Path dir;
  private EtcdProcesses etcd;
  private EtcdQuorumCheck check;

  @BeforeAll
  void startCluster() throws Exception {
    etcd = EtcdProcesses.start(dir, 3, null, p -> p.awaitHealthy(Duration.ofSeconds(30), null));
    check =
        new EtcdQuorumCheck(EtcdQuorumCheck.Settings.defaults().withEndpoints(etcd.clientUrls()));
  }

  @AfterAll
  void stopCluster() {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** Runs one check and fails if it took longer than the per-request timeout plus slack. */
  private CheckResult timedCheck(EtcdQuorumCheck c) {
    long t0 = System.nanoTime();
    CheckResult r = c.check();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    Duration bound = c.settings().timeout().plus(EtcdQuorumCheck.GRACE).plusMillis(500);
    assertTrue(took.compareTo(bound) <= 0, "one check took " + took + ", bound " + bound);
    return r;
  }

  private URI endpointOfLeader(CheckResult r) {
    return URI.create(r.values().get("leaderEndpoint"));
  }

  @Test
  @Order(1)
  @DisplayName("all three members up: HEALTHY, 3/3 healthy, quorum 2, a leader among them")
  void healthyCluster() {
    CheckResult r = timedCheck(check);
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("etcd", r.check());
    assertEquals(ReasonCode.ETCD_QUORUM, check.reasonCode());
    assertEquals("3", r.values().get("membersHealthy"));
    assertEquals("3", r.values().get("membersTotal"));
    assertEquals("2", r.values().get("quorumNeeded"));
    assertEquals("3", r.values().get("clusterMembers"));
    assertTrue(etcd.clientUrls().contains(endpointOfLeader(r)), r.values().toString());
    assertTrue(r.values().get("leader").matches("[0-9a-f]+"), r.values().get("leader"));
    for (URI u : etcd.clientUrls()) {
      assertTrue(r.values().get("member " + u).startsWith("healthy id="), r.values().toString());
    }
  }

  @Test
  @Order(2)
  @DisplayName(
      "one member killed: still HEALTHY 2/3 on the next check; the leader killed too: UNHEALTHY on"
          + " the next check, naming both; both restarted on their data: HEALTHY 3/3 again")
  void loseOneThenQuorumThenRecover() throws Exception {
    CheckResult before = timedCheck(check);
    assertEquals(Status.HEALTHY, before.status(), before.reason());
    URI leaderUrl = endpointOfLeader(before);
    EtcdProcesses.Member leader = memberAt(leaderUrl);
    EtcdProcesses.Member follower =
        etcd.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    URI followerUrl = follower.clientUrl("http");

    // 1. A follower crashes: quorum (2 of 3) and the leader remain; the very next check passes.
    etcd.kill(follower);
    CheckResult oneDown = timedCheck(check);
    assertEquals(Status.HEALTHY, oneDown.status(), oneDown.reason());
    assertEquals("2", oneDown.values().get("membersHealthy"));
    assertEquals("3", oneDown.values().get("membersTotal"));
    assertEquals(before.values().get("leader"), oneDown.values().get("leader"));
    assertTrue(
        oneDown.values().get("member " + followerUrl).startsWith("unhealthy"),
        oneDown.values().toString());

    // 2. The leader crashes too: one member of three cannot form a quorum; the next check fails.
    etcd.kill(leader);
    CheckResult twoDown = timedCheck(check);
    assertEquals(Status.UNHEALTHY, twoDown.status(), twoDown.reason());
    assertTrue(
        Integer.parseInt(twoDown.values().get("membersHealthy")) < 2, twoDown.values().toString());
    assertEquals("2", twoDown.values().get("quorumNeeded"));
    assertTrue(twoDown.reason().contains("quorum needs 2"), twoDown.reason());
    assertTrue(twoDown.reason().contains(leaderUrl.toString()), twoDown.reason());
    assertTrue(twoDown.reason().contains(followerUrl.toString()), twoDown.reason());

    // 3. Both come back on their data directories: the cluster heals and the gate opens again.
    etcd.restart(follower);
    etcd.restart(leader);
    CheckResult healed = pollUntilAllHealthy(Duration.ofSeconds(20));
    assertEquals("3", healed.values().get("membersHealthy"), healed.reason());
    assertNotEquals("none", healed.values().get("leader"));
  }

  @Test
  @Order(3)
  @DisplayName(
      "only two of three endpoints configured: the cluster's own member list keeps quorum at 2 of"
          + " 3, and a leader outside the configured endpoints fails closed")
  void partialConfiguration() throws Exception {
    CheckResult full = pollUntilAllHealthy(Duration.ofSeconds(20));
    URI leaderUrl = endpointOfLeader(full);
    List<URI> followers = etcd.clientUrls().stream().filter(u -> !u.equals(leaderUrl)).toList();

    EtcdQuorumCheck withLeader =
        new EtcdQuorumCheck(
            EtcdQuorumCheck.Settings.defaults()
                .withEndpoints(List.of(leaderUrl, followers.get(0))));
    CheckResult r = timedCheck(withLeader);
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("2", r.values().get("membersConfigured"));
    assertEquals("3", r.values().get("clusterMembers"));
    assertEquals("3", r.values().get("membersTotal"));
    assertEquals("2", r.values().get("quorumNeeded"));

    EtcdQuorumCheck followersOnly =
        new EtcdQuorumCheck(EtcdQuorumCheck.Settings.defaults().withEndpoints(followers));
    CheckResult f = timedCheck(followersOnly);
    String leaderSeen = f.values().get("leaderEndpoint");
    if (leaderSeen.isEmpty()) {
      assertEquals(Status.UNHEALTHY, f.status(), f.reason());
      assertTrue(f.reason().contains("not among the healthy configured members"), f.reason());
    } else {
      // The leader moved onto a configured follower between the two checks: then it is rightly
      // healthy.
      assertTrue(followers.contains(URI.create(leaderSeen)), f.values().toString());
      assertEquals(Status.HEALTHY, f.status(), f.reason());
    }
  }

  private EtcdProcesses.Member memberAt(URI url) {
    return etcd.members().stream()
        .filter(m -> m.clientUrl("http").equals(url))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no member at " + url));
  }

  /** Bounded: polls the check every 200 ms up to {@code limit}; fails with the last result. */
  private CheckResult pollUntilAllHealthy(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    CheckResult r = check.check();
    while (r.status() != Status.HEALTHY || !"3".equals(r.values().get("membersHealthy"))) {
      if (System.nanoTime() > deadline) {
        StringBuilder logs = new StringBuilder();
        for (EtcdProcesses.Member m : etcd.members()) {
          logs.append("\n--- ").append(m.name).append(" ---\n").append(EtcdProcesses.tail(m));
        }
        throw new AssertionError("not HEALTHY 3/3 within " + limit + ": " + r.reason() + logs);
      }
      Thread.sleep(200);
      r = check.check();
    }
    return r;
  }
}
