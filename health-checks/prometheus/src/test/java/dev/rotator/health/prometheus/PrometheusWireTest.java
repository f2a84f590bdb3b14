package dev.rotator.health.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.prometheus.PromQlThresholdCheck.EmptyIs;
import dev.rotator.health.prometheus.PromQlThresholdCheck.Op;
import dev.rotator.health.prometheus.PromQlThresholdCheck.Rule;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The checks against canned answers in Prometheus' wire format, served by a JDK HttpServer: the
 * cases a real Prometheus will not produce on demand (bad JSON, a proxy's 502, a redirect, NaN,
 * +Inf). The real server is in {@link PrometheusServerTest}.
 */
class PrometheusWireTest {
  private HttpServer server;
  private String base;

  /** path → {status, body}. */
  private final Map<String, Object[]> answers = new ConcurrentHashMap<>();

  private volatile String lastQuery;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          String raw = ex.getRequestURI().getRawQuery();
          if (raw != null) {
            for (String kv : raw.split("&")) {
              if (kv.startsWith("query=")) {
                lastQuery = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
              }
            }
          }
          Object[] a =
              answers.getOrDefault(ex.getRequestURI().getPath(), new Object[] {404, "not found"});
          if (a.length > 2) {
            ex.getResponseHeaders().add("Location", (String) a[2]);
          }
          send(ex, (Integer) a[0], (String) a[1]);
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    try (ex) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
      if (b.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(b);
        }
      }
    }
  }

  private void answer(String path, int status, String body) {
    answers.put(path, new Object[] {status, body});
  }

  private static String alert(String name, String state, String... labels) {
    StringBuilder l = new StringBuilder("{\"alertname\":\"" + name + "\"");
    for (int i = 0; i < labels.length; i += 2) {
      l.append(",\"").append(labels[i]).append("\":\"").append(labels[i + 1]).append('"');
    }
    l.append('}');
    return "{\"labels\":"
        + l
        + ",\"annotations\":{},\"state\":\""
        + state
        + "\",\"activeAt\":\"2026-01-01T00:00:00Z\",\"value\":\"1e+00\"}";
  }

  private void alerts(String... alerts) {
    answer(
        "/api/v1/alerts",
        200,
        "{\"status\":\"success\",\"data\":{\"alerts\":[" + String.join(",", alerts) + "]}}");
  }

  private void vector(String... samples) {
    answer(
        "/api/v1/query",
        200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            + String.join(",", samples)
            + "]}}");
  }

  private static String sample(String instance, String value) {
    return "{\"metric\":{\"instance\":\""
        + instance
        + "\"},\"value\":[1700000000.1,\""
        + value
        + "\"]}";
  }

  private PrometheusAlertsCheck alertsCheck(String... matchers) {
    return new PrometheusAlertsCheck(
        new PrometheusAlertsCheck.Settings(base, List.of(matchers), Duration.ofSeconds(2)));
  }

  private PromQlThresholdCheck rule(String expr, Op op, double threshold, EmptyIs emptyIs) {
    return new PromQlThresholdCheck(
        new PromQlThresholdCheck.Settings(
            base, new Rule("slo", expr, op, threshold, emptyIs), Duration.ofSeconds(2)));
  }

  @Nested
  @DisplayName("alerts check")
  class Alerts {
    @Test
    @DisplayName(
        "a matching firing alert is UNHEALTHY with ALERT_FIRING, naming the alert and its labels")
    void firing() {
      alerts(
          alert("IngressSaturated", "firing", "severity", "critical", "ingress", "web"),
          alert("DiskFilling", "firing", "severity", "warning"));
      PrometheusAlertsCheck c = alertsCheck("{severity=\"critical\"}");
      CheckResult r = c.check();
      assertEquals(Status.UNHEALTHY, r.status(), r.reason());
      assertEquals("prometheus-alerts", r.check());
      assertEquals(ReasonCode.ALERT_FIRING, c.reasonCode());
      assertEquals("1", r.values().get("firingCount"));
      assertEquals("0", r.values().get("maxFiring"));
      assertEquals(
          "IngressSaturated{ingress=\"web\", severity=\"critical\"}",
          r.values().get("firingAlerts"));
      assertTrue(r.reason().contains("IngressSaturated"), r.reason());
      assertFalse(r.reason().contains("DiskFilling"), r.reason());
    }

    @Test
    @DisplayName("pending alerts do not block: HEALTHY, with the pending count in the values")
    void pendingDoesNotBlock() {
      alerts(alert("IngressSaturated", "pending", "severity", "critical"));
      CheckResult r = alertsCheck("{severity=\"critical\"}").check();
      assertEquals(Status.HEALTHY, r.status(), r.reason());
      assertEquals("0", r.values().get("firingCount"));
      assertEquals("1", r.values().get("pendingCount"));
      assertTrue(r.reason().contains("1 pending"), r.reason());
    }

    @Test
    @DisplayName("an alert blocks when it matches any of the matcher sets; others are ignored")
    void anyOfTheSets() {
      alerts(
          alert("Watchdog", "firing", "severity", "none"),
          alert("IngressErrors", "firing", "severity", "warning"));
      assertEquals(Status.HEALTHY, alertsCheck("{severity=\"critical\"}").check().status());
      CheckResult r = alertsCheck("{severity=\"critical\"}", "alertname=~\"Ingress.*\"").check();
      assertEquals(Status.UNHEALTHY, r.status(), r.reason());
      assertEquals("1", r.values().get("firingCount"));
      assertTrue(r.reason().contains("IngressErrors"), r.reason());
    }

    @Test
    @DisplayName("many firing alerts: all counted, the first five named")
    void many() {
      String[] a = new String[8];
      for (int i = 0; i < a.length; i++) {
        a[i] = alert("A" + i, "firing", "severity", "critical");
      }
      alerts(a);
      CheckResult r = alertsCheck("{severity=\"critical\"}").check();
      assertEquals("8", r.values().get("firingCount"));
      assertTrue(
          r.values().get("firingAlerts").endsWith("and 3 more"), r.values().get("firingAlerts"));
    }

    @Test
    @DisplayName(
        "bad JSON, a proxy's 502, an error status, a redirect, a missing alert list: UNKNOWN,"
            + " saying which")
    void unknowns() {
      answer("/api/v1/alerts", 200, "<html>login</html>");
      CheckResult bad = alertsCheck("{severity=\"critical\"}").check();
      assertEquals(Status.UNKNOWN, bad.status());
      assertTrue(bad.reason().contains("no valid JSON"), bad.reason());

      answer("/api/v1/alerts", 502, "Bad Gateway");
      CheckResult gw = alertsCheck("{severity=\"critical\"}").check();
      assertEquals(Status.UNKNOWN, gw.status());
      assertTrue(gw.reason().contains("502"), gw.reason());

      answer(
          "/api/v1/alerts",
          503,
          "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"not ready\"}");
      CheckResult err = alertsCheck("{severity=\"critical\"}").check();
      assertEquals(Status.UNKNOWN, err.status());
      assertTrue(
          err.reason().contains("unavailable") && err.reason().contains("not ready"), err.reason());

      answers.put("/api/v1/alerts", new Object[] {302, "", "/login"});
      CheckResult redirect = alertsCheck("{severity=\"critical\"}").check();
      assertEquals(Status.UNKNOWN, redirect.status());
      assertTrue(redirect.reason().contains("redirecting to /login"), redirect.reason());

      answer("/api/v1/alerts", 200, "{\"status\":\"success\",\"data\":{}}");
      CheckResult empty = alertsCheck("{severity=\"critical\"}").check();
      assertEquals(Status.UNKNOWN, empty.status());
      assertTrue(empty.reason().contains("no data.alerts"), empty.reason());
    }

    @Test
    @DisplayName("a URL with a route prefix is honoured: <prefix>/api/v1/alerts is asked")
    void routePrefix() {
      answer("/prom/api/v1/alerts", 200, "{\"status\":\"success\",\"data\":{\"alerts\":[]}}");
      CheckResult r =
          new PrometheusAlertsCheck(
                  new PrometheusAlertsCheck.Settings(
                      base + "/prom/", List.of("a=\"b\""), Duration.ofSeconds(2)))
              .check();
      assertEquals(Status.HEALTHY, r.status(), r.reason());
    }
  }

  @Nested
  @DisplayName("PromQL threshold check")
  class Threshold {
    @Test
    @DisplayName(
        "a sample above a '>' threshold is UNHEALTHY, worst first; below is HEALTHY; the query is"
            + " sent as written")
    void crossing() {
      vector(sample("a", "0.2"), sample("b", "0.93"), sample("c", "0.7"));
      PromQlThresholdCheck c = rule("sum by (instance) (rate(x[5m]))", Op.GT, 0.5, EmptyIs.UNKNOWN);
      CheckResult r = c.check();
      assertEquals("sum by (instance) (rate(x[5m]))", lastQuery);
      assertEquals(Status.UNHEALTHY, r.status(), r.reason());
      assertEquals("slo", r.check());
      assertEquals(ReasonCode.ALERT_FIRING, c.reasonCode());
      assertEquals("> 0.5", r.values().get("threshold"));
      assertEquals("2", r.values().get("crossing"));
      assertEquals("3", r.values().get("samples"));
      assertEquals("0.93", r.values().get("worst"));
      assertEquals("{instance=\"b\"} 0.93; {instance=\"c\"} 0.7", r.values().get("series"));

      assertEquals(Status.HEALTHY, rule("x", Op.GT, 0.95, EmptyIs.UNKNOWN).check().status());
    }

    @Test
    @DisplayName("'<=' and '>=' include the threshold; '<' reports the lowest value as worst")
    void operators() {
      vector(sample("a", "0.5"), sample("b", "3"));
      assertEquals(Status.UNHEALTHY, rule("x", Op.GE, 3, EmptyIs.UNKNOWN).check().status());
      assertEquals(Status.HEALTHY, rule("x", Op.GT, 3, EmptyIs.UNKNOWN).check().status());
      assertEquals(Status.UNHEALTHY, rule("x", Op.LE, 0.5, EmptyIs.UNKNOWN).check().status());
      CheckResult lt = rule("x", Op.LT, 0.4, EmptyIs.UNKNOWN).check();
      assertEquals(Status.HEALTHY, lt.status(), lt.reason());
      assertEquals("0.5", lt.values().get("worst"));
    }

    @Test
    @DisplayName("+Inf crosses '>'; NaN never crosses and does not count as a sample")
    void specialValues() {
      vector(sample("a", "+Inf"));
      CheckResult inf = rule("x", Op.GT, 1e9, EmptyIs.UNKNOWN).check();
      assertEquals(Status.UNHEALTHY, inf.status(), inf.reason());
      assertEquals("+Inf", inf.values().get("worst"));

      vector(sample("a", "NaN"), sample("b", "0.1"));
      CheckResult nan = rule("x", Op.GT, 0.5, EmptyIs.UNKNOWN).check();
      assertEquals(Status.HEALTHY, nan.status(), nan.reason());
      assertEquals("1", nan.values().get("samples"));
      assertEquals("1", nan.values().get("nanSamples"));
    }

    @Test
    @DisplayName("no sample (or only NaN): UNKNOWN by default, HEALTHY with emptyIs: healthy")
    void empty() {
      vector();
      CheckResult unknown = rule("x", Op.GT, 0.5, EmptyIs.UNKNOWN).check();
      assertEquals(Status.UNKNOWN, unknown.status());
      assertTrue(unknown.reason().contains("emptyIs: healthy"), unknown.reason());
      assertEquals("x", unknown.values().get("expr"));
      assertEquals(Status.HEALTHY, rule("x", Op.GT, 0.5, EmptyIs.HEALTHY).check().status());

      vector(sample("a", "NaN"));
      assertEquals(Status.UNKNOWN, rule("x", Op.GT, 0.5, EmptyIs.UNKNOWN).check().status());
    }

    @Test
    @DisplayName(
        "a scalar result is one sample; a matrix, a string or a malformed sample is UNKNOWN")
    void resultTypes() {
      answer(
          "/api/v1/query",
          200,
          "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1.0,\"2\"]}}");
      CheckResult scalar = rule("1+1", Op.GT, 1, EmptyIs.UNKNOWN).check();
      assertEquals(Status.UNHEALTHY, scalar.status(), scalar.reason());
      assertEquals("2", scalar.values().get("series"));
      assertTrue(scalar.reason().startsWith("1+1: 1 of 1 sample(s) > 1: 2"), scalar.reason());

      answer(
          "/api/v1/query",
          200,
          "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
      CheckResult matrix = rule("x[5m]", Op.GT, 1, EmptyIs.HEALTHY).check();
      assertEquals(Status.UNKNOWN, matrix.status());
      assertTrue(matrix.reason().contains("range vector"), matrix.reason());

      answer(
          "/api/v1/query",
          200,
          "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1.0,\"s\"]}}");
      assertEquals(Status.UNKNOWN, rule("\"s\"", Op.GT, 1, EmptyIs.HEALTHY).check().status());

      vector("{\"metric\":{},\"value\":[1.0,\"abc\"]}");
      CheckResult nan = rule("x", Op.GT, 1, EmptyIs.HEALTHY).check();
      assertEquals(Status.UNKNOWN, nan.status());
      assertTrue(nan.reason().contains("'abc'"), nan.reason());
    }

    @Test
    @DisplayName(
        "Prometheus' 400 bad_data (a PromQL syntax error) is UNKNOWN with Prometheus' message")
    void badData() {
      answer(
          "/api/v1/query",
          400,
          "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error:"
              + " unexpected end of input\"}");
      CheckResult r = rule("sum(", Op.GT, 1, EmptyIs.HEALTHY).check();
      assertEquals(Status.UNKNOWN, r.status());
      assertTrue(
          r.reason().contains("400")
              && r.reason().contains("bad_data")
              && r.reason().contains("parse error"),
          r.reason());
    }
  }

  @Nested
  @DisplayName("settings are validated when built")
  class SettingsValidation {
    private final Duration t = Duration.ofSeconds(5);

    @Test
    @DisplayName("an invalid alert matcher is rejected, naming its index and the problem")
    void badMatcher() {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new PrometheusAlertsCheck.Settings(
                      base, List.of("{severity=\"critical\"}", "{severity=critical}"), t));
      assertTrue(e.getMessage().startsWith("alertMatchers[1]: invalid matcher"), e.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> new PrometheusAlertsCheck.Settings(base, List.of(), t));
    }

    @Test
    @DisplayName(
        "the URL must be http(s) with a host and without query; the timeout positive and bounded")
    void urlAndTimeout() {
      List<String> m = PrometheusAlertsCheck.Settings.DEFAULT_ALERT_MATCHERS;
      assertTrue(
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new PrometheusAlertsCheck.Settings("ftp://p:9090", m, t))
              .getMessage()
              .startsWith("url must be an http"));
      assertTrue(
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new PrometheusAlertsCheck.Settings("http://p:9090/?x=1", m, t))
              .getMessage()
              .contains("without '?'"));
      assertTrue(
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new PrometheusAlertsCheck.Settings(base, m, Duration.ZERO))
              .getMessage()
              .startsWith("timeout"));
    }

    @Test
    @DisplayName(
        "rules: op and emptyIs parse from their config spelling; bad names, empty expr, NaN"
            + " threshold are rejected")
    void rules() {
      assertEquals(Op.GE, Op.parse(">="));
      assertEquals(EmptyIs.HEALTHY, EmptyIs.parse("healthy"));
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> Op.parse("=="))
              .getMessage()
              .contains(">, >=, <, <="));
      assertThrows(IllegalArgumentException.class, () -> EmptyIs.parse("maybe"));
      assertThrows(IllegalArgumentException.class, () -> Rule.of("bad name", "x", Op.GT, 1));
      assertThrows(IllegalArgumentException.class, () -> Rule.of("r", " ", Op.GT, 1));
      assertThrows(IllegalArgumentException.class, () -> Rule.of("r", "x", Op.GT, Double.NaN));
      assertEquals(EmptyIs.UNKNOWN, Rule.of("r", "x", Op.GT, 1).emptyIs());
    }

    @Test
    @DisplayName(
        "the section: duplicate rule names, a rule named like the alerts check, or nothing to check"
            + " are rejected")
    void section() {
      Rule r = Rule.of("r", "x", Op.GT, 1);
      assertTrue(
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new PrometheusSettings(base, List.of(), List.of(r, r), t))
              .getMessage()
              .contains("rules[1].name 'r' is used by an earlier rule"));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new PrometheusSettings(
                  base, List.of(), List.of(Rule.of("prometheus-alerts", "x", Op.GT, 1)), t));
      assertThrows(
          IllegalArgumentException.class,
          () -> new PrometheusSettings(base, List.of(), List.of(), t));

      List<HealthCheck> checks =
          new PrometheusSettings(base, List.of("a=\"b\""), List.of(r), t).checks();
      assertEquals(
          List.of("prometheus-alerts", "r"), checks.stream().map(HealthCheck::name).toList());
      PrometheusSettings d = PrometheusSettings.defaults(base);
      assertEquals(List.of("{severity=\"critical\"}"), d.alertMatchers());
      assertEquals(Duration.ofSeconds(5), d.timeout());
    }
  }
}
