package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.ClusterException;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one pod DELETE of the adapter ({@code policy.unhealthyPodEviction}) and the PDB-member list it relies on. */
@DisplayName("KubernetesCluster: unhealthy pods, against fabric8's mock API server")
class UnhealthyPodDeleteTest {
  private MockApi api;
  private KubernetesCluster cluster;

  @BeforeEach
  void start() {
    api = new MockApi();
    cluster = new KubernetesCluster(api.client, new TestClock(Instant.parse("2026-01-01T00:00:00Z")));
  }

  @AfterEach
  void stop() {
    cluster.close();
    api.close();
  }

  private static Pod crashLooping(String name) {
    Pod p = K8s.replicaPod("shop", name, "node-1");
    p.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).forEach(c -> {
      c.setStatus("False");
      c.setLastTransitionTime("2026-01-01T00:00:00Z");
    });
    p.getStatus().setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
        .withName("main").withReady(false).withRestartCount(12)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState().build()));
    return p;
  }

  @Test
  @DisplayName("a not-Ready pod maps with when it turned not Ready and its container's waiting reason")
  void mapsUnhealthy() {
    PodInfo p = KubeModel.toPodInfo(crashLooping("web-1"));
    assertFalse(p.ready());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), p.notReadySince());
    assertEquals("CrashLoopBackOff", p.state());
    PodInfo ready = KubeModel.toPodInfo(K8s.replicaPod("shop", "web-2", "node-1"));
    assertNull(ready.notReadySince());
    assertEquals("", ready.state());
  }

  @Test
  @DisplayName("deleteUnhealthyPod sends one graceful DELETE with UID and resourceVersion preconditions")
  void deletesGracefully() {
    api.client.resource(crashLooping("web-1")).create();
    cluster.deleteUnhealthyPod(new PodRef("shop", "web-1"), "test");
    List<TestDispatcher.Request> deletes = api.dispatcher.podDeletes();
    assertEquals(1, deletes.size(), deletes.toString());
    String body = deletes.get(0).body();
    assertTrue(body.contains("\"preconditions\"") && body.contains("\"uid\""), body);
    assertFalse(body.contains("gracePeriodSeconds"), "the pod's own grace period, never 0: " + body);
    assertNull(api.client.pods().inNamespace("shop").withName("web-1").get());
  }

  @Test
  @DisplayName("a pod that is Ready again is not deleted; a pod already gone is success")
  void readyOrGone() {
    api.client.resource(K8s.replicaPod("shop", "web-2", "node-1")).create();
    ClusterException e =
        assertThrows(ClusterException.class, () -> cluster.deleteUnhealthyPod(new PodRef("shop", "web-2"), "test"));
    assertEquals(ClusterException.Kind.RETRYABLE, e.kind());
    assertNotNull(api.client.pods().inNamespace("shop").withName("web-2").get());
    cluster.deleteUnhealthyPod(new PodRef("shop", "missing"), "test");
    assertEquals(List.of(), api.dispatcher.podDeletes());
  }

  @Test
  @DisplayName("podsSelectedBy lists one namespace by label; a selector that matches nothing lists nothing")
  void selected() {
    api.client.resource(K8s.replicaPod("shop", "web-1", "node-1")).create();
    api.client.resource(K8s.replicaPod("shop", "api-1", "node-1")).create();
    api.client.resource(K8s.replicaPod("other", "web-9", "node-1")).create();
    List<PodInfo> web = cluster.podsSelectedBy("shop", LabelSelector.of(Map.of("app", "web")));
    assertEquals(List.of("shop/web-1"), web.stream().map(p -> p.ref().toString()).toList());
    LabelSelector nothing =
        new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement("k", "In", List.of())));
    assertEquals(List.of(), cluster.podsSelectedBy("shop", nothing));
  }
}
