package dev.rotator.health.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.health.apiserver.PrometheusText.PrometheusParseException;
import dev.rotator.health.apiserver.RequestDurationTracker.Window;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RequestDurationTrackerTest {
  private final RequestDurationTracker tracker = new RequestDurationTracker(Set.of("WATCH", "CONNECT"));

  /** One series with buckets 0.1, 1, +Inf. */
  private static String series(String verb, String resource, long under100ms, long under1s, long total) {
    String prefix =
        "apiserver_request_duration_seconds_bucket{verb=\"" + verb + "\",resource=\"" + resource + "\",le=\"";
    return prefix + "0.1\"} " + under100ms + "\n" + prefix + "1\"} " + under1s + "\n" + prefix + "+Inf\"} " + total
        + "\n";
  }

  @Test
  @DisplayName("the first scrape is only a baseline; later ones judge the increase since the previous scrape")
  void delta() throws Exception {
    Window first = tracker.update(series("GET", "pods", 1_000_000, 1_000_000, 1_000_000));
    assertFalse(first.baseline());
    assertTrue(Double.isNaN(first.p99Seconds()));

    // 100 new requests, all between 0.1 and 1 s: weeks of fast history must not dilute them.
    Window second = tracker.update(series("GET", "pods", 1_000_000, 1_000_100, 1_000_100));
    assertTrue(second.baseline());
    assertEquals(100, second.requests());
    assertEquals(0.1 + 0.9 * 0.99, second.p99Seconds(), 1e-9);
  }

  @Test
  @DisplayName("series are summed across resources and verbs; WATCH and CONNECT are left out")
  void aggregatesAndExcludes() throws Exception {
    tracker.update(series("GET", "pods", 0, 0, 0) + series("LIST", "nodes", 0, 0, 0) + series("WATCH", "pods", 0, 0, 0));
    Window w =
        tracker.update(
            series("GET", "pods", 50, 50, 50) + series("LIST", "nodes", 50, 50, 50) + series("WATCH", "pods", 0, 0, 900));
    assertEquals(100, w.requests());
    assertEquals(0.099, w.p99Seconds(), 1e-9);
  }

  @Test
  @DisplayName("a series whose counters went down was reset (API server restart): its current counts are the increase")
  void counterReset() throws Exception {
    tracker.update(series("GET", "pods", 5000, 5000, 5000));
    Window w = tracker.update(series("GET", "pods", 0, 10, 10));
    assertEquals(10, w.requests());
    assertEquals(0.1 + 0.9 * (9.9 / 10), w.p99Seconds(), 1e-9);
  }

  @Test
  @DisplayName("a series that appeared since the previous scrape counts whole")
  void newSeries() throws Exception {
    tracker.update(series("GET", "pods", 10, 10, 10));
    Window w = tracker.update(series("GET", "pods", 10, 10, 10) + series("DELETE", "pods", 0, 0, 4));
    assertEquals(4, w.requests());
    assertEquals(1.0, w.p99Seconds(), "rank in +Inf: the highest finite bound");
  }

  @Test
  @DisplayName("no request in between: judged as nothing to judge (NaN), not as zero latency")
  void idle() throws Exception {
    tracker.update(series("GET", "pods", 10, 10, 10));
    Window w = tracker.update(series("GET", "pods", 10, 10, 10));
    assertEquals(0, w.requests());
    assertTrue(Double.isNaN(w.p99Seconds()));
  }

  @Test
  @DisplayName("a bucket series without +Inf or with a bad le is a parse error, not a wrong quantile")
  void brokenSeries() {
    assertThrows(
        PrometheusParseException.class,
        () -> tracker.update("apiserver_request_duration_seconds_bucket{verb=\"GET\",le=\"0.1\"} 3\n"));
    assertThrows(
        PrometheusParseException.class,
        () -> tracker.update("apiserver_request_duration_seconds_bucket{verb=\"GET\",le=\"fast\"} 3\n"));
    assertThrows(
        PrometheusParseException.class,
        () -> tracker.update("apiserver_request_duration_seconds_bucket{verb=\"GET\"} 3\n"));
  }
}
