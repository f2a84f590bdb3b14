package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The verdict rules on states a real cluster cannot be driven into on demand, against etcd's JSON
 * gateway faked at the wire level ({@link FakeEtcdMember}), and the time bounds against sockets
 * that refuse or never answer.
 */
class EtcdQuorumCheckWireTest {
  private static final long A = 0xaaaaL;
  private static final long B = 0xbbbbL;
  private static final long C = 0xccccL;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private FakeEtcdMember member(long id, long leader) throws IOException {
    FakeEtcdMember m = new FakeEtcdMember(id, leader);
    open.add(m);
    return m;
  }

  private static EtcdQuorumCheck check(Duration timeout, URI... endpoints) {
    return new EtcdQuorumCheck(
        EtcdQuorumCheck.Settings.defaults().withEndpoints(List.of(endpoints)).withTimeout(timeout));
  }

  private static EtcdQuorumCheck check(URI... endpoints) {
    return check(Duration.ofSeconds(2), endpoints);
  }

  /** A port with nobody listening: taken from the OS, then released. */
  private static URI deadEndpoint() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  @Test
  @DisplayName(
      "three members agreeing on a leader among them: HEALTHY, leader printed in hex like etcdctl")
  void agreeing() throws IOException {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, A);
    FakeEtcdMember c = member(C, A);
    CheckResult r = check(a.url(), b.url(), c.url()).check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("aaaa", r.values().get("leader"));
    assertEquals(a.url().toString(), r.values().get("leaderEndpoint"));
    assertEquals("7", r.values().get("raftTerm"));
  }

  @Test
  @DisplayName("healthy members naming different leaders (a split view): UNHEALTHY")
  void disagreeingLeaders() throws IOException {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, B);
    FakeEtcdMember c = member(C, A);
    CheckResult r = check(a.url(), b.url(), c.url()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("disagree on the leader"), r.reason());
  }

  @Test
  @DisplayName("two endpoints reaching the same member count once: 1 distinct of 3 is no quorum")
  void sameMemberTwice() throws Exception {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember aAgain = member(A, A);
    CheckResult r = check(a.url(), aAgain.url(), deadEndpoint()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertEquals("1", r.values().get("membersHealthy"));
    assertTrue(r.reason().contains("same member (aaaa)"), r.reason());
  }

  @Test
  @DisplayName("endpoints answering for two different clusters: UNHEALTHY")
  void twoClusters() throws IOException {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, A);
    b.clusterId = 99;
    CheckResult r = check(a.url(), b.url()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("different etcd clusters"), r.reason());
  }

  @Test
  @DisplayName(
      "the cluster reports 5 voting members though 3 are configured: quorum is 3 of 5, 2 fail it")
  void memberListRaisesQuorum() throws Exception {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, A);
    a.votingMembers = 5;
    b.votingMembers = 5;
    CheckResult r = check(a.url(), b.url(), deadEndpoint()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertEquals("5", r.values().get("membersTotal"));
    assertEquals("3", r.values().get("quorumNeeded"));
    assertEquals("3", r.values().get("membersConfigured"));
  }

  @Test
  @DisplayName(
      "a configured learner is neither a voting member nor a healthy one: 2 voters of 3 + a"
          + " learner")
  void learnersExcluded() throws IOException {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, A);
    FakeEtcdMember l = member(C, A);
    a.learnerIds = List.of(C);
    CheckResult r = check(a.url(), b.url(), l.url()).check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("2", r.values().get("membersHealthy"));
    assertEquals("3", r.values().get("clusterMembers"));
    assertEquals("3", r.values().get("membersTotal"));
    assertTrue(r.reason().contains("is a learner (cccc)"), r.reason());

    // The same with one voter down: one voter and a learner are no quorum.
    b.close();
    CheckResult down = check(a.url(), b.url(), l.url()).check();
    assertEquals(Status.UNHEALTHY, down.status(), down.reason());
    assertEquals("1", down.values().get("membersHealthy"));
  }

  @Test
  @DisplayName(
      "a member whose status carries errors (an alarm) is unhealthy even when /health says true")
  void statusErrors() throws IOException {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, A);
    FakeEtcdMember c = member(C, A);
    b.errors = List.of("etcdserver: mvcc: database space exceeded");
    c.errors = List.of("etcdserver: mvcc: database space exceeded");
    CheckResult r = check(a.url(), b.url(), c.url()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertEquals("1", r.values().get("membersHealthy"));
    assertTrue(r.reason().contains("database space exceeded"), r.reason());
  }

  @Test
  @DisplayName(
      "health false (HTTP 503) or a non-JSON answer makes a member unhealthy, with what it said")
  void badHealthAnswers() throws IOException {
    FakeEtcdMember a = member(A, A);
    FakeEtcdMember b = member(B, A);
    FakeEtcdMember c = member(C, A);
    b.health = "false";
    b.healthCode = 503;
    c.healthBody = "<html>proxy error</html>";
    CheckResult r = check(a.url(), b.url(), c.url()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("health=false HTTP 503"), r.reason());
    assertTrue(r.reason().contains("<html>proxy error</html>"), r.reason());
  }

  @Test
  @DisplayName("a leader that is not among the configured healthy members fails closed")
  void leaderNotConfigured() throws IOException {
    FakeEtcdMember b = member(B, A);
    FakeEtcdMember c = member(C, A);
    CheckResult r = check(b.url(), c.url()).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("leader aaaa is not among"), r.reason());
  }

  @Test
  @DisplayName("an endpoint nobody listens on: UNHEALTHY 0/1 at once, 'connection refused'")
  void nobodyListens() throws IOException {
    EtcdQuorumCheck c = check(Duration.ofSeconds(2), deadEndpoint());
    long t0 = System.nanoTime();
    CheckResult r = c.check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertEquals("0", r.values().get("membersHealthy"));
    assertTrue(r.reason().contains("connection refused"), r.reason());
    assertTrue(ms < 2000, "took " + ms + " ms, within the 2 s timeout expected");
  }

  @Test
  @DisplayName(
      "members that accept connections but never answer: UNHEALTHY within timeout + grace, not"
          + " later")
  void blackHole() throws Exception {
    // Connections complete in the kernel's backlog but nobody ever reads or answers.
    ServerSocket hole1 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    ServerSocket hole2 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(hole1);
    open.add(hole2);
    FakeEtcdMember a = member(A, A);
    Duration timeout = Duration.ofMillis(400);
    EtcdQuorumCheck c =
        check(
            timeout,
            a.url(),
            URI.create("http://127.0.0.1:" + hole1.getLocalPort()),
            URI.create("http://127.0.0.1:" + hole2.getLocalPort()));
    long t0 = System.nanoTime();
    CheckResult r = c.check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertEquals("1", r.values().get("membersHealthy"));
    assertTrue(r.reason().contains("no answer within"), r.reason());
    long bound = timeout.plus(EtcdQuorumCheck.GRACE).toMillis() + 300;
    assertTrue(ms >= timeout.toMillis() && ms <= bound, "took " + ms + " ms, bound " + bound);
  }
}
