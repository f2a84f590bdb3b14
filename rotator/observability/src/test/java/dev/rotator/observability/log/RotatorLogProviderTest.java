package dev.rotator.observability.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

class RotatorLogProviderTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  @BeforeEach
  void capture() {
    LogConfig.defaults();
    PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LogConfig.output(() -> ps);
  }

  @AfterEach
  void reset() {
    LogConfig.defaults();
    MDC.clear();
  }

  private String lines() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("SLF4J binds rotator's provider (the only one on this classpath)")
  void bound() {
    assertEquals(RotatorLoggerClassName.NAME, LoggerFactory.getLogger("dev.rotator.x").getClass().getName());
  }

  @Test
  @DisplayName("json: one object per line with time, level, logger, message, and run/node from the message")
  void jsonFromMessage() {
    LogConfig.format(LogConfig.Format.JSON);
    Logger log = LoggerFactory.getLogger("dev.rotator.core.engine.RotationEngine");
    log.info("run={} node={} state={} {}", "run-1a", "node-7", "CORDONED", "cordoned; \"draining\"");
    String out = lines();
    assertTrue(out.endsWith("}\n") && out.indexOf('\n') == out.length() - 1, out);
    assertTrue(out.matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",.*\n"), out);
    assertTrue(out.contains("\"level\":\"INFO\",\"logger\":\"dev.rotator.core.engine.RotationEngine\","), out);
    assertTrue(out.contains("\"message\":\"run=run-1a node=node-7 state=CORDONED cordoned; \\\"draining\\\"\""), out);
    assertTrue(out.contains("\"run\":\"run-1a\",\"node\":\"node-7\"}"), out);
  }

  @Test
  @DisplayName("json: MDC run/node win over the message; an exception becomes one escaped 'error' field")
  void jsonMdcAndError() {
    LogConfig.format(LogConfig.Format.JSON);
    MDC.put("run", "serve-pass-3");
    Logger log = LoggerFactory.getLogger("dev.rotator.cli.ServeCommand");
    log.warn("pass failed", new IllegalStateException("line1\nline2"));
    String out = lines();
    assertEquals(1, out.split("\n", -1).length - 1, "one line: " + out);
    assertTrue(out.contains("\"run\":\"serve-pass-3\""), out);
    assertTrue(out.contains("\"error\":\"java.lang.IllegalStateException: line1\\nline2\\n\\tat "), out);
  }

  @Test
  @DisplayName("text: 'time LEVEL ShortName - message'; levels by longest prefix, libraries at WARN")
  void textAndLevels() {
    Logger engine = LoggerFactory.getLogger("dev.rotator.core.engine.RotationEngine");
    Logger lib = LoggerFactory.getLogger("io.fabric8.kubernetes.client.Config");
    engine.info("hello {}", "world");
    lib.info("chatty");
    lib.warn("careful");
    LogConfig.level("dev.rotator", Level.WARN);
    engine.info("quiet now");
    String out = lines();
    assertTrue(out.matches("(?s)\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO RotationEngine - hello world\n"
        + "\\S+ WARN Config - careful\n"), out);
  }
}
