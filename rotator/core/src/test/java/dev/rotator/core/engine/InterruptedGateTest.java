package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.RotationEvent;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InterruptedGateTest {
  @Test
  @DisplayName("a gate that fails because SIGTERM interrupted its checks ends the run INTERRUPTED, not frozen")
  void interruptedGateIsNotAFreeze() throws Exception {
    TestWorld w = new TestWorld().nodes(2).deployment("a", "x", 2, "1", null);
    // What CompositeGate does when the shutdown hook interrupts it: UNKNOWN checks (FAIL), interrupt flag set.
    Gate interrupted = step -> {
      Thread.currentThread().interrupt();
      return new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.CLUSTER_UNHEALTHY, List.of());
    };
    RunResult r;
    try {
      r = w.engine(TestWorld.policy(1, 1), interrupted).run(RunOptions.defaults("run-int"));
    } finally {
      Thread.interrupted();
    }
    assertEquals(RunResult.Outcome.INTERRUPTED, r.outcome(), r.message());
    assertFalse(w.store.mode().frozen(), "no freeze persisted");
    assertTrue(w.notifier.ofType(RotationEvent.Type.FROZEN).isEmpty(), "no freeze alert");
  }
}
