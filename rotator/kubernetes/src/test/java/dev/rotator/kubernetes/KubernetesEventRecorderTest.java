package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.RotationEvent;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Events against fabric8's mock API server in CRUD mode. */
class KubernetesEventRecorderTest {
  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  private MockApi api;
  private KubernetesEventRecorder recorder;

  @BeforeEach
  void start() {
    api = new MockApi();
    recorder = new KubernetesEventRecorder(api.client, new TestClock(T0), "rotator-system", "rotator-state", "pod-a");
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private List<Event> events(String ns) {
    return api.client.v1().events().inNamespace(ns).list().getItems().stream()
        .sorted(Comparator.comparing(e -> e.getMetadata().getName())).toList();
  }

  @Test
  @DisplayName("each node step is a Normal Event on the Node (namespace default, uid = node name, as the kubelet's)")
  void stepsOnTheNode() {
    recorder.onTransition(new NodeProgress("node-1", "asg-a", "i-1", "z", NodeState.CORDONED, T0, "cordoned; draining"));
    recorder.onTransition(new NodeProgress("node-1", "asg-a", "i-1", "z", NodeState.DRAINED, T0, "drained in 40s"));
    recorder.onTransition(new NodeProgress("node-1", "asg-a", "i-1", "z", NodeState.PENDING, T0, ""));
    List<Event> evs = events(KubernetesEventRecorder.NODE_EVENT_NAMESPACE);
    assertEquals(List.of("RotatorCordoned", "RotatorDrained"),
        evs.stream().map(Event::getReason).sorted().toList());
    Event e = evs.stream().filter(x -> x.getReason().equals("RotatorDrained")).findFirst().orElseThrow();
    assertEquals("Node", e.getInvolvedObject().getKind());
    assertEquals("node-1", e.getInvolvedObject().getName());
    assertEquals("node-1", e.getInvolvedObject().getUid());
    assertEquals("Normal", e.getType());
    assertEquals(KubernetesEventRecorder.CONTROLLER, e.getReportingComponent());
    assertEquals("pod-a", e.getReportingInstance());
    assertEquals("2026-11-21T10:00:00Z", e.getLastTimestamp());
    assertEquals("rotator: drained in 40s (instance i-1 in asg-a)", e.getMessage());
    assertEquals(0, recorder.failures());
  }

  @Test
  @DisplayName("a freeze is a Warning on the state ConfigMap and on the node it names; start and finish are Normal")
  void runsOnTheStateObject() {
    recorder.notify(new RotationEvent(RotationEvent.Type.STARTED, "run-1", "", "", "rotating 3", List.of(), T0));
    recorder.notify(new RotationEvent(RotationEvent.Type.FROZEN, "run-1", "node-2", "DRAIN_TIMEOUT", "drain stuck",
        List.of("pod a/b blocked"), T0));
    recorder.notify(new RotationEvent(RotationEvent.Type.NODE_DONE, "run-1", "node-3", "", "done", List.of(), T0));
    List<Event> state = events("rotator-system");
    assertEquals(List.of("RotatorFrozen", "RotatorRunStarted"), state.stream().map(Event::getReason).sorted().toList());
    Event frozen = state.stream().filter(x -> x.getReason().equals("RotatorFrozen")).findFirst().orElseThrow();
    assertEquals("Warning", frozen.getType());
    assertEquals("ConfigMap", frozen.getInvolvedObject().getKind());
    assertEquals("rotator-state", frozen.getInvolvedObject().getName());
    assertEquals("rotator-system", frozen.getInvolvedObject().getNamespace());
    assertEquals("run run-1: drain stuck [DRAIN_TIMEOUT] evidence: pod a/b blocked", frozen.getMessage());
    List<Event> onNode = events(KubernetesEventRecorder.NODE_EVENT_NAMESPACE);
    assertEquals(1, onNode.size());
    assertEquals("node-2", onNode.get(0).getInvolvedObject().getName());
  }

  @Test
  @DisplayName("a refused eviction is reported once per pod and node, however often it is retried")
  void blockedOnce() {
    PodRef pod = new PodRef("shop", "web-1");
    for (int i = 0; i < 5; i++) {
      recorder.onEviction("node-1", pod, EvictionResult.blocked("429", List.of("shop/web")));
    }
    recorder.onEviction("node-1", pod, EvictionResult.evicted());
    List<Event> evs = events(KubernetesEventRecorder.NODE_EVENT_NAMESPACE);
    assertEquals(1, evs.size());
    assertEquals("RotatorEvictionBlocked", evs.get(0).getReason());
    assertEquals("Warning", evs.get(0).getType());
    assertTrue(evs.get(0).getMessage().contains("shop/web-1 refused by PDB shop/web"), evs.get(0).getMessage());
  }

  @Test
  @DisplayName("when the API refuses Events, nothing is thrown: the failures are counted")
  void failuresCounted() {
    try (KubernetesClient dead = KubeClients.forUrl("http://127.0.0.1:1/")) {
      KubernetesEventRecorder r = new KubernetesEventRecorder(dead, new TestClock(T0), "rotator-system",
          "rotator-state", "pod-a");
      r.onTransition(new NodeProgress("node-1", "g", "i", "z", NodeState.CORDONED, T0, ""));
      r.notify(new RotationEvent(RotationEvent.Type.FROZEN, "run-1", "", "MANUAL", "x", List.of(), T0));
      assertEquals(2, r.failures());
    }
  }
}
