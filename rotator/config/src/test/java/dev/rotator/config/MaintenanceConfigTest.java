package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.MaintenanceWindow;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** policy.maintenanceWindows and policy.soak. */
class MaintenanceConfigTest {

  private static String window(String days, String start, String end, String zone) {
    return "policy:\n  maintenanceWindows:\n    - days: " + days + "\n      start: " + start + "\n      end: " + end
        + "\n      timeZone: " + zone + "\n";
  }

  @Test
  @DisplayName("windows and soak are read into the policy; absent, they are none (always) and 0s")
  void read() {
    RotatorConfig c = ConfigLoader.parse(
        window("[fri, SAT]", "\"22:00\"", "\"04:00\"", "Europe/Berlin")
            + "    - {days: [sun], start: \"00:00\", end: \"00:00\", timeZone: UTC}\n  soak: 15m\n", "t");
    assertEquals(List.of(
            new MaintenanceWindow(Set.of(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY), LocalTime.of(22, 0), LocalTime.of(4, 0),
                ZoneId.of("Europe/Berlin")),
            new MaintenanceWindow(Set.of(DayOfWeek.SUNDAY), LocalTime.MIDNIGHT, LocalTime.MIDNIGHT, ZoneId.of("UTC"))),
        c.policy().maintenanceWindows());
    assertEquals(Duration.ofMinutes(15), c.policy().soak());
    assertEquals(List.of(), ConfigLoader.defaults().policy().maintenanceWindows());
    assertEquals(Duration.ZERO, ConfigLoader.defaults().policy().soak());
    assertEquals(List.of(), ConfigLoader.parse("policy:\n  maintenanceWindows: []\n", "t").policy().maintenanceWindows());
  }

  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of(window("[mon]", "\"22:00\"", "\"04:00\"", "Europe/Berln"), "policy.maintenanceWindows[0].timeZone",
            "'Europe/Berln' is not a known time zone; use an IANA id such as Europe/Berlin, America/New_York or UTC"
                + " (did you mean 'Europe/Berlin'?)"),
        Arguments.of(window("[mon]", "\"22:00\"", "\"04:00\"", "CEST+99"), "policy.maintenanceWindows[0].timeZone",
            "'CEST+99' is not a known time zone"),
        Arguments.of(window("[monday]", "\"22:00\"", "\"04:00\"", "UTC"), "policy.maintenanceWindows[0].days[0]",
            "expected a day: mon, tue, wed, thu, fri, sat or sun; got 'monday'"),
        Arguments.of(window("[mon, mon]", "\"22:00\"", "\"04:00\"", "UTC"), "policy.maintenanceWindows[0].days[1]",
            "'mon' is listed twice"),
        Arguments.of(window("[]", "\"22:00\"", "\"04:00\"", "UTC"), "policy.maintenanceWindows[0].days",
            "name at least one day"),
        Arguments.of(window("mon", "\"22:00\"", "\"04:00\"", "UTC"), "policy.maintenanceWindows[0].days",
            "expected a list of strings"),
        Arguments.of(window("[mon]", "\"9:00\"", "\"17:00\"", "UTC"), "policy.maintenanceWindows[0].start",
            "must be a 24-hour time HH:MM (e.g. 22:00), got '9:00'"),
        Arguments.of(window("[mon]", "\"09:00\"", "\"24:00\"", "UTC"), "policy.maintenanceWindows[0].end",
            "must be a 24-hour time HH:MM"),
        Arguments.of("policy:\n  maintenanceWindows:\n    - {days: [mon], start: \"09:00\", timeZone: UTC}\n",
            "policy.maintenanceWindows[0].end", "required: the time the window closes"),
        Arguments.of("policy:\n  maintenanceWindows:\n    - {days: [mon], start: \"09:00\", end: \"17:00\"}\n",
            "policy.maintenanceWindows[0].timeZone", "required: the IANA time zone"),
        Arguments.of("policy:\n  maintenanceWindows:\n    - {days: [mon], strat: \"09:00\"}\n",
            "policy.maintenanceWindows[0].strat", "unknown key (did you mean 'start'?)"),
        Arguments.of("policy:\n  maintenanceWindows:\n    days: [mon]\n", "policy.maintenanceWindows",
            "expected a list of mappings with keys days, start, end, timeZone"),
        Arguments.of("policy:\n  soak: -5m\n", "policy.soak", "a duration cannot be negative"),
        Arguments.of("policy:\n  soak: 8d\n", "policy.soak", "expected at most 7d"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("bad")
  @DisplayName("a bad window or soak is refused naming the key")
  void refused(String yaml, String keyPath, String problem) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "t"));
    assertEquals(keyPath, e.keyPath(), e.getMessage());
    assertTrue(e.problem().startsWith(problem), e.getMessage());
  }
}
