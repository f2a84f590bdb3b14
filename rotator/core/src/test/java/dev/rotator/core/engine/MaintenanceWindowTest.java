package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MaintenanceWindowTest {

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  /** How long the window opening on the first instant's day really stays open, minute by minute. */
  private static Duration openFor(MaintenanceWindow w, Instant from, Duration scan) {
    Duration open = Duration.ZERO;
    for (Instant t = from; t.isBefore(from.plus(scan)); t = t.plusSeconds(60)) {
      if (w.contains(t)) {
        open = open.plusMinutes(1);
      }
    }
    return open;
  }

  @Test
  @DisplayName("a same-day window contains its start, not its end, and only on its days")
  void sameDay() {
    MaintenanceWindow w = MaintenanceWindow.of(List.of("mon", "wed"), "09:00", "17:00", "UTC");
    assertTrue(w.contains(at("2026-01-05T09:00:00Z")), "Monday at the start");
    assertTrue(w.contains(at("2026-01-05T16:59:59Z")));
    assertFalse(w.contains(at("2026-01-05T17:00:00Z")), "the end is exclusive");
    assertFalse(w.contains(at("2026-01-05T08:59:59Z")));
    assertFalse(w.contains(at("2026-01-06T12:00:00Z")), "Tuesday is not a day of the window");
    assertTrue(w.contains(at("2026-01-07T12:00:00Z")), "Wednesday");
  }

  @Test
  @DisplayName("a window across midnight belongs to the day it starts and runs into the next day")
  void acrossMidnight() {
    MaintenanceWindow w = MaintenanceWindow.of(List.of("fri"), "22:00", "04:00", "UTC");
    assertTrue(w.contains(at("2026-01-02T22:00:00Z")), "Friday 22:00");
    assertTrue(w.contains(at("2026-01-03T03:59:00Z")), "Saturday early morning is Friday's window");
    assertFalse(w.contains(at("2026-01-03T04:00:00Z")));
    assertFalse(w.contains(at("2026-01-03T22:30:00Z")), "Saturday evening: Saturday is not a day of the window");
    assertFalse(w.contains(at("2026-01-02T03:00:00Z")), "Friday early morning would be Thursday's window");
    assertEquals(Duration.ofHours(6), openFor(w, at("2026-01-02T00:00:00Z"), Duration.ofDays(2)));
  }

  @Test
  @DisplayName("start equal to end is a whole day")
  void wholeDay() {
    MaintenanceWindow w = MaintenanceWindow.of(List.of("sun"), "00:00", "00:00", "UTC");
    assertTrue(w.contains(at("2026-01-04T00:00:00Z")));
    assertTrue(w.contains(at("2026-01-04T23:59:59Z")));
    assertFalse(w.contains(at("2026-01-05T00:00:00Z")));
  }

  @Test
  @DisplayName("times are wall-clock times of the window's zone, winter and summer")
  void timeZone() {
    MaintenanceWindow w = MaintenanceWindow.of(List.of("mon", "tue", "wed", "thu", "fri"), "09:00", "17:00",
        "America/New_York");
    assertTrue(w.contains(at("2026-01-06T14:00:00Z")), "09:00 EST is 14:00Z");
    assertFalse(w.contains(at("2026-01-06T13:30:00Z")), "08:30 EST");
    assertTrue(w.contains(at("2026-07-07T13:30:00Z")), "09:30 EDT is 13:30Z");
    assertFalse(w.contains(at("2026-07-07T21:30:00Z")), "17:30 EDT");
  }

  @Test
  @DisplayName("on DST nights a window's real length follows the clock change (Europe/Berlin)")
  void dst() {
    MaintenanceWindow w = MaintenanceWindow.of(List.of("sun"), "01:00", "04:00", "Europe/Berlin");
    // 2026-03-29: 02:00 CET -> 03:00 CEST; the window 01:00-04:00 lasts two real hours.
    assertEquals(Duration.ofHours(2), openFor(w, at("2026-03-28T20:00:00Z"), Duration.ofHours(12)));
    assertTrue(w.contains(at("2026-03-29T00:00:00Z")), "01:00 CET");
    assertFalse(w.contains(at("2026-03-29T02:00:00Z")), "04:00 CEST");
    // 2026-10-25: 03:00 CEST -> 02:00 CET; the same window lasts four real hours.
    assertEquals(Duration.ofHours(4), openFor(w, at("2026-10-24T20:00:00Z"), Duration.ofHours(12)));
    // A start inside the spring-forward gap moves later by the gap: 02:30 becomes 03:30 CEST.
    MaintenanceWindow gap = MaintenanceWindow.of(List.of("sun"), "02:30", "05:00", "Europe/Berlin");
    assertFalse(gap.contains(at("2026-03-29T01:29:00Z")));
    assertTrue(gap.contains(at("2026-03-29T01:30:00Z")), "03:30 CEST");
    assertEquals(at("2026-03-29T01:30:00Z"), gap.nextOpening(at("2026-03-28T12:00:00Z")).toInstant());
  }

  @Test
  @DisplayName("the next opening is the earliest start of any window, in that window's zone")
  void nextOpening() {
    MaintenanceWindow berlin = MaintenanceWindow.of(List.of("sat"), "02:00", "06:00", "Europe/Berlin");
    MaintenanceWindow utc = MaintenanceWindow.of(List.of("fri"), "22:00", "04:00", "UTC");
    Instant thursday = at("2026-01-01T12:00:00Z");
    ZonedDateTime next = MaintenanceWindow.nextOpening(List.of(berlin, utc), thursday).orElseThrow();
    assertEquals(at("2026-01-02T22:00:00Z"), next.toInstant());
    assertEquals("Fri 2026-01-02 22:00 UTC (2026-01-02T22:00:00Z)", MaintenanceWindow.describe(next));
    assertEquals(at("2026-01-03T01:00:00Z"), berlin.nextOpening(thursday).toInstant(), "02:00 CET");
    assertEquals(at("2026-01-09T22:00:00Z"), utc.nextOpening(at("2026-01-02T22:00:01Z")).toInstant(),
        "just after an opening, the next is a week later");
    assertTrue(MaintenanceWindow.nextOpening(List.of(), thursday).isEmpty());
    assertTrue(MaintenanceWindow.allows(List.of(), thursday), "no window: always allowed");
    assertFalse(MaintenanceWindow.allows(List.of(berlin, utc), thursday));
  }

  @Test
  @DisplayName("bad days, times and zones are refused with the key at fault first")
  void invalid() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> MaintenanceWindow.of(List.of("monday"), "09:00", "17:00", "UTC")).getMessage().startsWith("days: "));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> MaintenanceWindow.of(List.of(), "09:00", "17:00", "UTC")).getMessage().startsWith("days "));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> MaintenanceWindow.of(List.of("mon"), "9:00", "17:00", "UTC")).getMessage().startsWith("start "));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> MaintenanceWindow.of(List.of("mon"), "09:00", "24:00", "UTC")).getMessage().startsWith("end "));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> MaintenanceWindow.of(List.of("mon"), "09:00", "17:00", "Europe/Berln")).getMessage()
        .startsWith("timeZone "));
    assertEquals("mon,sun 22:00-04:00 Europe/Berlin",
        MaintenanceWindow.of(List.of("SUN", "Mon"), "22:00", "04:00", "Europe/Berlin").toString());
  }
}
