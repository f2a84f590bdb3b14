package dev.rotator.kubernetes;

import static dev.rotator.kubernetes.K8s.readyNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.ClusterException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ApiGuardTest {
  private MockApi api;
  private TestClock clock;
  private KubernetesCluster cluster;

  @BeforeEach
  void setUp() {
    api = new MockApi();
    clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    cluster = new KubernetesCluster(api.client, new ApiGuard(clock, new Random(7)));
  }

  @AfterEach
  void tearDown() {
    cluster.close();
    api.close();
  }

  @Test
  @DisplayName("a read that fails once is retried after a jittered backoff on the injected clock and succeeds")
  void readRetried() {
    api.client.nodes().resource(readyNode("n1")).create();
    api.dispatcher.forgetRequests();
    api.dispatcher.failNext("GET", "/api/v1/nodes", TestDispatcher.failure(503, "ServiceUnavailable", "x"), 1);
    Instant before = clock.now();

    assertEquals(1, cluster.nodes().size());

    assertEquals(2, api.dispatcher.requests().size());
    long waited = java.time.Duration.between(before, clock.now()).toMillis();
    assertTrue(waited >= ApiGuard.BASE_BACKOFF.toMillis() / 2 && waited < ApiGuard.BASE_BACKOFF.toMillis(),
        "waited " + waited + " ms");
  }

  @Test
  @DisplayName("an API failing on every call opens the breaker: a PERMANENT failure, and no request after that")
  void breakerOpens() {
    api.dispatcher.failNext("GET", "/api/v1/nodes", TestDispatcher.failure(503, "ServiceUnavailable", "down"), 1000);
    ClusterException last = null;
    int calls = 0;
    while (calls < 100) {
      calls++;
      try {
        cluster.nodes();
      } catch (ClusterException e) {
        last = e;
        if (e.kind() == ClusterException.Kind.PERMANENT) {
          break;
        }
      }
    }
    assertEquals(CircuitBreaker.State.OPEN, cluster.guard().state());
    assertEquals(ClusterException.Kind.PERMANENT, last.kind());
    assertTrue(last.getMessage().contains("circuit breaker is open"), last.getMessage());
    int sent = api.dispatcher.requests().size();
    assertTrue(sent <= ApiGuard.MINIMUM_CALLS + ApiGuard.READ_ATTEMPTS, "requests before opening: " + sent);

    assertThrows(ClusterException.class, () -> cluster.node("n1"));
    assertThrows(ClusterException.class, () -> cluster.cordon("n1"));
    assertEquals(sent, api.dispatcher.requests().size(), "an open breaker sends nothing");
  }

  @Test
  @DisplayName("a cordon answered 409 Conflict re-reads the node and patches again (bounded)")
  void cordonConflictRetried() {
    api.client.nodes().resource(readyNode("n1")).create();
    api.dispatcher.failNext("PATCH", "/api/v1/nodes/n1", TestDispatcher.failure(409, "Conflict", "modified"), 2);

    cluster.cordon("n1");

    assertTrue(cluster.node("n1").orElseThrow().unschedulable());
    api.dispatcher.failNext("PATCH", "/api/v1/nodes/n1",
        TestDispatcher.failure(409, "Conflict", "modified"), KubernetesCluster.MAX_CONFLICT_RETRIES);
    ClusterException e = assertThrows(ClusterException.class, () -> cluster.uncordon("n1"));
    assertEquals(ClusterException.Kind.RETRYABLE, e.kind());
  }
}
