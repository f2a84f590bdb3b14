package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One transient UNKNOWN against a persistent one, through the real {@link CompositeGate} (unknownGrace 2 min,
 * requiredPasses 2, an always-healthy check beside the scripted one) evaluated every 30 s on a manual clock. The
 * scripted check stands in for a health check's answers (UNKNOWN: it could not tell; UNHEALTHY: it saw harm); the
 * gate's decision is what is tested. Invariant violations: a PASS while any check is not healthy, a FAIL caused by
 * one transient UNKNOWN, an UNKNOWN held open past the grace, an UNHEALTHY answer not failing at once.
 */
@Order(5)
class GateUnknownTest {
  static final String AREA = "gates";
  static final Duration GRACE = Duration.ofMinutes(2);
  static final Duration INTERVAL = Duration.ofSeconds(30);
  static final int MAX_EVALUATIONS = 20;
  private static final Results RESULTS = new Results("gates");

  /** The checks whose answers are scripted: name and reason code as in health-checks/*. */
  enum Flavour {
    ETCD("etcd", ReasonCode.ETCD_QUORUM),
    PROMETHEUS("prometheus", ReasonCode.ALERT_FIRING),
    APISERVER("apiserver", ReasonCode.API_LATENCY);

    final String check;
    final ReasonCode reason;

    Flavour(String check, ReasonCode reason) {
      this.check = check;
      this.reason = reason;
    }
  }

  @AfterAll
  static void write() {
    RESULTS.write();
  }

  static HealthCheck scripted(Flavour f, IntFunction<CheckResult.Status> answer) {
    AtomicInteger calls = new AtomicInteger();
    return new HealthCheck() {
      @Override
      public String name() {
        return f.check;
      }

      @Override
      public ReasonCode reasonCode() {
        return f.reason;
      }

      @Override
      public CheckResult check() {
        return switch (answer.apply(calls.getAndIncrement())) {
          case HEALTHY -> CheckResult.healthy(f.check, "fine", Map.of());
          case UNHEALTHY -> CheckResult.unhealthy(f.check, f.check + " saw harm", Map.of());
          case UNKNOWN -> CheckResult.unknown(f.check, f.check + " could not be reached");
        };
      }
    };
  }

  static final HealthCheck ALWAYS_HEALTHY = new HealthCheck() {
    @Override
    public String name() {
      return "cluster-state";
    }

    @Override
    public ReasonCode reasonCode() {
      return ReasonCode.CLUSTER_UNHEALTHY;
    }

    @Override
    public CheckResult check() {
      return CheckResult.healthy("cluster-state", "all nodes Ready", Map.of());
    }
  };

  /** Evaluates until PASS or FAIL (bounded), the clock moving {@link #INTERVAL} between evaluations. */
  static List<GateDecision> run(HealthCheck check, ManualClock clock) {
    List<GateDecision> seen = new ArrayList<>();
    try (CompositeGate gate = new CompositeGate(List.of(ALWAYS_HEALTHY, check), 2, Duration.ofSeconds(2), GRACE, clock)) {
      for (int i = 0; i < MAX_EVALUATIONS; i++) {
        GateDecision d = gate.evaluate("cordon node-" + i);
        seen.add(d);
        if (d.verdict() != GateDecision.Verdict.WAIT) {
          break;
        }
        clock.advance(INTERVAL);
      }
    }
    return seen;
  }

  static List<GateDecision.Verdict> verdicts(List<GateDecision> ds) {
    return ds.stream().map(GateDecision::verdict).toList();
  }

  static GateDecision last(List<GateDecision> ds) {
    return ds.get(ds.size() - 1);
  }

  /** A PASS on an evaluation where some check was not healthy. */
  static int passWhileNotHealthy(List<GateDecision> ds) {
    return (int) ds.stream().filter(d -> d.verdict() == GateDecision.Verdict.PASS
        && d.results().stream().anyMatch(r -> !r.healthy())).count();
  }

  static String outcome(GateDecision last) {
    return switch (last.verdict()) {
      case PASS -> "held, then passed";
      case FAIL -> "froze " + last.reason();
      case WAIT -> "still waiting after " + MAX_EVALUATIONS + " evaluations";
    };
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Flavour.class)
  @DisplayName("a check UNKNOWN once, then healthy: the gate holds (WAIT), then passes; it never fails")
  void transientUnknown(Flavour f) {
    ManualClock clock = new ManualClock();
    List<GateDecision> ds = run(scripted(f, n -> n == 0 ? CheckResult.Status.UNKNOWN : CheckResult.Status.HEALTHY), clock);
    int fails = (int) ds.stream().filter(d -> d.verdict() == GateDecision.Verdict.FAIL).count();
    int violations = fails + passWhileNotHealthy(ds);
    RESULTS.add(AREA, "one transient UNKNOWN, then healthy", outcome(last(ds)), violations);
    assertEquals(List.of(GateDecision.Verdict.WAIT, GateDecision.Verdict.WAIT, GateDecision.Verdict.PASS), verdicts(ds),
        "UNKNOWN held, then two healthy evaluations (requiredPasses 2)");
    assertEquals(0, violations);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Flavour.class)
  @DisplayName("a check UNKNOWN for longer than unknownGrace fails the gate with the check's reason, not before")
  void persistentUnknown(Flavour f) {
    ManualClock clock = new ManualClock();
    java.time.Instant start = clock.now();
    List<GateDecision> ds = run(scripted(f, n -> CheckResult.Status.UNKNOWN), clock);
    GateDecision last = last(ds);
    Duration failedAfter = Duration.between(start, clock.now());
    boolean inTime = failedAfter.compareTo(GRACE) >= 0 && failedAfter.compareTo(GRACE.plus(INTERVAL)) < 0;
    int violations = passWhileNotHealthy(ds) + (last.verdict() == GateDecision.Verdict.FAIL && inTime ? 0 : 1);
    RESULTS.add(AREA, "UNKNOWN for longer than the grace (2 min)", outcome(last), violations);
    assertEquals(GateDecision.Verdict.FAIL, last.verdict(), verdicts(ds).toString());
    assertEquals(f.reason, last.reason());
    assertEquals(GRACE, failedAfter, "failed at the first evaluation the grace had passed");
    assertTrue(last.evidence().stream().anyMatch(e -> e.contains(f.check + " could not be reached")), last.evidence().toString());
    assertEquals(0, violations);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Flavour.class)
  @DisplayName("a check UNHEALTHY fails the gate at the first evaluation, with the check's reason")
  void unhealthy(Flavour f) {
    ManualClock clock = new ManualClock();
    List<GateDecision> ds = run(scripted(f, n -> CheckResult.Status.UNHEALTHY), clock);
    int violations = passWhileNotHealthy(ds) + (ds.size() == 1 && ds.get(0).verdict() == GateDecision.Verdict.FAIL ? 0 : 1);
    RESULTS.add(AREA, "UNHEALTHY (fails at once)", outcome(last(ds)), violations);
    assertEquals(List.of(GateDecision.Verdict.FAIL), verdicts(ds));
    assertEquals(f.reason, last(ds).reason());
    assertEquals(0, violations);
  }
}
