package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.model.LabelSelector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code policy.speed} and {@code policy.unhealthyPodEviction}. */
class SpeedConfigTest {

  @Test
  @DisplayName("without the sections, every speed lever is on with its documented default and no pod is ever deleted")
  void defaults() {
    RotationPolicy p = ConfigLoader.parse("policy:\n  maxUnavailable: 2\n", "t").policy();
    assertEquals(RotationPolicy.Speed.defaults(), p.speed());
    assertEquals(new RotationPolicy.Speed(0, true, true, 8, new RotationPolicy.Adaptive(true, 0, Duration.ofSeconds(2))),
        p.speed());
    assertFalse(p.unhealthyPodEviction().enabled());
    assertEquals(Duration.ofMinutes(10), p.unhealthyPodEviction().after());
  }

  @Test
  @DisplayName("every key is read as written")
  void readsKeys() {
    RotationPolicy p = ConfigLoader.parse(
        "policy:\n  speed:\n    maxUnavailablePerZone: 2\n    surgeBeforeDrain: false\n    drainabilityOrder: false\n"
            + "    evictionParallelism: 1\n    adaptive: {enabled: false, maxUnschedulablePods: 5, maxApiLatency: 500ms}\n"
            + "  unhealthyPodEviction:\n    namespaces: [batch, jobs]\n    selector: {tier: best-effort}\n    after: 30m\n",
        "t").policy();
    assertEquals(new RotationPolicy.Speed(2, false, false, 1,
        new RotationPolicy.Adaptive(false, 5, Duration.ofMillis(500))), p.speed());
    assertEquals(new RotationPolicy.UnhealthyPodEviction(List.of("batch", "jobs"),
        LabelSelector.of(Map.of("tier", "best-effort")), Duration.ofMinutes(30)), p.unhealthyPodEviction());
    assertTrue(p.unhealthyPodEviction().enabled());
  }

  @Test
  @DisplayName("out-of-range and inconsistent values are refused with the key's path")
  void refuses() {
    for (String[] c : List.of(
        new String[] {"policy:\n  speed: {evictionParallelism: 0}\n", "policy.speed.evictionParallelism"},
        new String[] {"policy:\n  speed: {evictionParallelism: 65}\n", "policy.speed.evictionParallelism"},
        new String[] {"policy:\n  speed: {maxUnavailablePerZone: -1}\n", "policy.speed.maxUnavailablePerZone"},
        new String[] {"policy:\n  speed: {adaptive: {maxApiLatency: 0s}}\n", "policy.speed.adaptive.maxApiLatency"},
        new String[] {"policy:\n  speed: {turbo: true}\n", "policy.speed"},
        new String[] {"policy:\n  unhealthyPodEviction: {namespaces: [Not_A_Namespace]}\n",
            "policy.unhealthyPodEviction.namespaces"},
        new String[] {"policy:\n  unhealthyPodEviction: {after: 10s}\n", "policy.unhealthyPodEviction.after"},
        new String[] {"policy:\n  maxUnavailable: 0\n  maxSurge: 1\n  speed: {surgeBeforeDrain: false}\n", "policy"})) {
      ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(c[0], "t"), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }
}
