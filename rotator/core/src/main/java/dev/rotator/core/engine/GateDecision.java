package dev.rotator.core.engine;

import dev.rotator.core.port.CheckResult;
import java.util.List;

/**
 * A gate's answer.
 *
 * @param verdict PASS: go on; WAIT: healthy but not for enough consecutive evaluations yet, or some check
 *     UNKNOWN for less than {@code gates.unknownGrace}: take no disruptive step now; FAIL: freeze
 * @param reason the freeze reason for FAIL (the first failing check's), else null
 * @param results every check's result
 */
public record GateDecision(Verdict verdict, ReasonCode reason, List<CheckResult> results) {

  /** Verdicts. */
  public enum Verdict {
    PASS,
    WAIT,
    FAIL
  }

  public GateDecision {
    results = results == null ? List.of() : List.copyOf(results);
  }

  public static GateDecision pass(List<CheckResult> results) {
    return new GateDecision(Verdict.PASS, null, results);
  }

  /** Evidence lines: every check that was not healthy, with its values. */
  public List<String> evidence() {
    return results.stream()
        .filter(r -> !r.healthy())
        .map(r -> r.check() + " " + r.status() + ": " + r.reason() + (r.values().isEmpty() ? "" : " " + r.values()))
        .toList();
  }
}
