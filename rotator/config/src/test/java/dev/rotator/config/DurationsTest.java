package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @Test
  @DisplayName("units d, h, m, s, ms, combined largest first")
  void parses() {
    assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
    assertEquals(Duration.ofMinutes(15), Durations.parse("15m"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
    assertEquals(Duration.ofDays(2), Durations.parse("2d"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofMinutes(1).plusMillis(5), Durations.parse("1m5ms"));
    assertEquals(Duration.ofDays(1).plusHours(2).plusMinutes(3).plusSeconds(4).plusMillis(5), Durations.parse("1d2h3m4s5ms"));
    assertEquals(Duration.ZERO, Durations.parse("0s"));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"", "5", "5x", "-5s", "1.5h", "1m1h", "1h1h", "5 s", "5S", "15M", "s", "ms", "9999999999s", "1hm"})
  @DisplayName("anything else is refused")
  void refuses(String text) {
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"90s", "15m", "1h30m", "2d", "500ms", "1d2h3m4s5ms", "0s"})
  @DisplayName("format writes what parse reads back")
  void roundTrip(String text) {
    Duration d = Durations.parse(text);
    assertEquals(d, Durations.parse(Durations.format(d)));
  }

  @Test
  @DisplayName("format is the shortest form: 90s is 1m30s")
  void format() {
    assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("1d", Durations.format(Duration.ofHours(24)));
  }
}
