package dev.rotator.health.prometheus;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Validation and formatting shared by the Prometheus checks. */
final class Support {
  private Support() {}

  /** How many alerts or series a reason names; the counts carry the rest. */
  static final int MAX_NAMED = 5;

  /**
   * The longest per-request timeout accepted: a gate waiting longer is not a health check any more.
   */
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");

  static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "timeout must be positive and at most " + MAX_TIMEOUT.toMinutes() + "m, got " + timeout);
    }
  }

  static void checkName(String what, String name) {
    Objects.requireNonNull(name, what);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " must be 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a"
              + " letter or digit, got '"
              + name
              + "'");
    }
  }

  /**
   * {@code 0.93}, {@code 1500}, {@code NaN}, {@code +Inf}: short, exact for what Prometheus sends.
   */
  static String number(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /** {@code {a="b", c="d"}} without the labels left out; empty labels give {@code {}}. */
  static String labels(Map<String, String> labels, String without) {
    return labels.entrySet().stream()
        .filter(e -> !e.getKey().equals(without))
        .map(e -> e.getKey() + "=" + LabelMatchers.quote(e.getValue()))
        .collect(Collectors.joining(", ", "{", "}"));
  }

  /** The first {@link #MAX_NAMED} items, then "and N more". */
  static String firstFew(List<String> all) {
    if (all.size() <= MAX_NAMED) {
      return String.join("; ", all);
    }
    return String.join("; ", all.subList(0, MAX_NAMED))
        + "; and "
        + (all.size() - MAX_NAMED)
        + " more";
  }
}
