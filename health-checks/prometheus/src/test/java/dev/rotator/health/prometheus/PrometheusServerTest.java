package dev.rotator.health.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck.EmptyIs;
import dev.rotator.health.prometheus.PromQlThresholdCheck.Op;
import dev.rotator.health.prometheus.PromQlThresholdCheck.Rule;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The checks against a real Prometheus (Debian's {@code prometheus} package) on a free loopback
 * port, scraping a one-gauge target this test serves, with an alerting rule the test makes fire by
 * raising the gauge. The tests run in order: the last one stops Prometheus.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class PrometheusServerTest {
  private static final String INSTALL =
      "install prometheus: apt-get install -y --no-install-recommends prometheus (Debian package);"
          + " or point PROMETHEUS_BIN at the binary";

  /** Bound of every wait on Prometheus: scrapes and evaluations happen every second. */
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final double LOW = 0.2;
  private static final double HIGH = 0.95;

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private volatile double saturation = LOW;
  private HttpServer target;
  private Path dir;
  private Process prometheus;
  private Thread killOnExit;
  private String base;

  private PrometheusAlertsCheck critical;
  private PromQlThresholdCheck saturationRule;

  @BeforeAll
  void startPrometheus() throws Exception {
    String binary = findPrometheus();
    target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    target.createContext(
        "/metrics",
        ex -> {
          byte[] body =
              ("# HELP test_saturation How full the test ingress is.\n"
                   + "# TYPE test_saturation gauge\n"
                   + "test_saturation "
                      + saturation
                      + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          try (ex) {
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          }
        });
    target.start();

    dir = Files.createTempDirectory("rotator-prometheus-test");
    Files.writeString(
        dir.resolve("prometheus.yml"),
        String.join(
            "\n",
            "global:",
            "  scrape_interval: 1s",
            "  scrape_timeout: 1s",
            "  evaluation_interval: 1s",
            "rule_files:",
            "  - rules.yml",
            "scrape_configs:",
            "  - job_name: test",
            "    static_configs:",
            "      - targets: ['127.0.0.1:" + target.getAddress().getPort() + "']",
            ""));
    Files.writeString(
        dir.resolve("rules.yml"),
        String.join(
            "\n",
            "groups:",
            "  - name: test",
            "    rules:",
            "      - alert: IngressSaturated",
            "        expr: test_saturation > 0.9",
            "        for: 0s",
            "        labels:",
            "          severity: critical",
            // Same condition, but it has to hold an hour: it stays pending, which must not block.
            "      - alert: IngressSaturatedForAnHour",
            "        expr: test_saturation > 0.9",
            "        for: 1h",
            "        labels:",
            "          severity: critical",
            ""));

    int port = freePort();
    base = "http://127.0.0.1:" + port;
    File log = dir.resolve("prometheus.log").toFile();
    prometheus =
        new ProcessBuilder(
                binary,
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    // Should the JVM die before @AfterAll (surefire timeout, Ctrl-C), do not leave Prometheus
    // behind.
    Process p = prometheus;
    killOnExit = new Thread(p::destroyForcibly, "kill-prometheus");
    Runtime.getRuntime().addShutdownHook(killOnExit);
    awaitReady(log.toPath());

    critical =
        new PrometheusAlertsCheck(
            new PrometheusAlertsCheck.Settings(
                base, List.of("{severity=\"critical\"}"), Duration.ofSeconds(2)));
    saturationRule = rule("saturation", "max(test_saturation)", EmptyIs.UNKNOWN);
  }

  @AfterAll
  void stopAll() throws Exception {
    try {
      stopPrometheus();
      if (killOnExit != null) {
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      }
    } finally {
      if (target != null) {
        target.stop(0);
      }
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }

  private void stopPrometheus() throws InterruptedException {
    if (prometheus == null || !prometheus.isAlive()) {
      return;
    }
    prometheus.destroy();
    if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
      prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private PromQlThresholdCheck rule(String name, String expr, EmptyIs emptyIs) {
    return new PromQlThresholdCheck(
        new PromQlThresholdCheck.Settings(
            base, new Rule(name, expr, Op.GT, 0.5, emptyIs), Duration.ofSeconds(2)));
  }

  @Test
  @Order(1)
  @DisplayName(
      "gauge low, scraped and evaluated: the alerts check and the PromQL threshold are HEALTHY")
  void lowIsHealthy() throws Exception {
    settle(LOW);
    CheckResult alerts = critical.check();
    assertEquals(Status.HEALTHY, alerts.status(), alerts.reason());
    assertEquals("0", alerts.values().get("firingCount"));

    CheckResult rule = saturationRule.check();
    assertEquals(Status.HEALTHY, rule.status(), rule.reason());
    assertEquals("0.2", rule.values().get("worst"));
    assertEquals("> 0.5", rule.values().get("threshold"));
  }

  @Test
  @Order(2)
  @DisplayName(
      "a filter-style expression returning nothing: HEALTHY with emptyIs healthy, UNKNOWN by"
          + " default")
  void emptyResult() throws Exception {
    settle(LOW);
    String filter = "test_saturation > 0.5";
    CheckResult healthy = rule("filter-healthy", filter, EmptyIs.HEALTHY).check();
    assertEquals(Status.HEALTHY, healthy.status(), healthy.reason());
    CheckResult unknown = rule("filter-unknown", filter, EmptyIs.UNKNOWN).check();
    assertEquals(Status.UNKNOWN, unknown.status(), unknown.reason());
  }

  @Test
  @Order(3)
  @DisplayName(
      "a PromQL syntax error or a range-vector expression is UNKNOWN with Prometheus' explanation")
  void badExpressions() {
    CheckResult syntax = rule("syntax", "max(test_saturation", EmptyIs.HEALTHY).check();
    assertEquals(Status.UNKNOWN, syntax.status(), syntax.reason());
    assertTrue(
        syntax.reason().contains("400") && syntax.reason().contains("bad_data"), syntax.reason());

    CheckResult range = rule("range", "test_saturation[1m]", EmptyIs.HEALTHY).check();
    assertEquals(Status.UNKNOWN, range.status(), range.reason());
    assertTrue(range.reason().contains("range vector"), range.reason());
  }

  @Test
  @Order(4)
  @DisplayName(
      "gauge high: the alert fires → UNHEALTHY naming it; the pending one does not block; gauge low"
          + " → HEALTHY again")
  void firesAndResolves() throws Exception {
    saturation = HIGH;
    CheckResult firing =
        await(critical::check, r -> r.status() != Status.HEALTHY, "the alert to fire");
    assertEquals(Status.UNHEALTHY, firing.status(), firing.reason());
    assertEquals("1", firing.values().get("firingCount"));
    assertTrue(firing.reason().contains("IngressSaturated{"), firing.reason());
    assertTrue(
        firing.values().get("firingAlerts").contains("severity=\"critical\""),
        firing.values().toString());
    assertTrue(
        !firing.values().get("firingAlerts").contains("IngressSaturatedForAnHour"),
        "the alert with for: 1h is pending, not firing: " + firing.values());
    assertEquals("1", firing.values().get("pendingCount"));

    CheckResult onlyPending =
        new PrometheusAlertsCheck(
                new PrometheusAlertsCheck.Settings(
                    base,
                    List.of("alertname=\"IngressSaturatedForAnHour\""),
                    Duration.ofSeconds(2)))
            .check();
    assertEquals(Status.HEALTHY, onlyPending.status(), onlyPending.reason());
    assertEquals("1", onlyPending.values().get("pendingCount"));

    CheckResult warnings =
        new PrometheusAlertsCheck(
                new PrometheusAlertsCheck.Settings(
                    base, List.of("{severity=\"warning\"}"), Duration.ofSeconds(2)))
            .check();
    assertEquals(
        Status.HEALTHY,
        warnings.status(),
        "a firing critical alert does not match severity=warning");

    // The alert fired, so the high sample has been scraped: the threshold sees it at once.
    CheckResult rule = saturationRule.check();
    assertEquals(Status.UNHEALTHY, rule.status(), rule.reason());
    assertEquals("0.95", rule.values().get("worst"));
    assertTrue(rule.reason().contains("> 0.5"), rule.reason());

    saturation = LOW;
    CheckResult resolved =
        await(critical::check, r -> r.status() != Status.UNHEALTHY, "the alert to resolve");
    assertEquals(Status.HEALTHY, resolved.status(), resolved.reason());
    assertEquals("0", resolved.values().get("firingCount"));
    CheckResult ruleAgain = saturationRule.check();
    assertEquals(Status.HEALTHY, ruleAgain.status(), ruleAgain.reason());
  }

  @Test
  @Order(5)
  @DisplayName("Prometheus stopped: every Prometheus check is UNKNOWN (fail closed), promptly")
  void stoppedIsUnknown() throws Exception {
    stopPrometheus();
    List<HealthCheck> checks =
        new PrometheusSettings(
                base,
                List.of("{severity=\"critical\"}"),
                List.of(Rule.of("saturation", "max(test_saturation)", Op.GT, 0.5)),
                Duration.ofSeconds(2))
            .checks();
    for (HealthCheck c : checks) {
      long start = System.nanoTime();
      CheckResult r = c.check();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(Status.UNKNOWN, r.status(), c.name() + ": " + r.reason());
      assertTrue(r.reason().contains("Prometheus unreachable"), r.reason());
      assertTrue(tookMs < 5000, c.name() + " took " + tookMs + " ms");
    }
  }

  // ---------------------------------------------------------------------------------------------------

  private static String findPrometheus() {
    String env = System.getenv("PROMETHEUS_BIN");
    if (env != null && !env.isBlank()) {
      if (Files.isExecutable(Path.of(env))) {
        return env;
      }
      fail("PROMETHEUS_BIN=" + env + " is not an executable file; " + INSTALL);
    }
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String d : path.split(File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "prometheus"))) {
        return Path.of(d, "prometheus").toString();
      }
    }
    return fail("prometheus binary not found on PATH; " + INSTALL);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitReady(Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!prometheus.isAlive()) {
        fail(
            "prometheus exited with "
                + prometheus.exitValue()
                + " before it was ready:\n"
                + tail(log));
      }
      if (status("/-/ready") == 200) {
        return;
      }
      Thread.sleep(100);
    }
    fail("prometheus was not ready on " + base + " within 30 s:\n" + tail(log));
  }

  private int status(String path) {
    try {
      return http.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(2)).build();
  }

  /**
   * Sets the gauge and waits until Prometheus has both scraped the value and evaluated its rules
   * after that, so that what the checks see is the consequence of this value and not of an older
   * one.
   */
  private void settle(double value) throws Exception {
    saturation = value;
    await(
        () -> queryValue("test_saturation"),
        v -> v != null && v == value,
        "Prometheus to scrape test_saturation=" + value);
    Instant seen = Instant.now();
    await(
        this::lastRuleEvaluation,
        t -> t != null && t.isAfter(seen),
        "a rule evaluation after the scrape");
  }

  private Double queryValue(String expr) {
    JsonNode result =
        get("/api/v1/query?query=" + java.net.URLEncoder.encode(expr, StandardCharsets.UTF_8))
            .path("data")
            .path("result");
    if (!result.isArray() || result.isEmpty()) {
      return null;
    }
    return Double.valueOf(result.get(0).path("value").get(1).asText());
  }

  private Instant lastRuleEvaluation() {
    JsonNode groups = get("/api/v1/rules").path("data").path("groups");
    if (!groups.isArray() || groups.isEmpty()) {
      return null;
    }
    String t = groups.get(0).path("lastEvaluation").asText("");
    // Before the first evaluation Prometheus reports Go's zero time, 0001-01-01.
    return t.isEmpty() ? null : java.time.OffsetDateTime.parse(t).toInstant();
  }

  private JsonNode get(String path) {
    try {
      return json.readTree(http.send(request(path), HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      return json.missingNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return json.missingNode();
    }
  }

  private static <T> T await(Supplier<T> probe, Predicate<T> done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (done.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    return fail("waited " + WAIT.toSeconds() + " s for " + what + "; last seen: " + last);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
