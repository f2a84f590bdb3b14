package dev.rotator.health.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import dev.rotator.health.apiserver.ApiServerLatencyCheck.MetricsSettings;
import dev.rotator.health.apiserver.ApiServerLatencyCheck.Settings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ApiServerLatencyCheckTest {
  private final MockApi api = new MockApi();

  @AfterEach
  void stop() {
    api.close();
  }

  private static Settings settings(
      List<String> probes, int window, int minSamples, long p50Ms, long p99Ms, double maxErrorRate) {
    return new Settings(
        probes,
        Duration.ofSeconds(2),
        window,
        minSamples,
        Duration.ofMinutes(10),
        Duration.ofMillis(p50Ms),
        Duration.ofMillis(p99Ms),
        maxErrorRate,
        MetricsSettings.defaults());
  }

  private ApiServerLatencyCheck check(Settings s, ScriptedNanos nanos) {
    return new ApiServerLatencyCheck(api.client, s, nanos);
  }

  @Test
  @DisplayName("name and reason code are stable: apiserver, API_LATENCY")
  void identity() {
    ApiServerLatencyCheck c = new ApiServerLatencyCheck(api.client, Settings.defaults());
    assertEquals("apiserver", c.name());
    assertEquals(ReasonCode.API_LATENCY, c.reasonCode());
  }

  @Test
  @DisplayName("fast, successful probes are healthy; the first check probes until it has minSamples samples")
  void healthyWarmUp() {
    api.allHealthy();
    ApiServerLatencyCheck c = check(Settings.defaults(), new ScriptedNanos(12));

    CheckResult r = c.check();

    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("apiserver", r.check());
    assertEquals(10, api.requests(), "warm-up to minSamples=10, cycling through the three probes");
    assertEquals("10", r.values().get("samples"));
    assertEquals("12.0", r.values().get("p50Ms"));
    assertEquals("12.0", r.values().get("p99Ms"));
    assertEquals("200.0", r.values().get("p50ThresholdMs"));
    assertEquals("1000.0", r.values().get("p99ThresholdMs"));
    assertEquals("0.000", r.values().get("errorRate"));
    assertEquals("0.050", r.values().get("maxErrorRate"));

    CheckResult again = c.check();
    assertEquals(Status.HEALTHY, again.status());
    assertEquals(13, api.requests(), "once warmed up, one probe per configured path");
    assertEquals("13", again.values().get("samples"));
  }

  @Test
  @DisplayName("a median probe latency above p50Threshold is UNHEALTHY and says p50")
  void p50TooHigh() {
    api.allHealthy();
    CheckResult r = check(Settings.defaults(), new ScriptedNanos(350)).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("350.0", r.values().get("p50Ms"));
    assertTrue(r.reason().contains("p50 latency 350.0 ms > 200.0 ms"), r.reason());
  }

  @Test
  @DisplayName("one slow probe in an otherwise fast window trips p99 but not p50")
  void p99TooHigh() {
    api.allHealthy();
    ScriptedNanos nanos = new ScriptedNanos().then(10, 9).then(1500, 1).then(10, 100);
    CheckResult r = check(Settings.defaults(), nanos).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("10.0", r.values().get("p50Ms"));
    assertEquals("1500.0", r.values().get("p99Ms"));
    assertTrue(r.reason().contains("p99 latency 1500.0 ms > 1000.0 ms"), r.reason());
    assertFalse(r.reason().contains("p50"), r.reason());
  }

  @Test
  @DisplayName("5xx answers (here /readyz failing) count as errors: an error rate above the maximum is UNHEALTHY")
  void serverErrors() {
    api.server.expect().get().withPath("/version").andReturn(200, "{}").always();
    api.server.expect().get().withPath("/readyz").andReturn(500, "[-]etcd failed").always();
    api.server.expect().get().withPath("/api/v1/nodes?limit=1").andReturn(200, "{}").always();

    CheckResult r = check(Settings.defaults(), new ScriptedNanos(5)).check();

    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("3", r.values().get("errors"), "probes 2, 5 and 8 of 10 were /readyz");
    assertEquals("0.300", r.values().get("errorRate"));
    assertEquals("5xx=3", r.values().get("errorsByKind"));
    assertTrue(r.reason().contains("error rate 30.0%"), r.reason());
    assertEquals(10, api.requests(), "fabric8's HTTP retries must not run: one request per probe");
  }

  // fabric8's mock server answers /version itself, whatever the expectations say: faults are scripted on
  // /livez, an equally cheap endpoint of a real API server.

  @Test
  @DisplayName("429 Too Many Requests counts as an error (API priority and fairness rejecting requests)")
  void throttled() {
    api.server.expect().get().withPath("/livez").andReturn(429, "{}").always();
    CheckResult r = check(settings(List.of("/livez"), 10, 10, 200, 1000, 0.05), new ScriptedNanos(5)).check();
    assertEquals(Status.UNHEALTHY, r.status());
    assertEquals("429=10", r.values().get("errorsByKind"));
    assertEquals("1.000", r.values().get("errorRate"));
  }

  @Test
  @DisplayName("an error rate at the maximum passes; the window slides: old errors drop out and the gate recovers")
  void slidingWindow() {
    api.server.expect().get().withPath("/livez").andReturn(500, "boom").times(2);
    api.server.expect().get().withPath("/livez").andReturn(200, "{}").always();
    // Window 10, at most 10% errors: 2 errors fail, 1 error passes.
    ApiServerLatencyCheck c = check(settings(List.of("/livez"), 10, 10, 200, 1000, 0.10), new ScriptedNanos(5));

    CheckResult first = c.check();
    assertEquals(Status.UNHEALTHY, first.status(), first.reason());
    assertEquals("2", first.values().get("errors"));

    CheckResult second = c.check(); // the first error slid out
    assertEquals(Status.HEALTHY, second.status(), second.reason());
    assertEquals("1", second.values().get("errors"));
    assertEquals("0.100", second.values().get("errorRate"));

    CheckResult third = c.check();
    assertEquals("0", third.values().get("errors"));
    assertEquals("10", third.values().get("samples"));
  }

  @Test
  @DisplayName("samples older than maxSampleAge are dropped, and the check probes back up to minSamples")
  void samplesExpire() {
    api.server.expect().get().withPath("/livez").andReturn(503, "down").times(10);
    api.server.expect().get().withPath("/livez").andReturn(200, "{}").always();
    ScriptedNanos nanos = new ScriptedNanos(5);
    ApiServerLatencyCheck c = check(settings(List.of("/livez"), 20, 10, 200, 1000, 0.05), nanos);

    assertEquals(Status.UNHEALTHY, c.check().status());
    nanos.advance(Duration.ofMinutes(11)); // maxSampleAge is 10 min

    CheckResult r = c.check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("0", r.values().get("errors"));
    assertEquals(20, api.requests(), "10 samples, then a fresh warm-up of 10");
  }

  @Test
  @DisplayName("a probe that times out is an error, ends the round at once, and its wall time counts as latency")
  void timeoutEndsRound() {
    api.server
        .expect()
        .get()
        .delay(1500, TimeUnit.MILLISECONDS)
        .withPath("/livez")
        .andReturn(200, "{}")
        .always();
    api.server.expect().get().withPath("/readyz").andReturn(200, "ok").always();
    Settings s =
        new Settings(
            List.of("/livez", "/readyz"),
            Duration.ofMillis(200),
            50,
            10,
            Duration.ofMinutes(10),
            Duration.ofMillis(100),
            Duration.ofMillis(150),
            0.05,
            MetricsSettings.defaults());
    ApiServerLatencyCheck c = new ApiServerLatencyCheck(api.client, s); // real System::nanoTime

    long t0 = System.nanoTime();
    CheckResult r = c.check();
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertEquals("timeout=1", r.values().get("errorsByKind"));
    assertEquals("1", r.values().get("samples"), "no probe after the timeout");
    assertTrue(Double.parseDouble(r.values().get("p50Ms")) >= 190, r.values().toString());
    assertTrue(tookMs < 1200, "bounded by the probe timeout, took " + tookMs + " ms");
  }

  @Test
  @DisplayName("below minSamples the error rate counts the missing samples as successes: one timeout is not an"
      + " error-rate failure, three are")
  void errorRatePaddedBelowMinSamples() {
    api.server.expect().get().delay(1, TimeUnit.SECONDS).withPath("/livez").andReturn(200, "{}").always();
    Settings s =
        new Settings(
            List.of("/livez"),
            Duration.ofMillis(100),
            50,
            20,
            Duration.ofMinutes(10),
            Duration.ofMillis(200),
            Duration.ofSeconds(1),
            0.10,
            MetricsSettings.defaults());
    // Scripted latency stays below both thresholds so only the error rate can fail.
    ApiServerLatencyCheck c = check(s, new ScriptedNanos(100));

    CheckResult one = c.check();
    assertEquals("1", one.values().get("samples"));
    assertEquals("1.000", one.values().get("errorRate"));
    assertEquals(Status.HEALTHY, one.status(), "1/20 = 5% <= 10%: " + one.reason());

    c.check();
    CheckResult three = c.check();
    assertEquals(Status.UNHEALTHY, three.status(), "3/20 = 15% > 10%");
    assertTrue(three.reason().contains("judged as 3/20"), three.reason());
  }

  @Test
  @DisplayName("a real delay is measured: 120 ms answers against a 100 ms p50 threshold are UNHEALTHY")
  void realDelayMeasured() {
    api.server.expect().get().delay(120, TimeUnit.MILLISECONDS).withPath("/livez").andReturn(200, "{}").always();
    ApiServerLatencyCheck c =
        new ApiServerLatencyCheck(api.client, settings(List.of("/livez"), 1, 1, 100, 1000, 0.05));
    CheckResult r = c.check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(Double.parseDouble(r.values().get("p50Ms")) >= 120, r.values().toString());
  }

  @Test
  @DisplayName("an API server nobody listens on is UNKNOWN (cannot reach), not healthy, and fast to say so")
  void unreachable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + port + "/").build();
    try (KubernetesClient dead = new KubernetesClientBuilder().withConfig(config).build()) {
      long t0 = System.nanoTime();
      CheckResult r = new ApiServerLatencyCheck(dead, Settings.defaults()).check();
      long tookMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(Status.UNKNOWN, r.status());
      assertTrue(r.reason().contains("cannot reach the API server"), r.reason());
      assertEquals("unreachable=1", r.values().get("errorsByKind"));
      assertTrue(tookMs < 2000, "no fabric8 retries on connection refused, took " + tookMs + " ms");
    }
  }

  @Test
  @DisplayName("a probe refused with 403 makes the check UNKNOWN with an RBAC hint, and is not an error sample")
  void forbiddenProbe() {
    api.server.expect().get().withPath("/version").andReturn(200, "{}").always();
    api.server.expect().get().withPath("/readyz").andReturn(200, "ok").always();
    api.server.expect().get().withPath("/api/v1/nodes?limit=1").andReturn(403, "{}").always();
    CheckResult r = check(Settings.defaults(), new ScriptedNanos(5)).check();
    assertEquals(Status.UNKNOWN, r.status());
    assertTrue(r.reason().contains("/api/v1/nodes?limit=1 answered HTTP 403"), r.reason());
    assertTrue(r.reason().contains("RBAC"), r.reason());
  }

  // ------------------------------------------------------------------------------------------ /metrics

  private static String exposition(long getFast, long getSlow, long watchSlow) {
    // Buckets 0.1, 1, 5, +Inf. GET requests: getFast under 0.1 s, getSlow between 1 and 5 s.
    // WATCH: watchSlow requests lasting minutes (+Inf bucket only), which must not count.
    return "# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution\n"
        + "# TYPE apiserver_request_duration_seconds histogram\n"
        + bucket("GET", "0.1", getFast)
        + bucket("GET", "1", getFast)
        + bucket("GET", "5", getFast + getSlow)
        + bucket("GET", "+Inf", getFast + getSlow)
        + "apiserver_request_duration_seconds_sum{verb=\"GET\"} 12.5\n"
        + "apiserver_request_duration_seconds_count{verb=\"GET\"} " + (getFast + getSlow) + "\n"
        + bucket("WATCH", "0.1", 0)
        + bucket("WATCH", "1", 0)
        + bucket("WATCH", "5", 0)
        + bucket("WATCH", "+Inf", watchSlow)
        + "# TYPE apiserver_storage_objects gauge\n"
        + "apiserver_storage_objects{resource=\"pods\"} 1234\n";
  }

  private static String bucket(String verb, String le, long count) {
    return "apiserver_request_duration_seconds_bucket{component=\"apiserver\",resource=\"pods\",scope=\"resource\","
        + "verb=\""
        + verb
        + "\",le=\""
        + le
        + "\"} "
        + count
        + "\n";
  }

  @Test
  @DisplayName("/metrics: the first scrape is a baseline; the next judges the p99 of the requests in between,"
      + " WATCH excluded")
  void metricsP99() {
    api.allHealthy();
    api.server.expect().get().withPath("/metrics").andReturn(200, exposition(1000, 0, 5)).once();
    // 100 more fast GETs and 1,000 more multi-minute WATCHes: healthy.
    api.server.expect().get().withPath("/metrics").andReturn(200, exposition(1100, 0, 1005)).once();
    // Then 50 fast and 50 slow (1-5 s) GETs: p99 lands in the 1-5 s bucket.
    api.server.expect().get().withPath("/metrics").andReturn(200, exposition(1150, 50, 1005)).once();
    Settings s = Settings.defaults().withMetrics(MetricsSettings.defaults().withEnabled(true));
    ApiServerLatencyCheck c = check(s, new ScriptedNanos(5));

    CheckResult first = c.check();
    assertEquals(Status.HEALTHY, first.status(), first.reason());
    assertEquals("n/a", first.values().get("metricsP99Ms"));

    CheckResult second = c.check();
    assertEquals(Status.HEALTHY, second.status(), second.reason());
    assertEquals("100", second.values().get("metricsRequests"), "WATCH requests are not counted");
    assertEquals("99.0", second.values().get("metricsP99Ms"), "rank 99 of 100 in the 0-0.1 s bucket");

    CheckResult third = c.check();
    assertEquals(Status.UNHEALTHY, third.status());
    assertEquals("100", third.values().get("metricsRequests"));
    // rank 99 of 100: 49th of the 50 in the 1-5 s bucket → 1 + 4 × 49/50 = 4.92 s
    assertEquals("4920.0", third.values().get("metricsP99Ms"));
    assertTrue(third.reason().contains("own p99 request duration 4920.0 ms > 1000.0 ms"), third.reason());
  }

  @Test
  @DisplayName("/metrics refused (403) or malformed makes the check UNKNOWN, naming the cause")
  void metricsUnreadable() {
    api.allHealthy();
    api.server.expect().get().withPath("/metrics").andReturn(403, "{}").once();
    api.server.expect().get().withPath("/metrics").andReturn(200, "apiserver_request_duration_seconds_bucket{le=\"1\" 3\n").once();
    Settings s = Settings.defaults().withMetrics(MetricsSettings.defaults().withEnabled(true));
    ApiServerLatencyCheck c = check(s, new ScriptedNanos(5));

    CheckResult forbidden = c.check();
    assertEquals(Status.UNKNOWN, forbidden.status());
    assertTrue(forbidden.reason().contains("non-resource URL /metrics"), forbidden.reason());

    CheckResult malformed = c.check();
    assertEquals(Status.UNKNOWN, malformed.status());
    assertTrue(malformed.reason().contains("cannot parse the API server's /metrics: line 1"), malformed.reason());
  }

  // ------------------------------------------------------------------------------------------ settings

  @Test
  @DisplayName("settings are validated, naming the key and what is expected")
  void settingsValidated() {
    Settings d = Settings.defaults();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> settings(List.of("version"), 50, 10, 200, 1000, 0.05));
    assertTrue(e.getMessage().startsWith("probes:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings(List.of("/version"), 50, 60, 200, 1000, 0.05));
    assertTrue(e.getMessage().startsWith("minSamples must be within 1..windowSize"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings(List.of("/version"), 50, 10, 200, 1000, 5));
    assertTrue(e.getMessage().startsWith("maxErrorRate must be a fraction"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings(List.of("/version"), 50, 10, 2000, 1000, 0.05));
    assertTrue(e.getMessage().startsWith("p50Threshold"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings(List.of(), 50, 10, 200, 1000, 0.05));
    assertTrue(e.getMessage().startsWith("probes must list"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings(List.of("/a/../metrics"), 50, 10, 200, 1000, 0.05));
    assertTrue(e.getMessage().contains("'..'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MetricsSettings(true, Duration.ZERO, Set.of(), 10));
    assertTrue(e.getMessage().startsWith("metrics.p99Threshold"), e.getMessage());
    assertEquals(Set.of("WATCH", "WATCHLIST", "CONNECT"), d.metrics().excludeVerbs());
    assertEquals(Set.of("WATCH"), new MetricsSettings(true, Duration.ofSeconds(1), Set.of(" watch "), 1).excludeVerbs());
  }
}
