package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotator.core.port.CheckResult;
import dev.rotator.health.etcd.EtcdQuorumCheck;
import dev.rotator.sim.fault.FakeEtcd;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fake etcd cluster, judged by rotator's real etcd quorum check and read like etcd's JSON gateway. */
class FakeEtcdTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private FakeEtcd etcd;

  @AfterEach
  void close() {
    if (etcd != null) {
      etcd.close();
    }
  }

  private EtcdQuorumCheck check() {
    return new EtcdQuorumCheck(
        EtcdQuorumCheck.Settings.defaults()
            .withEndpoints(etcd.endpoints().stream().map(URI::create).toList())
            .withTimeout(Duration.ofSeconds(1)));
  }

  private HttpResponse<String> post(String endpoint, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(endpoint + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("members answer like etcd 3.4's gateway: int64 as strings, one cluster id, ids consistent, one leader")
  void answersLikeEtcd() throws Exception {
    etcd = FakeEtcd.start(3, 7);
    List<String> endpoints = etcd.endpoints();
    assertEquals(3, new HashSet<>(endpoints).size());
    Set<String> clusterIds = new HashSet<>();
    Set<String> leaders = new HashSet<>();
    Set<String> memberIds = new HashSet<>();
    for (String e : endpoints) {
      HttpResponse<String> health = http.send(
          HttpRequest.newBuilder(URI.create(e + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertEquals("true", JSON.readTree(health.body()).get("health").asText());

      JsonNode status = JSON.readTree(post(e, "/v3/maintenance/status").body());
      assertTrue(status.get("header").get("member_id").isTextual(), "uint64 as a decimal string: " + status);
      assertTrue(status.get("raftTerm").isTextual(), status.toString());
      Long.parseUnsignedLong(status.get("leader").asText());
      clusterIds.add(status.get("header").get("cluster_id").asText());
      leaders.add(status.get("leader").asText());
      memberIds.add(status.get("header").get("member_id").asText());
      assertFalse(status.has("errors"), status.toString());

      JsonNode list = JSON.readTree(post(e, "/v3/cluster/member/list").body());
      assertEquals(3, list.get("members").size());
      Set<String> listed = new HashSet<>();
      list.get("members").forEach(m -> listed.add(m.get("ID").asText()));
      assertTrue(listed.contains(status.get("header").get("member_id").asText()), list.toString());
    }
    assertEquals(1, clusterIds.size());
    assertEquals(1, leaders.size(), "every member follows the same leader");
    assertEquals(3, memberIds.size());
    assertTrue(memberIds.containsAll(leaders), "the leader is a member");
    HttpResponse<String> get = http.send(
        HttpRequest.newBuilder(URI.create(endpoints.get(0) + "/v3/maintenance/status")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, get.statusCode(), "the gateway's RPCs are POSTs");
  }

  @Test
  @DisplayName("the real quorum check: healthy; one member down (the leader) still healthy with a new leader; two down unhealthy; back healthy")
  void quorumThroughTheRealCheck() throws Exception {
    etcd = FakeEtcd.start(3, 7);
    CheckResult all = check().check();
    assertEquals(CheckResult.Status.HEALTHY, all.status(), all.reason());
    assertEquals("3", all.values().get("membersHealthy"));
    String firstLeader = all.values().get("leader");

    List<Integer> first = etcd.stop(1);
    assertEquals(List.of(0), first, "the leader goes first");
    CheckResult one = check().check();
    assertEquals(CheckResult.Status.HEALTHY, one.status(), one.reason());
    assertEquals("2", one.values().get("membersHealthy"));
    assertNotEquals(firstLeader, one.values().get("leader"), "the survivors elected a new leader");
    assertTrue(one.reason().contains("connection refused"), one.reason());
    assertTrue(Long.parseLong(one.values().get("raftTerm")) > Long.parseLong(all.values().get("raftTerm")),
        "a new term: " + one.values());

    List<Integer> second = etcd.stop(1);
    CheckResult two = check().check();
    assertEquals(CheckResult.Status.UNHEALTHY, two.status(), two.reason());
    assertEquals("0", two.values().get("membersHealthy"), "the last member has no leader: " + two.reason());
    assertEquals("2", two.values().get("quorumNeeded"));
    assertTrue(two.reason().contains("RAFT NO LEADER") || two.reason().contains("no leader"), two.reason());
    assertThrowsConnect(etcd.endpoints().get(first.get(0)));

    etcd.restart(second);
    etcd.restart(first);
    CheckResult back = check().check();
    assertEquals(CheckResult.Status.HEALTHY, back.status(), back.reason());
    assertEquals("3", back.values().get("membersHealthy"));
  }

  private void assertThrowsConnect(String endpoint) {
    try {
      http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      return;
    } catch (Exception e) {
      if (e.getCause() instanceof ConnectException) {
        return;
      }
      throw new AssertionError("expected connection refused, got " + e, e);
    }
    throw new AssertionError("a stopped member answered");
  }
}
