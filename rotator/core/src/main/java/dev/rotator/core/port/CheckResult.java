package dev.rotator.core.port;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one health check.
 *
 * @param check the check's name
 * @param status healthy, unhealthy or unknown (fail closed)
 * @param reason a human sentence
 * @param values measured values, e.g. {@code notReadyNodes=3}, {@code threshold=2}
 */
public record CheckResult(String check, Status status, String reason, Map<String, String> values) {

  /** Status of a check. UNKNOWN counts as unhealthy. */
  public enum Status {
    HEALTHY,
    UNHEALTHY,
    UNKNOWN
  }

  public CheckResult {
    reason = reason == null ? "" : reason;
    values = values == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  public boolean healthy() {
    return status == Status.HEALTHY;
  }

  public static CheckResult healthy(String check, String reason, Map<String, String> values) {
    return new CheckResult(check, Status.HEALTHY, reason, values);
  }

  public static CheckResult unhealthy(String check, String reason, Map<String, String> values) {
    return new CheckResult(check, Status.UNHEALTHY, reason, values);
  }

  public static CheckResult unknown(String check, String reason) {
    return new CheckResult(check, Status.UNKNOWN, reason, Map.of());
  }
}
