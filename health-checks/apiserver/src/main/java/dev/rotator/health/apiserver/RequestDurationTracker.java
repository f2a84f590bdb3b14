package dev.rotator.health.apiserver;

import dev.rotator.health.apiserver.PrometheusText.PrometheusParseException;
import dev.rotator.health.apiserver.PrometheusText.Sample;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The API server's own view of its latency: the p99 of {@code apiserver_request_duration_seconds} over
 * the requests served <em>between two scrapes</em>, like {@code histogram_quantile(0.99, sum by (le)
 * (rate(...)))} in Prometheus.
 *
 * <p>Why a delta: the histogram's counters are cumulative since the API server started, so a quantile of
 * the raw counters describes weeks of history and barely moves when the server is struggling right now.
 * The tracker keeps each series' counters from the previous scrape and aggregates the increase:
 *
 * <ul>
 *   <li>a series whose buckets went down was reset (API server restart): its current counters are its
 *       increase, as Prometheus' {@code rate()} assumes;
 *   <li>a series absent from the previous scrape was created since: its counters are its increase;
 *   <li>the first scrape has no baseline and yields no quantile.
 * </ul>
 *
 * Long-running requests (verbs {@code WATCH}, {@code WATCHLIST}, {@code CONNECT} by default) are excluded:
 * their duration is the length of the stream, not the server's responsiveness (the Kubernetes API
 * call-latency SLO excludes them for the same reason).
 *
 * <p>Not thread-safe; {@link ApiServerLatencyCheck} calls it under its own lock.
 */
public final class RequestDurationTracker {

  /** The histogram's bucket series. */
  public static final String METRIC = "apiserver_request_duration_seconds_bucket";

  /**
   * The increase since the previous scrape.
   *
   * @param p99Seconds the estimated p99, NaN when no request finished in between (or on the first scrape)
   * @param requests requests counted in the increase (the +Inf bucket's increase)
   * @param baseline false on the first scrape: nothing to compare with yet
   */
  public record Window(double p99Seconds, double requests, boolean baseline) {}

  private final Set<String> excludedVerbs;
  private Map<String, NavigableMap<Double, Double>> previous;

  /** @param excludedVerbs verbs left out (compared case-insensitively) */
  public RequestDurationTracker(Set<String> excludedVerbs) {
    this.excludedVerbs =
        excludedVerbs.stream().map(v -> v.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Feeds one scrape of {@code /metrics}.
   *
   * @throws PrometheusParseException when the exposition is malformed, or a bucket series lacks a valid
   *     {@code le} label or its {@code +Inf} bucket (a quantile from it would be wrong)
   */
  public Window update(String exposition) throws PrometheusParseException {
    Map<String, NavigableMap<Double, Double>> current = seriesOf(exposition);
    Map<String, NavigableMap<Double, Double>> before = previous;
    previous = current;
    if (before == null) {
      return new Window(Double.NaN, 0, false);
    }
    NavigableMap<Double, Double> sum = new TreeMap<>();
    for (Map.Entry<String, NavigableMap<Double, Double>> e : current.entrySet()) {
      NavigableMap<Double, Double> now = e.getValue();
      NavigableMap<Double, Double> then = before.get(e.getKey());
      boolean reset = then != null && wentDown(then, now);
      for (Map.Entry<Double, Double> b : now.entrySet()) {
        double increase =
            then == null || reset ? b.getValue() : b.getValue() - then.getOrDefault(b.getKey(), 0.0);
        sum.merge(b.getKey(), increase, Double::sum);
      }
    }
    if (sum.isEmpty()) {
      return new Window(Double.NaN, 0, true);
    }
    double requests = sum.get(Double.POSITIVE_INFINITY);
    double p99 = requests > 0 ? HistogramQuantile.quantile(0.99, sum) : Double.NaN;
    return new Window(p99, requests, true);
  }

  private static boolean wentDown(NavigableMap<Double, Double> then, NavigableMap<Double, Double> now) {
    for (Map.Entry<Double, Double> b : then.entrySet()) {
      Double n = now.get(b.getKey());
      if (n != null && n < b.getValue()) {
        return true;
      }
    }
    return false;
  }

  private Map<String, NavigableMap<Double, Double>> seriesOf(String exposition) throws PrometheusParseException {
    Map<String, NavigableMap<Double, Double>> series = new HashMap<>();
    for (Sample s : PrometheusText.parse(exposition, METRIC::equals)) {
      String verb = s.labels().getOrDefault("verb", "").toUpperCase(Locale.ROOT);
      if (excludedVerbs.contains(verb)) {
        continue;
      }
      String le = s.labels().get("le");
      double bound;
      try {
        bound = PrometheusText.parseNumber(Objects.requireNonNullElse(le, ""));
      } catch (NumberFormatException e) {
        throw new PrometheusParseException(METRIC + " sample without a valid le label: " + s.labels());
      }
      if (Double.isNaN(bound) || Double.isNaN(s.value()) || s.value() < 0) {
        throw new PrometheusParseException(METRIC + " sample with an invalid bound or count: " + s.labels());
      }
      series.computeIfAbsent(key(s), k -> new TreeMap<>()).put(bound, s.value());
    }
    for (Map.Entry<String, NavigableMap<Double, Double>> e : series.entrySet()) {
      if (!e.getValue().containsKey(Double.POSITIVE_INFINITY)) {
        throw new PrometheusParseException(METRIC + " series without a +Inf bucket: {" + e.getKey() + "}");
      }
    }
    return series;
  }

  /** The series identity: every label but {@code le}, in a stable order. */
  private static String key(Sample s) {
    return new TreeMap<>(s.labels())
        .entrySet().stream()
            .filter(e -> !e.getKey().equals("le"))
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }
}
