package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.sim.cluster.Disruption;
import dev.rotator.sim.store.LabelSelectors;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DisruptionMathTest {

  @Test
  @DisplayName("percentages round up like Kubernetes' GetScaledValueFromIntOrPercent")
  void rounding() {
    assertEquals(2, Disruption.scaled(new IntOrString("50%"), 3), "minAvailable 50% of 3 needs 2");
    assertEquals(2, Disruption.scaled(new IntOrString("34%"), 5));
    assertEquals(0, Disruption.scaled(new IntOrString("0%"), 5));
    assertEquals(5, Disruption.scaled(new IntOrString("100%"), 5));
    assertEquals(1, Disruption.scaled(new IntOrString("10%"), 3), "maxUnavailable 10% of 3 still allows 1");
    assertEquals(4, Disruption.scaled(new IntOrString(4), 3));
  }

  @Test
  @DisplayName("query-string label selectors: =, ==, !=, exists, !exists, in, notin")
  void labelSelectors() {
    Map<String, String> l = Map.of("app", "web", "tier", "front");
    assertTrue(LabelSelectors.parse("app=web").test(l));
    assertTrue(LabelSelectors.parse("app==web,tier").test(l));
    assertFalse(LabelSelectors.parse("app!=web").test(l));
    assertTrue(LabelSelectors.parse("!missing,app in (api, web),tier notin (back)").test(l));
    assertFalse(LabelSelectors.parse("app notin (web)").test(l));
    assertFalse(LabelSelectors.parse("missing").test(l));
    assertTrue(LabelSelectors.parse("").test(l));
    assertFalse(LabelSelectors.of(null).test(l), "a PDB without selector selects nothing");
    assertTrue(LabelSelectors.of(new io.fabric8.kubernetes.api.model.LabelSelector()).test(l),
        "an empty selector selects everything");
  }
}
