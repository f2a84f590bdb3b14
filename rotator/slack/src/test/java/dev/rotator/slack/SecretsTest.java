package dev.rotator.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.slack.api.Slack;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.SystemClock;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.port.RotationEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets come from variables or files, and never show up in toString, messages or logs. */
class SecretsTest {
  static final String BOT = "xoxb-999-888-SEEDEDbotTOKENvalue";
  static final String SIGNING = "SEEDEDsigningSECRETvalue0123456789";
  static final String APP = "xapp-1-A0-SEEDEDappTOKENvalue";

  @Test
  @DisplayName("toString of a secret never shows it; redact scrubs every known value")
  void toStringAndRedact() {
    Secret s = Secret.of(BOT, "environment variable SLACK_BOT_TOKEN");
    assertFalse(s.toString().contains(BOT));
    assertTrue(s.toString().contains("SLACK_BOT_TOKEN"));
    assertEquals("auth failed for **** at slack", Secret.redact("auth failed for " + BOT + " at slack"));
  }

  @Test
  @DisplayName("an unset variable or a missing file is an error naming the place, not a value")
  void missing(@TempDir Path dir) {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> SecretSource.env("SLACK_BOT_TOKEN").resolve(k -> null));
    assertEquals("environment variable SLACK_BOT_TOKEN is not set (or empty)", e.getMessage());
    Path f = dir.resolve("nope");
    IllegalStateException e2 = assertThrows(IllegalStateException.class, () -> SecretSource.file(f.toString()).resolve(k -> null));
    assertTrue(e2.getMessage().contains(f.toString()));
  }

  @Test
  @DisplayName("a file secret is read and trimmed (a Secret volume's trailing newline)")
  void fromFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bot-token");
    Files.writeString(f, BOT + "\n");
    assertEquals(BOT, SecretSource.file(f.toString()).resolve(k -> null).reveal());
  }

  @Test
  @DisplayName("a token given where a variable name belongs is refused without being echoed")
  void literalRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SecretSource.env(BOT));
    assertFalse(e.getMessage().contains(BOT));
    assertTrue(e.getMessage().contains("never written in rotator.yaml"));
  }

  @Test
  @DisplayName("seeded secrets appear nowhere in the log while Slack refuses, fails and requests are forged")
  void notInLogs(@TempDir Path dir) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (FakeSlackApi api = new FakeSlackApi()) {
      api.script("chat.postMessage",
          FakeSlackApi.Answer.ok("{\"ok\":false,\"error\":\"invalid_auth\",\"echo\":\"" + BOT + "\"}"),
          new FakeSlackApi.Answer(500, Map.of(), "upstream said " + BOT),
          new FakeSlackApi.Answer(500, Map.of(), "upstream said " + BOT),
          new FakeSlackApi.Answer(500, Map.of(), "upstream said " + BOT));
      Path signingFile = dir.resolve("signing");
      Files.writeString(signingFile, SIGNING);
      String yaml =
          """
          slack:
            enabled: true
            apiUrl: %s
            botTokenEnv: SLACK_BOT_TOKEN
            signingSecretFile: %s
            appTokenEnv: SLACK_APP_TOKEN
            alerts:
              channel: C0ALERTS
              maxAttempts: 3
            commands:
              teams: [T0ACME]
              channels: [C0OPS]
              freeze:
                users: [U0ALICE]
          """.formatted(api.url(), signingFile);
      RotatorConfig cfg = ConfigLoader.parse(yaml, "t.yaml");
      Map<String, String> env = Map.of("SLACK_BOT_TOKEN", BOT, "SLACK_APP_TOKEN", APP);
      InMemoryStateStore store = new InMemoryStateStore(new ManualClock());
      try (SlackRuntime rt = SlackRuntime.start(cfg.slack(), env::get, new ManualClock(), store, () -> "plan", null)) {
        SlackNotifier n = rt.notifier().orElseThrow();
        n.notify(new RotationEvent(RotationEvent.Type.ERROR, "r1", "", "", "first", List.of(), Instant.EPOCH));
        n.notify(new RotationEvent(RotationEvent.Type.ERROR, "r1", "", "", "second", List.of(), Instant.EPOCH));
        api.next();
        api.next();
        for (int i = 0; i < 300 && n.stats().failed() < 2; i++) {
          Thread.sleep(10);
        }
        assertEquals(2, n.stats().failed(), n.stats().toString());
        assertFalse(n.toString().contains(BOT));
        // A forged request to the HTTP handler.
        com.sun.net.httpserver.HttpServer server =
            com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext(SlackHttpEndpoint.PATH, rt.httpHandler().orElseThrow());
        server.start();
        try {
          String body = Signed.commandBody("U0ALICE", "T0ACME", "C0OPS", "freeze " + SIGNING);
          long ts = SystemClock.INSTANCE.now().getEpochSecond();
          HttpResponse<String> r =
              HttpClient.newHttpClient().send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + SlackHttpEndpoint.PATH))
                      .header("X-Slack-Signature", "v0=" + "0".repeat(64))
                      .header("X-Slack-Request-Timestamp", Long.toString(ts))
                      .timeout(Duration.ofSeconds(5))
                      .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertEquals(401, r.statusCode());
          // And a valid one, which logs an audit line.
          String ok = Signed.commandBody("U0ALICE", "T0ACME", "C0OPS", "status");
          HttpResponse<String> r2 =
              HttpClient.newHttpClient().send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + SlackHttpEndpoint.PATH))
                      .header("X-Slack-Signature", Signed.signature(SIGNING, ts, ok))
                      .header("X-Slack-Request-Timestamp", Long.toString(ts))
                      .timeout(Duration.ofSeconds(5))
                      .POST(HttpRequest.BodyPublishers.ofString(ok)).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r2.statusCode(), r2.body());
        } finally {
          server.stop(0);
        }
      }
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("invalid_auth"), "the refusal is logged: " + log);
    assertTrue(log.contains("gave up"), "the outage is logged: " + log);
    assertTrue(log.contains("outcome=OK"), "the audit line is logged: " + log);
    for (String secret : List.of(BOT, SIGNING, APP)) {
      assertFalse(log.contains(secret), "secret in the log: " + log);
    }
  }

  @Test
  @DisplayName("a required secret missing from the environment stops start-up with the variable's name")
  void runtimeMissingSecret() {
    RotatorConfig cfg =
        ConfigLoader.parse(
            """
            slack:
              enabled: true
              botTokenEnv: ROTATOR_TEST_UNSET_BOT
              signingSecretEnv: ROTATOR_TEST_UNSET_SIGNING
              alerts:
                channel: C0ALERTS
              commands:
                teams: [T0ACME]
                channels: [C0OPS]
                resume:
                  users: [U0ROOT]
            """, "t");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> SlackRuntime.notifier(cfg.slack(), k -> null, new ManualClock()));
    assertTrue(e.getMessage().contains("ROTATOR_TEST_UNSET_BOT"), e.getMessage());
    assertEquals(Optional.empty(), SlackRuntime.notifier(ConfigLoader.defaults().slack(), k -> null, new ManualClock()));
  }
}
