package dev.rotator.core.engine;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A weekly time span in which rotator may start nodes (like kured's {@code --reboot-days}, {@code --start-time},
 * {@code --end-time}, {@code --time-zone}).
 *
 * <p>A window opens at {@code start} on each of its {@code days}, in {@code zone}'s wall-clock time, and closes at
 * {@code end} the same day; when {@code end} is not after {@code start} it closes the next day (22:00–04:00 on
 * Friday runs from Friday 22:00 to Saturday 04:00 and belongs to Friday; 00:00–00:00 is the whole day). DST follows
 * java.time: a wall-clock time in a spring-forward gap is moved later by the gap (02:30 becomes 03:30), a time in a
 * fall-back overlap is its first occurrence; so a window's real length can differ from its wall-clock length on
 * those two nights.
 *
 * @param days the days a window opens on (at least one)
 * @param start wall-clock opening time
 * @param end wall-clock closing time (the next day when not after {@code start})
 * @param zone the time zone of {@code start} and {@code end}
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {

  private static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
  private static final List<String> DAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
  private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm", Locale.ROOT);

  public MaintenanceWindow {
    Objects.requireNonNull(days, "days");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(zone, "timeZone");
    if (days.isEmpty()) {
      throw new IllegalArgumentException("days must name at least one day (mon..sun)");
    }
    days = Set.copyOf(EnumSet.copyOf(days));
  }

  /**
   * Builds a window from rotator.yaml's text. Errors are IllegalArgumentExceptions whose message starts with the
   * key at fault ({@code days}, {@code start}, {@code end}, {@code timeZone}).
   */
  public static MaintenanceWindow of(List<String> days, String start, String end, String timeZone) {
    Set<DayOfWeek> parsed = EnumSet.noneOf(DayOfWeek.class);
    for (String d : days) {
      parsed.add(day(d));
    }
    if (parsed.isEmpty()) {
      throw new IllegalArgumentException("days must name at least one day (mon..sun)");
    }
    return new MaintenanceWindow(parsed, time("start", start), time("end", end), zone(timeZone));
  }

  /** {@code mon}..{@code sun} (any case). */
  public static DayOfWeek day(String name) {
    int i = DAY_NAMES.indexOf(name.strip().toLowerCase(Locale.ROOT));
    if (i < 0) {
      throw new IllegalArgumentException(
          "days: '" + name + "' is not a day; expected one of " + String.join(", ", DAY_NAMES));
    }
    return DayOfWeek.of(i + 1);
  }

  private static LocalTime time(String key, String text) {
    if (text == null || !HH_MM.matcher(text).matches()) {
      throw new IllegalArgumentException(key + " must be a 24-hour time HH:MM (e.g. 22:00), got '" + text + "'");
    }
    return LocalTime.parse(text);
  }

  private static ZoneId zone(String text) {
    try {
      return ZoneId.of(text);
    } catch (DateTimeException | NullPointerException e) {
      throw new IllegalArgumentException(
          "timeZone '" + text + "' is not a known time zone; use an IANA id such as Europe/Berlin, America/New_York"
              + " or UTC");
    }
  }

  /** Whether {@code t} falls in this window: from an opening (inclusive) to its closing (exclusive). */
  public boolean contains(Instant t) {
    LocalDate today = t.atZone(zone).toLocalDate();
    // Only a window that opened today or (across midnight) yesterday can still be open.
    for (LocalDate d : List.of(today.minusDays(1), today)) {
      if (days.contains(d.getDayOfWeek())) {
        Instant open = opening(d).toInstant();
        Instant close = closing(d).toInstant();
        if (!t.isBefore(open) && t.isBefore(close)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The first opening at or after {@code t} (within eight days, as every window opens at least weekly). */
  public ZonedDateTime nextOpening(Instant t) {
    LocalDate today = t.atZone(zone).toLocalDate();
    for (int i = -1; i <= 8; i++) {
      LocalDate d = today.plusDays(i);
      if (days.contains(d.getDayOfWeek())) {
        ZonedDateTime open = opening(d);
        if (!open.toInstant().isBefore(t)) {
          return open;
        }
      }
    }
    throw new IllegalStateException("no opening within 8 days of " + t + " for " + this);
  }

  private ZonedDateTime opening(LocalDate d) {
    return ZonedDateTime.of(d, start, zone);
  }

  private ZonedDateTime closing(LocalDate d) {
    return ZonedDateTime.of(end.isAfter(start) ? d : d.plusDays(1), end, zone);
  }

  /** True when {@code windows} is empty (no restriction) or one of them contains {@code t}. */
  public static boolean allows(List<MaintenanceWindow> windows, Instant t) {
    return windows.isEmpty() || windows.stream().anyMatch(w -> w.contains(t));
  }

  /** The earliest opening of any of {@code windows} at or after {@code t}; empty when there are none. */
  public static Optional<ZonedDateTime> nextOpening(List<MaintenanceWindow> windows, Instant t) {
    return windows.stream().map(w -> w.nextOpening(t)).min(Comparator.comparing(ZonedDateTime::toInstant));
  }

  /** What a run that starts outside every window says (the engine and the CLI's native upgrade alike). */
  public static String outsideMessage(List<MaintenanceWindow> windows, Instant now) {
    return "outside the maintenance window (next opens at "
        + nextOpening(windows, now).map(MaintenanceWindow::describe).orElse("never") + "); nothing was done";
  }

  /** An opening as people read it: {@code Fri 2026-01-02 22:00 Europe/Berlin (2026-01-02T21:00:00Z)}. */
  public static String describe(ZonedDateTime at) {
    return SHOWN.format(at) + " " + at.getZone() + " (" + at.toInstant() + ")";
  }

  @Override
  public String toString() {
    List<String> names = new ArrayList<>();
    for (DayOfWeek d : EnumSet.copyOf(days)) {
      names.add(DAY_NAMES.get(d.getValue() - 1));
    }
    return String.join(",", names) + " " + start + "-" + end + " " + zone;
  }
}
