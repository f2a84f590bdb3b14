package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CompositeGate: UNKNOWN holds for gates.unknownGrace, UNHEALTHY fails at once")
class CompositeGateTest {
  private static final Duration GRACE = Duration.ofSeconds(30);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));

  /** A check answering from a script, one status per evaluation; the last one repeats. */
  private static final class Scripted implements HealthCheck {
    private final String name;
    private final ReasonCode code;
    private final Deque<CheckResult.Status> script = new ArrayDeque<>();

    Scripted(String name, ReasonCode code, CheckResult.Status... statuses) {
      this.name = name;
      this.code = code;
      script.addAll(List.of(statuses));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ReasonCode reasonCode() {
      return code;
    }

    @Override
    public CheckResult check() {
      CheckResult.Status s = script.size() > 1 ? script.poll() : script.peek();
      return switch (s) {
        case HEALTHY -> CheckResult.healthy(name, "fine", Map.of());
        case UNHEALTHY -> CheckResult.unhealthy(name, "1/3 members healthy", Map.of());
        case UNKNOWN -> CheckResult.unknown(name, "cannot reach the API server: connection reset");
      };
    }
  }

  private static final CheckResult.Status OK = CheckResult.Status.HEALTHY;
  private static final CheckResult.Status BAD = CheckResult.Status.UNHEALTHY;
  private static final CheckResult.Status UNKNOWN = CheckResult.Status.UNKNOWN;

  private CompositeGate gate(Duration grace, int passes, HealthCheck... checks) {
    return new CompositeGate(List.of(checks), passes, Duration.ofSeconds(2), grace, clock);
  }

  @Test
  @DisplayName("one UNKNOWN blip then healthy: the gate holds (WAIT), never fails, and passes after the "
      + "required consecutive passes")
  void blipThenHealthy() {
    try (CompositeGate g = gate(GRACE, 2, new Scripted("etcd", ReasonCode.ETCD_QUORUM, UNKNOWN, OK))) {
      GateDecision blip = g.evaluate("cordon n1");
      assertEquals(GateDecision.Verdict.WAIT, blip.verdict());
      assertNull(blip.reason());
      assertEquals("0 s", blip.results().get(0).values().get("unknownFor"));
      assertEquals("30 s", blip.results().get(0).values().get("unknownGrace"));
      clock.advance(Duration.ofSeconds(10));
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("cordon n1").verdict(), "first pass after the blip");
      clock.advance(Duration.ofSeconds(10));
      assertEquals(GateDecision.Verdict.PASS, g.evaluate("cordon n1").verdict(), "second consecutive pass");
    }
  }

  @Test
  @DisplayName("a PASS streak is broken by an UNKNOWN blip: requiredPasses consecutive passes are needed again")
  void blipResetsPasses() {
    try (CompositeGate g = gate(GRACE, 2, new Scripted("etcd", ReasonCode.ETCD_QUORUM, OK, UNKNOWN, OK, OK))) {
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict(), "the blip");
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict(), "one pass since the blip is not enough");
      assertEquals(GateDecision.Verdict.PASS, g.evaluate("x").verdict());
    }
  }

  @Test
  @DisplayName("an UNKNOWN that persists FAILs once the grace has passed on the injected clock, with the "
      + "check's reason code and how long it has been unknown")
  void persistentUnknownFailsAfterGrace() {
    try (CompositeGate g = gate(GRACE, 1, new Scripted("apiserver", ReasonCode.API_UNAVAILABLE, OK),
        new Scripted("etcd", ReasonCode.ETCD_QUORUM, UNKNOWN))) {
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      clock.advance(Duration.ofSeconds(12));
      GateDecision held = g.evaluate("x");
      assertEquals(GateDecision.Verdict.WAIT, held.verdict());
      assertTrue(held.evidence().get(0).contains("unknownFor=12 s"), held.evidence().toString());
      clock.advance(Duration.ofSeconds(17));
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict(), "29 s: still within the grace");
      clock.advance(Duration.ofSeconds(1));
      GateDecision d = g.evaluate("x");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict());
      assertEquals(ReasonCode.ETCD_QUORUM, d.reason());
      assertEquals(1, d.evidence().size(), d.evidence().toString());
      String ev = d.evidence().get(0);
      assertTrue(ev.startsWith("etcd UNKNOWN: cannot reach the API server"), ev);
      assertTrue(ev.contains("unknownFor=30 s") && ev.contains("unknownGrace=30 s"), ev);
    }
  }

  @Test
  @DisplayName("checks taking turns at being UNKNOWN do not restart the grace: only an all-known evaluation does")
  void alternatingUnknownsAreOneStreak() {
    try (CompositeGate g = gate(GRACE, 1,
        new Scripted("a", ReasonCode.API_UNAVAILABLE, UNKNOWN, OK, UNKNOWN, OK),
        new Scripted("b", ReasonCode.ETCD_QUORUM, OK, UNKNOWN, OK, UNKNOWN))) {
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      clock.advance(Duration.ofSeconds(20));
      GateDecision second = g.evaluate("x");
      assertEquals(GateDecision.Verdict.WAIT, second.verdict());
      assertEquals("0 s", second.results().get(1).values().get("unknownFor"), "b itself has just turned unknown");
      clock.advance(Duration.ofSeconds(10));
      GateDecision d = g.evaluate("x");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict(), "30 s of evaluations that each had an unknown check");
      assertEquals(ReasonCode.API_UNAVAILABLE, d.reason());
    }
  }

  @Test
  @DisplayName("UNHEALTHY fails at once, also in the middle of an UNKNOWN hold, and its reason wins")
  void unhealthyFailsAtOnce() {
    try (CompositeGate g = gate(GRACE, 1, new Scripted("apiserver", ReasonCode.API_UNAVAILABLE, UNKNOWN),
        new Scripted("etcd", ReasonCode.ETCD_QUORUM, OK, BAD))) {
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      GateDecision d = g.evaluate("x");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict(), "no clock movement needed");
      assertEquals(ReasonCode.ETCD_QUORUM, d.reason());
    }
    try (CompositeGate g = gate(GRACE, 1, new Scripted("etcd", ReasonCode.ETCD_QUORUM, BAD))) {
      assertEquals(GateDecision.Verdict.FAIL, g.evaluate("x").verdict());
    }
  }

  @Test
  @DisplayName("grace 0 keeps the old rule: the first UNKNOWN fails, with the result as the check gave it")
  void zeroGraceFailsAtOnce() {
    try (CompositeGate g = gate(Duration.ZERO, 1, new Scripted("etcd", ReasonCode.ETCD_QUORUM, UNKNOWN))) {
      GateDecision d = g.evaluate("x");
      assertEquals(GateDecision.Verdict.FAIL, d.verdict());
      assertEquals(ReasonCode.ETCD_QUORUM, d.reason());
      assertTrue(d.results().get(0).values().isEmpty(), d.results().toString());
    }
    try (CompositeGate g = new CompositeGate(
        List.of(new Scripted("etcd", ReasonCode.ETCD_QUORUM, UNKNOWN)), 1, Duration.ofSeconds(2))) {
      assertEquals(Duration.ZERO, g.unknownGrace(), "the three-argument constructor has no grace");
      assertEquals(GateDecision.Verdict.FAIL, g.evaluate("x").verdict());
    }
  }

  @Test
  @DisplayName("a clock that goes backwards restarts the hold instead of ending it early")
  void clockBackwards() {
    Instant[] now = {Instant.parse("2026-03-01T10:00:00Z")};
    dev.rotator.core.port.Clock settable = new dev.rotator.core.port.Clock() {
      @Override
      public Instant now() {
        return now[0];
      }

      @Override
      public void sleep(Duration d) {
        now[0] = now[0].plus(d);
      }
    };
    try (CompositeGate g = new CompositeGate(List.of(new Scripted("etcd", ReasonCode.ETCD_QUORUM, UNKNOWN)), 1,
        Duration.ofSeconds(2), GRACE, settable)) {
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      now[0] = now[0].minus(Duration.ofHours(1));
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict(), "the streak restarts at the new time");
      now[0] = now[0].plus(Duration.ofSeconds(29));
      assertEquals(GateDecision.Verdict.WAIT, g.evaluate("x").verdict());
      now[0] = now[0].plus(Duration.ofSeconds(1));
      assertEquals(GateDecision.Verdict.FAIL, g.evaluate("x").verdict());
    }
  }

  @Test
  @DisplayName("a negative grace is refused")
  void negativeGrace() {
    assertThrows(IllegalArgumentException.class, () -> gate(Duration.ofSeconds(-1), 1));
  }
}
