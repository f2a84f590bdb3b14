package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.pool.PoolSwitchRecord;
import dev.rotator.core.pool.PoolSwitchState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ConfigMapStateStore keeps the node-pool switch record under its own key")
class ConfigMapPoolSwitchTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private final MockApi api = new MockApi();
  private final ConfigMapStateStore store = new ConfigMapStateStore(api.client, new TestClock(T0));

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  @DisplayName("the record round-trips through the poolSwitch key and leaves the rotation progress alone")
  void roundTrip() {
    assertEquals(Optional.empty(), store.poolSwitch());
    RotationProgress progress = new RotationProgress("run-0", T0, T0, "ENDED", Map.of(), List.of());
    store.saveProgress(progress);
    PoolSwitchRecord r = new PoolSwitchRecord("run-1", "web-a", "web-b", PoolSwitchState.DRAINING, T0,
        T0.plusSeconds(60), 3, List.of("n1", "n2", "n3"), List.of("n1"), null, "drained n1");

    store.savePoolSwitch(r);
    store.freeze("MANUAL", "stop", List.of(), "cli:alice");

    assertEquals(r, store.poolSwitch().orElseThrow());
    assertEquals(progress, store.progress().orElseThrow());
    var data = api.client.configMaps().inNamespace("rotator-system").withName("rotator-state").get().getData();
    assertTrue(data.get(ConfigMapStateStore.KEY_POOL_SWITCH).contains("\"state\":\"DRAINING\""), data.toString());
  }

  @Test
  @DisplayName("an unreadable record fails loudly, naming the key")
  void corrupt() {
    store.savePoolSwitch(new PoolSwitchRecord("run-1", "web-a", "web-b", PoolSwitchState.PLANNED, T0, T0, 3,
        List.of(), List.of(), null, ""));
    var cm = api.client.configMaps().inNamespace("rotator-system").withName("rotator-state").get();
    cm.getData().put(ConfigMapStateStore.KEY_POOL_SWITCH, "{not json");
    api.client.configMaps().inNamespace("rotator-system").resource(cm).update();

    var e = org.junit.jupiter.api.Assertions.assertThrows(dev.rotator.core.port.ClusterException.class,
        store::poolSwitch);
    assertTrue(e.getMessage().contains("'poolSwitch'"), e.getMessage());
  }
}
