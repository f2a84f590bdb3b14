package dev.rotator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ServeLoggingConfigTest {
  private static final String HEAD = "apiVersion: rotator.dev/v1alpha1\nkind: RotatorConfig\n";

  private static RotatorConfig parse(String body) {
    return ConfigLoader.parse(HEAD + body, "test.yaml");
  }

  @Test
  @DisplayName("serve and logging default to a 10m pass on 0.0.0.0:8080 and text logs")
  void defaults() {
    RotatorConfig c = parse("");
    assertEquals(Duration.ofMinutes(10), c.serve().interval());
    assertEquals("0.0.0.0", c.serve().listenHost());
    assertEquals(8080, c.serve().listenPort());
    assertEquals(LoggingSettings.Format.TEXT, c.logging().format());
  }

  @Test
  @DisplayName("serve.interval, serve.listen (IPv6 in brackets) and logging.format are read")
  void read() {
    RotatorConfig c = parse("serve:\n  interval: 90s\n  listen: '[::1]:0'\nlogging:\n  format: JSON\n");
    assertEquals(Duration.ofSeconds(90), c.serve().interval());
    assertEquals("::1", c.serve().listenHost());
    assertEquals(0, c.serve().listenPort());
    assertEquals("[::1]:0", c.serve().listen());
    assertEquals(LoggingSettings.Format.JSON, c.logging().format());
  }

  @Test
  @DisplayName("a listen address without a port, an interval under 10s and an unknown format are refused at the key")
  void refused() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse("serve:\n  listen: localhost\n"));
    assertTrue(e.describe().contains("serve.listen"), e.describe());
    e = assertThrows(ConfigException.class, () -> parse("serve:\n  listen: 0.0.0.0:70000\n"));
    assertTrue(e.describe().contains("port 0-65535"), e.describe());
    e = assertThrows(ConfigException.class, () -> parse("serve:\n  interval: 5s\n"));
    assertTrue(e.describe().contains("serve.interval"), e.describe());
    e = assertThrows(ConfigException.class, () -> parse("logging:\n  format: xml\n"));
    assertTrue(e.describe().contains("logging.format") && e.describe().contains("text, json"), e.describe());
  }
}
