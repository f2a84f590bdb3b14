package dev.rotator.health.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class HttpCheckTest {
  private HttpServer server;
  private String base;

  /** Released at teardown so handlers that hang on purpose end with the test. */
  private final CountDownLatch release = new CountDownLatch(1);

  private final AtomicInteger redirectTargetHits = new AtomicInteger();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/ok", ex -> send(ex, 200, "status: ok\n"));
    server.createContext("/unavailable", ex -> send(ex, 503, "overloaded"));
    server.createContext(
        "/redirect",
        ex -> {
          ex.getResponseHeaders().add("Location", "/target");
          send(ex, 302, "");
        });
    server.createContext(
        "/target",
        ex -> {
          redirectTargetHits.incrementAndGet();
          send(ex, 200, "status: ok\n");
        });
    server.createContext(
        "/hang",
        ex -> {
          await(release);
          send(ex, 200, "too late");
        });
    server.createContext(
        "/trickle",
        ex -> {
          // Headers at once, then the body never finishes: only a whole-exchange timeout ends this.
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            out.write("status: ".getBytes(StandardCharsets.UTF_8));
            out.flush();
            await(release);
          }
        });
    byte[] big = new byte[1024 * 1024];
    java.util.Arrays.fill(big, (byte) 'x');
    byte[] needleFirst = big.clone();
    System.arraycopy("needle".getBytes(StandardCharsets.UTF_8), 0, needleFirst, 0, 6);
    byte[] needleLast = big.clone();
    System.arraycopy("needle".getBytes(StandardCharsets.UTF_8), 0, needleLast, big.length - 6, 6);
    server.createContext("/big-needle-first", ex -> send(ex, 200, needleFirst));
    server.createContext("/big-needle-last", ex -> send(ex, 200, needleLast));
    server.createContext("/evil", ex -> send(ex, 200, "a".repeat(40) + "!"));
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    send(ex, status, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    try (ex) {
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        } catch (IOException e) {
          // The client stopped reading (body bound reached): expected in the size tests.
        }
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpCheck check(
      String path, int status, String contains, String regex, Duration timeout) {
    return new HttpCheck(
        new HttpCheck.Settings("web", base + path, status, contains, regex, timeout));
  }

  private HttpCheck check(String path) {
    return new HttpCheck(HttpCheck.Settings.defaults("web", base + path));
  }

  @Test
  @DisplayName(
      "200 with the expected substring and regex is HEALTHY, named as configured, reason"
          + " HTTP_CHECK")
  void healthy() {
    HttpCheck c = check("/ok", 200, "ok", "status:\\s+o.", Duration.ofSeconds(5));
    CheckResult r = c.check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("web", r.check());
    assertEquals("web", c.name());
    assertEquals(ReasonCode.HTTP_CHECK, c.reasonCode());
    assertEquals("200", r.values().get("status"));
    assertEquals("200", r.values().get("expectStatus"));
    assertEquals("ok", r.values().get("bodyContains"));
    assertEquals("false", r.values().get("bodyTruncated"));
  }

  @Test
  @DisplayName("a status other than the expected one is UNHEALTHY and the reason gives both")
  void statusMismatch() {
    CheckResult r = check("/unavailable").check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(
        r.reason().contains("answered 503") && r.reason().contains("expected 200"), r.reason());
    assertEquals("503", r.values().get("status"));
  }

  @Test
  @DisplayName("the configured expectStatus is what counts: 503 expected and answered is HEALTHY")
  void otherExpectedStatus() {
    CheckResult r = check("/unavailable", 503, null, null, Duration.ofSeconds(5)).check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
  }

  @Test
  @DisplayName("a body without the expected substring is UNHEALTHY, quoting the substring")
  void bodyContainsMismatch() {
    CheckResult r = check("/ok", 200, "ready", null, Duration.ofSeconds(5)).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("does not contain \"ready\""), r.reason());
  }

  @Test
  @DisplayName("a body without a match for bodyRegex is UNHEALTHY, even when bodyContains matches")
  void bodyRegexMismatch() {
    CheckResult r = check("/ok", 200, "ok", "^ready$", Duration.ofSeconds(5)).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("no match for /^ready$/"), r.reason());
  }

  @Test
  @DisplayName(
      "a redirect is not followed: 302 when 200 is expected is UNHEALTHY and the target is never"
          + " asked")
  void redirectNotFollowed() {
    CheckResult r = check("/redirect").check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("302") && r.reason().contains("/target"), r.reason());
    assertEquals("/target", r.values().get("location"));
    assertEquals(0, redirectTargetHits.get());
  }

  @Test
  @DisplayName("a server that sends no answer within the timeout gives UNKNOWN, promptly")
  void timeout() {
    long start = System.nanoTime();
    CheckResult r = check("/hang", 200, null, null, Duration.ofMillis(300)).check();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    assertTrue(r.reason().contains("300 ms"), r.reason());
    assertTrue(tookMs < 3000, "took " + tookMs + " ms");
  }

  @Test
  @DisplayName(
      "the timeout bounds the body too: headers at once and a body that never ends give UNKNOWN")
  void trickleTimeout() {
    long start = System.nanoTime();
    CheckResult r = check("/trickle", 200, "ok", null, Duration.ofMillis(300)).check();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    assertTrue(tookMs < 3000, "took " + tookMs + " ms");
  }

  @Test
  @DisplayName("nothing listening on the port gives UNKNOWN (fail closed), not an exception")
  void refused() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    HttpCheck c =
        new HttpCheck(HttpCheck.Settings.defaults("gone", "http://127.0.0.1:" + port + "/"));
    CheckResult r = c.check();
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    assertTrue(r.reason().contains("127.0.0.1:" + port), r.reason());
  }

  @Test
  @DisplayName(
      "only the first 64 KiB of a body is read: a needle at the start matches, at the end it does"
          + " not")
  void bodyBounded() {
    CheckResult first =
        check("/big-needle-first", 200, "needle", null, Duration.ofSeconds(5)).check();
    assertEquals(Status.HEALTHY, first.status(), first.reason());
    assertEquals("65536", first.values().get("bodyBytesRead"));
    assertEquals("true", first.values().get("bodyTruncated"));

    CheckResult last =
        check("/big-needle-last", 200, "needle", null, Duration.ofSeconds(5)).check();
    assertEquals(Status.UNHEALTHY, last.status(), last.reason());
    assertTrue(last.reason().contains("first 64 KiB"), last.reason());
  }

  @Test
  @DisplayName(
      "a catastrophically backtracking bodyRegex stops when the gate interrupts the check: UNKNOWN")
  void runawayRegexInterrupted() throws Exception {
    HttpCheck c = check("/evil", 200, null, "(.*a){20}b", Duration.ofSeconds(5));
    // A thread of our own rather than a Future, so the check's return value stays visible after the
    // interrupt; the interrupt is what CompositeGate's cancel(true) sends.
    CheckResult[] result = new CheckResult[1];
    Thread t = new Thread(() -> result[0] = c.check(), "runaway-regex");
    t.start();
    t.join(700); // the HTTP part takes milliseconds; by now the thread is deep in the regex
    assertTrue(t.isAlive(), "the regex was expected to still be running");
    t.interrupt();
    t.join(5000);
    assertTrue(!t.isAlive(), "the check thread did not stop after the interrupt");
    assertEquals(Status.UNKNOWN, result[0].status(), result[0].reason());
    assertTrue(
        result[0].reason().contains("interrupted while matching bodyRegex"), result[0].reason());
  }

  @Nested
  @DisplayName("Settings are validated when built")
  class SettingsValidation {
    private IllegalArgumentException reject(
        String name, String url, int status, String contains, String regex, Duration timeout) {
      return assertThrows(
          IllegalArgumentException.class,
          () -> new HttpCheck.Settings(name, url, status, contains, regex, timeout));
    }

    private final Duration fiveSeconds = Duration.ofSeconds(5);

    @Test
    @DisplayName("only http and https URLs are accepted")
    void scheme() {
      assertTrue(
          reject("w", "ftp://example.com/x", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("http"));
      assertTrue(
          reject("w", "file:///etc/passwd", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("http"));
      assertTrue(
          reject("w", "example.com/healthz", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("http"));
      new HttpCheck.Settings("w", "HTTPS://example.com/healthz", 200, null, null, fiveSeconds);
    }

    @Test
    @DisplayName("URLs with credentials, without a host, or malformed are rejected with a message")
    void urlShape() {
      assertTrue(
          reject("w", "http://user:pw@example.com/", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("credentials"));
      assertTrue(
          reject("w", "http:///path", 200, null, null, fiveSeconds).getMessage().contains("host"));
      assertTrue(
          reject("w", "http://my_svc:80/", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("'_'"));
      assertTrue(
          reject("w", "http://exa mple.com/", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("not a valid URL"));
    }

    @Test
    @DisplayName(
        "status outside 100..599, an empty bodyContains, a bad regex, a bad timeout, a bad name are"
            + " rejected")
    void otherFields() {
      assertTrue(
          reject("w", "http://h/", 99, null, null, fiveSeconds)
              .getMessage()
              .contains("expectStatus"));
      assertTrue(
          reject("w", "http://h/", 600, null, null, fiveSeconds)
              .getMessage()
              .contains("expectStatus"));
      assertTrue(
          reject("w", "http://h/", 200, "", null, fiveSeconds)
              .getMessage()
              .contains("bodyContains"));
      assertTrue(
          reject("w", "http://h/", 200, null, "(unclosed", fiveSeconds)
              .getMessage()
              .contains("bodyRegex"));
      assertTrue(
          reject("w", "http://h/", 200, null, null, Duration.ZERO)
              .getMessage()
              .contains("timeout"));
      assertTrue(
          reject("w", "http://h/", 200, null, null, Duration.ofMinutes(6))
              .getMessage()
              .contains("timeout"));
      assertTrue(
          reject("", "http://h/", 200, null, null, fiveSeconds).getMessage().contains("name"));
      assertTrue(
          reject("has space", "http://h/", 200, null, null, fiveSeconds)
              .getMessage()
              .contains("name"));
    }

    @Test
    @DisplayName("defaults expect 200 within 5 s with no body check")
    void defaults() {
      HttpCheck.Settings d =
          HttpCheck.Settings.defaults("ingress", "https://ingress.example.com/healthz");
      assertEquals(200, d.expectStatus());
      assertEquals(Duration.ofSeconds(5), d.timeout());
      assertEquals(null, d.bodyContains());
      assertEquals(null, d.bodyRegex());
    }
  }
}
