package dev.rotator.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in rotator.yaml and scenario files: {@code 90s}, {@code 15m}, {@code
 * 1h30m}, {@code 2d}, {@code 500ms}. Units {@code d h m s ms}, each at most once and largest first; no
 * sign, no fractions, no spaces. Components have at most 9 digits, so nothing overflows.
 */
public final class Durations {
  private static final Pattern P =
      Pattern.compile("^(?:(\\d{1,9})d)?(?:(\\d{1,9})h)?(?:(\\d{1,9})m(?!s))?(?:(\\d{1,9})s)?(?:(\\d{1,9})ms)?$");

  /** The grammar, for error messages. */
  public static final String EXPECTED =
      "a duration like 90s, 15m, 1h30m or 2d (units d, h, m, s, ms, largest first)";

  private Durations() {}

  /**
   * Parses a duration; zero ({@code 0s}) is allowed here, callers decide the bounds.
   *
   * @throws IllegalArgumentException with a sentence saying what is expected
   */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("expected " + EXPECTED + ", got an empty string");
    }
    if (text.startsWith("-")) {
      throw new IllegalArgumentException("a duration cannot be negative, got '" + text + "'");
    }
    Matcher m = P.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'");
    }
    Duration d = Duration.ZERO;
    boolean any = false;
    long[] unitSeconds = {86_400, 3_600, 60, 1};
    for (int i = 0; i < 4; i++) {
      if (m.group(i + 1) != null) {
        d = d.plusSeconds(Long.parseLong(m.group(i + 1)) * unitSeconds[i]);
        any = true;
      }
    }
    if (m.group(5) != null) {
      d = d.plusMillis(Long.parseLong(m.group(5)));
      any = true;
    }
    if (!any) {
      throw new IllegalArgumentException("expected " + EXPECTED + ", got '" + text + "'");
    }
    return d;
  }

  /** The shortest text {@link #parse} reads back as the same duration (millisecond precision). */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException("negative duration " + d);
    }
    StringBuilder b = new StringBuilder();
    long days = d.toDaysPart();
    if (days > 0) {
      b.append(days).append('d');
    }
    if (d.toHoursPart() > 0) {
      b.append(d.toHoursPart()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      b.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0) {
      b.append(d.toSecondsPart()).append('s');
    }
    if (d.toMillisPart() > 0) {
      b.append(d.toMillisPart()).append("ms");
    }
    return b.toString();
  }
}
