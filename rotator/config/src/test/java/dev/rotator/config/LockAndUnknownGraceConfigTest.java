package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("gates.unknownGrace and lock.maxClockSkew: defaults, zero, bounds")
class LockAndUnknownGraceConfigTest {
  @Test
  @DisplayName("defaults: unknownGrace 30s, maxClockSkew 2m")
  void defaults() {
    RotatorConfig c = ConfigLoader.defaults();
    assertEquals(Duration.ofSeconds(30), c.gates().unknownGrace());
    assertEquals(Duration.ofMinutes(2), c.lock().maxClockSkew());
    assertEquals(c.gates().unknownGrace(), ConfigLoader.parse("gates: {}\n", "t").gates().unknownGrace());
  }

  @Test
  @DisplayName("both accept 0s (old behaviour: freeze on the first unknown; trust the clocks) and their maximum")
  void zeroAndMax() {
    RotatorConfig zero = ConfigLoader.parse("gates:\n  unknownGrace: 0s\nlock:\n  maxClockSkew: 0s\n", "t");
    assertEquals(Duration.ZERO, zero.gates().unknownGrace());
    assertEquals(Duration.ZERO, zero.lock().maxClockSkew());
    RotatorConfig max = ConfigLoader.parse("gates:\n  unknownGrace: 30m\nlock:\n  maxClockSkew: 1h\n", "t");
    assertEquals(Duration.ofMinutes(30), max.gates().unknownGrace());
    assertEquals(Duration.ofHours(1), max.lock().maxClockSkew());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "gates:\\n  unknownGrace: 31m\\n|gates.unknownGrace",
    "gates:\\n  unknownGrace: -5s\\n|gates.unknownGrace",
    "gates:\\n  unknownGrace: 30\\n|gates.unknownGrace",
    "lock:\\n  maxClockSkew: 2h\\n|lock.maxClockSkew",
    "lock:\\n  maxClockSkew: soon\\n|lock.maxClockSkew",
    "lock:\\n  maxSkew: 2m\\n|lock.maxSkew",
    "lock: 2m\\n|lock",
  })
  @DisplayName("out-of-range, negative, unitless, unknown or misplaced values are refused naming the key")
  void refused(String yaml, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml.replace("\\n", "\n"), "t"));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }
}
