package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The CI member of the scale family (docs/performance.md): the built-in {@code small} scenario (50 nodes,
 * ~1,000 pods) rotated end to end by the real engine. Safety and completeness are asserted; speed is not
 * (that is the benchmark's job), the makespan and its ratio to the lower bound are only required to exist.
 */
class SmallScenarioTest {

  @Test
  @DisplayName("small: all 50 nodes rotated, no PDB violated, no pod lost, makespan at or above the lower bound")
  void small() throws Exception {
    // The scenario's own clock (x100): ~25 wall seconds. A faster clock on a loaded 2-core machine turns
    // CPU starvation into simulated minutes and tests the machine rather than the rotation.
    Scenario scenario = Scenario.builtin("small");
    SimRunner.Outcome o = SimRunner.run(scenario, null, false);
    SimReport r = o.report();
    assertEquals(50, r.nodesOutdatedAtStart());
    assertEquals(50, r.nodesRotated(), r.toJson());
    assertTrue(r.rotationComplete());
    assertEquals(0, r.pdbViolations(), r.pdbViolationDetails().toString());
    assertEquals(0, r.podsLost(), r.podsLostDetails().toString());
    assertTrue(r.maxNodesUnavailable() <= 4, "maxUnavailable 4, saw " + r.maxNodesUnavailable());
    assertNotNull(r.lowerBound().seconds());
    assertTrue(r.makespanOverLowerBound() >= 1.0, "a makespan below the lower bound means the bound is wrong: "
        + r.makespanSeconds() + " s vs " + r.lowerBound());
    StringWriter text = new StringWriter();
    SimRunner.summary(new PrintWriter(text, true), o);
    assertTrue(text.toString().contains("makespan/lowerBound"), text.toString());
  }
}
