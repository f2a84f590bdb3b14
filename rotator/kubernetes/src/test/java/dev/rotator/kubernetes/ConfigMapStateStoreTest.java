package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ConfigMapStateStore against fabric8's mock API server")
class ConfigMapStateStoreTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final String CM_PATH = "/api/v1/namespaces/rotator-system/configmaps/rotator-state";

  private MockApi api;
  private TestClock clock;
  private ConfigMapStateStore store;

  @BeforeEach
  void start() {
    api = new MockApi();
    clock = new TestClock(T0);
    store = new ConfigMapStateStore(api.client, clock);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private ConfigMap configMap() {
    return api.client.configMaps().inNamespace("rotator-system").withName("rotator-state").get();
  }

  private long writes() {
    return api.dispatcher.requests().stream()
        .filter(r -> r.path().startsWith("/api/v1/namespaces/rotator-system/configmaps"))
        .filter(r -> r.method().equals("POST") || r.method().equals("PUT"))
        .count();
  }

  private static RotationProgress progress(String runId, NodeState state) {
    return new RotationProgress(
        runId,
        T0,
        T0.plusSeconds(90),
        "RUNNING",
        Map.of("pool-a", 3, "pool-b", 5),
        List.of(
            new NodeProgress("node-1", "pool-a", "i-1", "zone-a", state, T0.plusSeconds(30), "evicting 2 pods"),
            new NodeProgress("node-2", "", "", "", NodeState.PENDING, null, null)));
  }

  @Test
  @DisplayName("a cluster rotator never touched reads as ROTATE (initial), with no progress, and nothing is written")
  void missingIsInitial() {
    assertEquals(ModeState.initial(), store.mode());
    assertEquals(Optional.empty(), store.progress());
    assertEquals(0, writes());
  }

  @Test
  @DisplayName("freeze writes exactly the documented keys, with the clock's time, and reads back")
  void freezeRoundTrip() {
    ModeState frozen =
        store.freeze("DRAIN_TIMEOUT", "node-3 did not drain", List.of("pod shop/web-1", "pdb shop/web \"x\""), "rotator");

    assertEquals(Mode.FREEZE, frozen.mode());
    assertEquals(T0, frozen.at());
    assertEquals(frozen, store.mode());
    ConfigMap cm = configMap();
    assertEquals(Set.of("mode", "reason", "message", "evidence", "by", "at"), cm.getData().keySet());
    assertEquals("FREEZE", cm.getData().get("mode"));
    assertEquals("DRAIN_TIMEOUT", cm.getData().get("reason"));
    assertEquals("[\"pod shop/web-1\",\"pdb shop/web \\\"x\\\"\"]", cm.getData().get("evidence"));
    assertEquals("rotator", cm.getData().get("by"));
    assertEquals("2026-03-01T10:00:00Z", cm.getData().get("at"));
    assertEquals("rotator", cm.getMetadata().getLabels().get("app.kubernetes.io/name"));
  }

  @Test
  @DisplayName("a second freeze keeps the first freeze's reason and evidence and writes nothing")
  void firstFreezeWins() {
    store.freeze("DRAIN_TIMEOUT", "first", List.of("pod shop/web-1"), "rotator");
    long before = writes();
    clock.advance(Duration.ofMinutes(5));

    ModeState second = store.freeze("CLUSTER_UNHEALTHY", "second", List.of("3 nodes NotReady"), "rotator");

    assertEquals("DRAIN_TIMEOUT", second.reason());
    assertEquals(List.of("pod shop/web-1"), second.evidence());
    assertEquals(T0, second.at());
    assertEquals(second, store.mode());
    assertEquals(before, writes());
  }

  @Test
  @DisplayName("resume sets ROTATE with who and when; a later freeze records its own reason")
  void resumeThenFreeze() {
    store.freeze("MANUAL", "maintenance", List.of(), "cli:alice");
    clock.advance(Duration.ofHours(1));

    ModeState resumed = store.resume("cli:bob");

    assertEquals(Mode.ROTATE, resumed.mode());
    assertEquals("cli:bob", resumed.by());
    assertEquals(T0.plus(Duration.ofHours(1)), resumed.at());
    assertEquals(resumed, store.mode());
    assertEquals("ETCD_QUORUM", store.freeze("ETCD_QUORUM", "no leader", List.of(), "rotator").reason());
  }

  @Test
  @DisplayName("progress round-trips through JSON (records, enums, Instants, nulls) and leaves the mode alone")
  void progressRoundTrip() {
    store.freeze("MANUAL", "hold", List.of(), "cli:alice");
    RotationProgress p = progress("run-1", NodeState.CORDONED);

    store.saveProgress(p);

    assertEquals(Optional.of(p), store.progress());
    assertEquals(Mode.FREEZE, store.mode().mode());
    assertTrue(configMap().getData().get("progress").contains("\"startedAt\":\"2026-03-01T10:00:00Z\""));

    RotationProgress later = progress("run-1", NodeState.DRAINED);
    store.saveProgress(later);
    assertEquals(Optional.of(later), store.progress());
  }

  @Test
  @DisplayName("saving progress into a missing ConfigMap creates it in ROTATE mode")
  void progressCreates() {
    store.saveProgress(progress("run-2", NodeState.PENDING));
    assertEquals(Mode.ROTATE, store.mode().mode());
    assertEquals("run-2", store.progress().orElseThrow().runId());
  }

  @Test
  @DisplayName("two stores racing: a freeze that lands between another store's read and write wins (409, re-read)")
  void racingFreezes() {
    ConfigMapStateStore other = new ConfigMapStateStore(api.client, new TestClock(T0.minusSeconds(1)));
    store.saveProgress(progress("run-3", NodeState.CORDONED));
    // The store reads the clock after reading the ConfigMap and before writing it: the other store's
    // freeze lands exactly there, so this store's PUT carries a stale resourceVersion.
    clock.onNextNow(() -> other.freeze("ETCD_QUORUM", "etcd lost its leader", List.of("etcd-1 down"), "rotator-b"));

    ModeState result = store.freeze("DRAIN_TIMEOUT", "node-1 stuck", List.of("pod shop/web-1"), "rotator-a");

    assertEquals("ETCD_QUORUM", result.reason(), "the first freeze to land is kept");
    assertEquals("rotator-b", store.mode().by());
    assertEquals("run-3", store.progress().orElseThrow().runId(), "progress survived both writes");
    assertTrue(
        api.dispatcher.requests().stream().anyMatch(r -> r.method().equals("PUT")),
        "the race went through a conflicting PUT");
  }

  @Test
  @DisplayName("two stores racing to create the ConfigMap: the loser's 409 AlreadyExists is retried")
  void racingCreates() {
    ConfigMapStateStore other = new ConfigMapStateStore(api.client, new TestClock(T0));
    clock.onNextNow(() -> other.saveProgress(progress("run-b", NodeState.PENDING)));

    ModeState result = store.freeze("MANUAL", "stop", List.of(), "cli:alice");

    assertEquals(Mode.FREEZE, result.mode());
    assertEquals(result, store.mode());
    assertEquals("run-b", store.progress().orElseThrow().runId(), "the other store's creation survived");
    long posts =
        api.dispatcher.requests().stream()
            .filter(r -> r.method().equals("POST") && r.path().contains("/configmaps"))
            .count();
    assertEquals(2, posts, "both stores tried to create");
  }

  @Test
  @DisplayName("a progress write that conflicts with a concurrent freeze re-reads and keeps the freeze")
  void progressConflictKeepsFreeze() {
    store.saveProgress(progress("run-4", NodeState.CORDONED));
    api.dispatcher.concurrentWriteBeforeUpdate(
        CM_PATH,
        "[{\"op\":\"replace\",\"path\":\"/data/mode\",\"value\":\"FREEZE\"},"
            + "{\"op\":\"replace\",\"path\":\"/data/reason\",\"value\":\"MANUAL\"}]",
        1);

    store.saveProgress(progress("run-4", NodeState.DRAINED));

    assertEquals(Mode.FREEZE, store.mode().mode());
    assertEquals("MANUAL", store.mode().reason());
    assertEquals(NodeState.DRAINED, store.progress().orElseThrow().nodes().get(0).state());
  }

  @Test
  @DisplayName("a write that keeps conflicting gives up after a bounded number of attempts, RETRYABLE")
  void conflictBounded() {
    store.saveProgress(progress("run-5", NodeState.CORDONED));
    api.dispatcher.concurrentWriteBeforeUpdate(
        CM_PATH, "[{\"op\":\"add\",\"path\":\"/data/other\",\"value\":\"w{n}\"}]", 100);

    ClusterException e =
        assertThrows(ClusterException.class, () -> store.freeze("MANUAL", "x", List.of(), "cli"));

    assertEquals(ClusterException.Kind.RETRYABLE, e.kind());
    long puts = api.dispatcher.requests().stream().filter(r -> r.method().equals("PUT")).count();
    assertEquals(ConfigMapStateStore.MAX_ATTEMPTS, puts);
  }

  private void corrupt(Map<String, String> data) {
    api.client
        .configMaps()
        .inNamespace("rotator-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("rotator-state")
                .withNamespace("rotator-system")
                .endMetadata()
                .withData(data)
                .build())
        .create();
  }

  private ClusterException unreadable(Runnable r) {
    ClusterException e = assertThrows(ClusterException.class, r::run);
    assertEquals(ClusterException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("rotator-system/rotator-state"), e.getMessage());
    return e;
  }

  @Test
  @DisplayName("an unknown mode value is PERMANENT, naming the key and the expected values")
  void corruptMode() {
    corrupt(Map.of("mode", "PAUSED", "reason", "", "message", "", "evidence", "[]", "by", "", "at", ""));
    ClusterException e = unreadable(() -> store.mode());
    assertTrue(e.getMessage().contains("'mode'"), e.getMessage());
    assertTrue(e.getMessage().contains("ROTATE or FREEZE"), e.getMessage());
  }

  @Test
  @DisplayName("broken evidence JSON, a bad timestamp, or no mode key at all are PERMANENT")
  void corruptOtherKeys() {
    corrupt(Map.of("mode", "FREEZE", "evidence", "[not json", "at", "2026-03-01T10:00:00Z"));
    assertTrue(unreadable(() -> store.mode()).getMessage().contains("'evidence'"));

    api.client.configMaps().inNamespace("rotator-system").withName("rotator-state").edit(cm -> {
      cm.setData(Map.of("mode", "FREEZE", "evidence", "[]", "at", "yesterday"));
      return cm;
    });
    assertTrue(unreadable(() -> store.mode()).getMessage().contains("'at'"));

    api.client.configMaps().inNamespace("rotator-system").withName("rotator-state").edit(cm -> {
      cm.setData(Map.of("progress", "{}"));
      return cm;
    });
    assertTrue(unreadable(() -> store.mode()).getMessage().contains("'mode' is missing"));
  }

  @Test
  @DisplayName("a corrupt progress record is PERMANENT; the mode stays readable")
  void corruptProgress() {
    store.freeze("MANUAL", "hold", List.of(), "cli");
    api.client.configMaps().inNamespace("rotator-system").withName("rotator-state").edit(cm -> {
      cm.getData().put("progress", "{\"runId\": [1, 2");
      return cm;
    });

    assertTrue(unreadable(() -> store.progress()).getMessage().contains("'progress'"));
    assertEquals("MANUAL", store.mode().reason());
  }

  @Test
  @DisplayName("freezing over unreadable mode keys works (the safe direction) and makes them readable")
  void freezeRepairsCorruptMode() {
    corrupt(Map.of("mode", "PAUSED"));

    ModeState s = store.freeze("MANUAL", "stop", List.of(), "cli");

    assertEquals(Mode.FREEZE, s.mode());
    assertEquals(s, store.mode());
  }

  @Test
  @DisplayName("namespace and name are configurable")
  void customLocation() {
    ConfigMapStateStore custom = new ConfigMapStateStore(api.client, clock, "ops", "rotator-prod");
    custom.freeze("MANUAL", "x", List.of(), "cli");
    assertEquals("FREEZE", api.client.configMaps().inNamespace("ops").withName("rotator-prod").get().getData().get("mode"));
    assertEquals(ModeState.initial(), store.mode());
    assertEquals("ops/rotator-prod", custom.location());
  }
}
