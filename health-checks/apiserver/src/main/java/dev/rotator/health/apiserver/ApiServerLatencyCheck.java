package dev.rotator.health.apiserver;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.apiserver.PrometheusText.PrometheusParseException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The API server latency gate: is the API server answering fast enough, and without errors, to take one
 * more node away? A struggling API server is how a rotation turns into an outage (evictions, scheduling
 * and kubelet heartbeats all go through it), so this check measures it actively.
 *
 * <p>Each {@link #check()}:
 *
 * <ol>
 *   <li>issues each configured probe once, in order: cheap GETs ({@code /version}, {@code /readyz}, a
 *       LIST of nodes with {@code limit=1}, which reads from etcd) through the fabric8 client's HTTP
 *       stack, so authentication and TLS are exactly those of rotator's other calls. While the window
 *       holds fewer than {@code minSamples} samples (the first check), it probes more, cycling through
 *       the probes, so that the thresholds are judged on enough samples from the start;
 *   <li>records each probe's wall time and outcome in a sliding window of the last {@code windowSize}
 *       samples (samples older than {@code maxSampleAge} are dropped, so a resolved incident does not
 *       hold the gate shut forever). 5xx, 429, timeouts and connection failures are errors;
 *   <li>stops probing early after a timeout or a connection failure, and once the round has used twice
 *       the probe timeout, so that a hung API server makes the check slow by one probe timeout, not by
 *       the number of probes. A check takes less than 3 × {@code probeTimeout} (4 × with {@code
 *       /metrics}); the gate's per-check timeout should be above that;
 *   <li>judges the window: UNHEALTHY when p50 or p99 is above its threshold, or when the error rate is
 *       above its maximum. With fewer than {@code minSamples} samples the error rate is judged as if the
 *       missing samples had succeeded: one early error cannot trip the gate, a run of errors still does;
 *   <li>optionally scrapes {@code /metrics} and judges the API server's own p99 of {@code
 *       apiserver_request_duration_seconds} over the requests since the previous scrape ({@link
 *       RequestDurationTracker}).
 * </ol>
 *
 * UNKNOWN (the gate fails closed) when no probe reached the API server at all, when a probe or {@code
 * /metrics} is refused with a 4xx other than 429 (credentials or RBAC: the measurement is impossible, not
 * bad), when {@code /metrics} cannot be read or parsed, or when interrupted. Never throws.
 *
 * <p>Probes never go through fabric8's HTTP-layer retries, whatever the given client's configuration:
 * with the default {@code requestRetryBackoffLimit} (10) a 500 is retried for ~19 s and comes back as one
 * slow answer, hiding exactly what this check measures. The check derives a view of the client with
 * retries off ({@code newClient(RequestConfig)}, sharing its HTTP connections and credentials).
 *
 * <p>Latency is wall time from an injected {@code nanoTime} source (default {@link System#nanoTime}),
 * not the rotation {@link dev.rotator.core.port.Clock}: a scaled simulation clock must not scale real
 * network latency. Thread-safe: checks are serialised.
 */
public final class ApiServerLatencyCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "apiserver";

  /** Upper bounds on settings, so a typo cannot make the check hammer the API server or never end. */
  static final int MAX_PROBES = 10;

  static final int MAX_WINDOW = 10_000;
  static final Duration MAX_PROBE_TIMEOUT = Duration.ofSeconds(60);

  /**
   * What the check does and when it fails.
   *
   * @param probes paths GET-ed on the API server each check, each starting with {@code /} (query allowed)
   * @param probeTimeout how long one probe may take; a probe without an answer by then is a timeout error
   * @param windowSize how many of the latest samples are judged
   * @param minSamples samples the error rate needs before it is judged on its own (1..windowSize); fewer
   *     are padded with assumed successes, and the first check probes until it has this many
   * @param maxSampleAge samples older than this are dropped (zero: never)
   * @param p50Threshold the median probe latency above which the API server is unhealthy
   * @param p99Threshold the 99th percentile probe latency above which it is unhealthy
   * @param maxErrorRate the fraction (0..1) of error samples above which it is unhealthy
   * @param metrics the optional scrape of {@code /metrics}
   */
  public record Settings(
      List<String> probes,
      Duration probeTimeout,
      int windowSize,
      int minSamples,
      Duration maxSampleAge,
      Duration p50Threshold,
      Duration p99Threshold,
      double maxErrorRate,
      MetricsSettings metrics) {

    public Settings {
      Objects.requireNonNull(probes, "probes");
      probes = List.copyOf(probes);
      if (probes.isEmpty() || probes.size() > MAX_PROBES) {
        throw new IllegalArgumentException(
            "probes must list 1.." + MAX_PROBES + " paths, got " + probes.size());
      }
      for (String p : probes) {
        requirePath("probes", p);
      }
      requirePositive("probeTimeout", probeTimeout);
      if (probeTimeout.compareTo(MAX_PROBE_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "probeTimeout must be at most " + MAX_PROBE_TIMEOUT.toSeconds() + "s, got " + probeTimeout);
      }
      if (windowSize < 1 || windowSize > MAX_WINDOW) {
        throw new IllegalArgumentException("windowSize must be within 1.." + MAX_WINDOW + ", got " + windowSize);
      }
      if (minSamples < 1 || minSamples > windowSize) {
        throw new IllegalArgumentException(
            "minSamples must be within 1..windowSize (" + windowSize + "), got " + minSamples);
      }
      Objects.requireNonNull(maxSampleAge, "maxSampleAge");
      if (maxSampleAge.isNegative()) {
        throw new IllegalArgumentException("maxSampleAge must be >= 0, got " + maxSampleAge);
      }
      requirePositive("p50Threshold", p50Threshold);
      requirePositive("p99Threshold", p99Threshold);
      if (p50Threshold.compareTo(p99Threshold) > 0) {
        throw new IllegalArgumentException(
            "p50Threshold (" + p50Threshold + ") must not be above p99Threshold (" + p99Threshold + ")");
      }
      if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
        throw new IllegalArgumentException("maxErrorRate must be a fraction within 0..1, got " + maxErrorRate);
      }
      Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * {@code /version}, {@code /readyz} and a one-node LIST; 2 s probe timeout; window 50, judged from 10
     * samples; samples expire after 10 min; p50 ≤ 200 ms, p99 ≤ 1 s (the Kubernetes SLO for single-object
     * reads), errors ≤ 5 %; {@code /metrics} off.
     */
    public static Settings defaults() {
      return new Settings(
          List.of("/version", "/readyz", "/api/v1/nodes?limit=1"),
          Duration.ofSeconds(2),
          50,
          10,
          Duration.ofMinutes(10),
          Duration.ofMillis(200),
          Duration.ofSeconds(1),
          0.05,
          MetricsSettings.defaults());
    }

    public Settings withMetrics(MetricsSettings m) {
      return new Settings(
          probes, probeTimeout, windowSize, minSamples, maxSampleAge, p50Threshold, p99Threshold, maxErrorRate, m);
    }
  }

  /**
   * The optional scrape of the API server's {@code /metrics} (needs RBAC {@code get} on the non-resource
   * URL {@code /metrics}).
   *
   * @param enabled scrape it on every check
   * @param p99Threshold the API server's own p99 request duration above which it is unhealthy
   * @param excludeVerbs verbs left out of the histogram (long-running requests)
   * @param minRequests requests since the previous scrape needed before its p99 is judged
   */
  public record MetricsSettings(
      boolean enabled, Duration p99Threshold, Set<String> excludeVerbs, int minRequests) {
    public MetricsSettings {
      requirePositive("metrics.p99Threshold", p99Threshold);
      Objects.requireNonNull(excludeVerbs, "excludeVerbs");
      excludeVerbs =
          excludeVerbs.stream()
              .map(v -> v.trim().toUpperCase(Locale.ROOT))
              .collect(Collectors.toUnmodifiableSet());
      if (excludeVerbs.contains("")) {
        throw new IllegalArgumentException("metrics.excludeVerbs must not contain an empty verb");
      }
      if (minRequests < 1) {
        throw new IllegalArgumentException("metrics.minRequests must be >= 1, got " + minRequests);
      }
    }

    /** Off; p99 ≤ 1 s; WATCH, WATCHLIST and CONNECT excluded; judged from 10 requests. */
    public static MetricsSettings defaults() {
      return new MetricsSettings(false, Duration.ofSeconds(1), Set.of("WATCH", "WATCHLIST", "CONNECT"), 10);
    }

    public MetricsSettings withEnabled(boolean on) {
      return new MetricsSettings(on, p99Threshold, excludeVerbs, minRequests);
    }
  }

  /** How one probe ended. */
  enum Outcome {
    OK(false),
    SERVER_ERROR(true),
    THROTTLED(true),
    TIMEOUT(true),
    UNREACHABLE(true);

    final boolean error;

    Outcome(boolean error) {
      this.error = error;
    }
  }

  private record Sample(long endNanos, long latencyNanos, Outcome outcome) {}

  /** A probe that could not be judged: the round ends with UNKNOWN. */
  private static final class Unjudgeable extends Exception {
    private static final long serialVersionUID = 1L;

    Unjudgeable(String message) {
      super(message);
    }
  }

  private final HttpClient http;
  private final String baseUrl;
  private final Settings settings;
  private final LongSupplier nanoTime;
  private final Deque<Sample> window = new ArrayDeque<>();
  private final RequestDurationTracker tracker;

  public ApiServerLatencyCheck(KubernetesClient client, Settings settings) {
    this(client, settings, System::nanoTime);
  }

  /**
   * @param nanoTime the wall-time source latency is measured with (tests script it)
   */
  public ApiServerLatencyCheck(KubernetesClient client, Settings settings, LongSupplier nanoTime) {
    Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    // A derived client shares the HTTP client and credentials; only its request config differs. It is
    // not closed here: closing it could close the shared HTTP client the caller owns.
    RequestConfig noRetries =
        new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
            .withRequestRetryBackoffLimit(0)
            .build();
    this.http = client.newClient(noRetries).getHttpClient();
    String master = client.getMasterUrl().toString();
    this.baseUrl = master.endsWith("/") ? master.substring(0, master.length() - 1) : master;
    this.tracker = new RequestDurationTracker(settings.metrics().excludeVerbs());
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.API_LATENCY;
  }

  @Override
  public synchronized CheckResult check() {
    try {
      return evaluate();
    } catch (Unjudgeable e) {
      return CheckResult.unknown(NAME, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.unknown(NAME, "interrupted while probing the API server");
    } catch (RuntimeException e) {
      // A bug or an unexpected client failure must not pass for a healthy API server.
      return CheckResult.unknown(NAME, "probing the API server failed: " + describe(e));
    }
  }

  private CheckResult evaluate() throws Unjudgeable, InterruptedException {
    boolean contact = probeRound();

    Map<String, String> values = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    String summary = judgeWindow(values, problems);
    if (!contact) {
      // Connection refused or reset: nothing was measured this time, and "unreachable" is not "slow".
      return new CheckResult(
          NAME,
          CheckResult.Status.UNKNOWN,
          "cannot reach the API server at " + baseUrl + " (no connection); window so far: " + summary,
          values);
    }
    if (settings.metrics().enabled()) {
      summary += "; " + judgeMetrics(values, problems);
    }
    if (!problems.isEmpty()) {
      return CheckResult.unhealthy(NAME, String.join("; ", problems), values);
    }
    return CheckResult.healthy(NAME, summary, values);
  }

  /**
   * Probes once per configured path (more while warming up), adding every sample to the window.
   *
   * @return whether any probe reached the API server (an answer of any status, or a timeout after
   *     connecting): false when every probe failed to connect
   */
  private boolean probeRound() throws Unjudgeable, InterruptedException {
    List<String> probes = settings.probes();
    // Bounded: once around the probes, or up to minSamples while the window is short (first check, or
    // after old samples expired).
    int maxProbes = Math.max(probes.size(), settings.minSamples());
    long budget = settings.probeTimeout().toNanos() * 2;
    long roundStart = 0;
    boolean contact = false;
    for (int i = 0; i < maxProbes; i++) {
      Sample s = probe(probes.get(i % probes.size()));
      add(s);
      expire(s.endNanos());
      contact |= s.outcome() != Outcome.UNREACHABLE;
      if (i == 0) {
        roundStart = s.endNanos() - s.latencyNanos();
      }
      if (s.outcome() == Outcome.TIMEOUT || s.outcome() == Outcome.UNREACHABLE) {
        break; // it is not answering: more probes would only make the gate wait longer
      }
      if (s.endNanos() - roundStart >= budget) {
        break;
      }
      if (i + 1 >= probes.size() && window.size() >= settings.minSamples()) {
        break;
      }
    }
    return contact;
  }

  private Sample probe(String path) throws Unjudgeable, InterruptedException {
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(baseUrl + path)
            .header("Accept", "application/json, */*")
            .timeout(settings.probeTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .build();
    long start = nanoTime.getAsLong();
    CompletableFuture<HttpResponse<String>> future = http.sendAsync(request, String.class);
    Outcome outcome;
    try {
      HttpResponse<String> response = future.get(settings.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
      outcome = classify(path, response.code());
    } catch (TimeoutException e) {
      future.cancel(true);
      outcome = Outcome.TIMEOUT;
    } catch (ExecutionException e) {
      outcome = isTimeout(e.getCause()) ? Outcome.TIMEOUT : Outcome.UNREACHABLE;
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    }
    long end = nanoTime.getAsLong();
    return new Sample(end, Math.max(0, end - start), outcome);
  }

  private static Outcome classify(String path, int code) throws Unjudgeable {
    if (code >= 200 && code < 300) {
      return Outcome.OK;
    }
    if (code == 429) {
      return Outcome.THROTTLED;
    }
    if (code >= 500) {
      return Outcome.SERVER_ERROR;
    }
    // 401/403/404 and friends say nothing about the server's health but make measuring impossible.
    String hint =
        switch (code) {
          case 401 -> ": rotator's credentials were not accepted";
          case 403 -> ": rotator's credentials may not GET it (RBAC); grant it or drop the probe";
          case 404 -> ": this API server does not serve it; drop the probe";
          default -> "";
        };
    throw new Unjudgeable("probe GET " + path + " answered HTTP " + code + hint);
  }

  private static boolean isTimeout(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      // Each HTTP implementation behind fabric8 (Vert.x by default, JDK, OkHttp, Jetty) names its own
      // timeout exception differently; they all say "Timeout" in the class name.
      if (c instanceof TimeoutException
          || c instanceof InterruptedIOException
          || c.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
    }
    return false;
  }

  private void add(Sample s) {
    window.addLast(s);
    while (window.size() > settings.windowSize()) {
      window.removeFirst();
    }
  }

  private void expire(long now) {
    if (settings.maxSampleAge().isZero()) {
      return;
    }
    long maxAge = settings.maxSampleAge().toNanos();
    while (window.size() > 1 && now - window.peekFirst().endNanos() > maxAge) {
      window.removeFirst();
    }
  }

  /** Fills the window's values and problems; returns the one-line summary. */
  private String judgeWindow(Map<String, String> values, List<String> problems) {
    long[] latencies = window.stream().mapToLong(Sample::latencyNanos).sorted().toArray();
    int n = latencies.length;
    long errors = window.stream().filter(s -> s.outcome().error).count();
    double p50 = percentileMs(latencies, 0.50);
    double p99 = percentileMs(latencies, 0.99);
    double rate = (double) errors / n;
    double judgedRate = (double) errors / Math.max(n, settings.minSamples());
    double p50Max = settings.p50Threshold().toNanos() / 1e6;
    double p99Max = settings.p99Threshold().toNanos() / 1e6;

    values.put("p50Ms", ms(p50));
    values.put("p50ThresholdMs", ms(p50Max));
    values.put("p99Ms", ms(p99));
    values.put("p99ThresholdMs", ms(p99Max));
    values.put("errorRate", fraction(rate));
    values.put("maxErrorRate", fraction(settings.maxErrorRate()));
    values.put("errors", Long.toString(errors));
    values.put("samples", Integer.toString(n));
    values.put("minSamples", Integer.toString(settings.minSamples()));
    values.put("windowSize", Integer.toString(settings.windowSize()));
    values.put("errorsByKind", errorsByKind());

    if (p50 > p50Max) {
      problems.add("API p50 latency " + ms(p50) + " ms > " + ms(p50Max) + " ms over " + n + " probes");
    }
    if (p99 > p99Max) {
      problems.add("API p99 latency " + ms(p99) + " ms > " + ms(p99Max) + " ms over " + n + " probes");
    }
    if (judgedRate > settings.maxErrorRate()) {
      problems.add(
          "API error rate "
              + percent(rate)
              + " ("
              + errors
              + "/"
              + n
              + (n < settings.minSamples() ? ", judged as " + errors + "/" + settings.minSamples() : "")
              + ": "
              + errorsByKind()
              + ") > "
              + percent(settings.maxErrorRate()));
    }
    return "p50 "
        + ms(p50)
        + " ms (max "
        + ms(p50Max)
        + "), p99 "
        + ms(p99)
        + " ms (max "
        + ms(p99Max)
        + "), errors "
        + errors
        + "/"
        + n
        + " = "
        + percent(rate)
        + " (max "
        + percent(settings.maxErrorRate())
        + ")";
  }

  private String judgeMetrics(Map<String, String> values, List<String> problems)
      throws Unjudgeable, InterruptedException {
    MetricsSettings m = settings.metrics();
    double maxMs = m.p99Threshold().toNanos() / 1e6;
    values.put("metricsP99ThresholdMs", ms(maxMs));
    String body = scrapeMetrics();
    RequestDurationTracker.Window w;
    try {
      w = tracker.update(body);
    } catch (PrometheusParseException e) {
      throw new Unjudgeable("cannot parse the API server's /metrics: " + e.getMessage());
    }
    values.put("metricsRequests", Long.toString(Math.round(w.requests())));
    if (!w.baseline()) {
      values.put("metricsP99Ms", "n/a");
      return "server p99: first /metrics scrape, judged from the next check on";
    }
    if (w.requests() < m.minRequests() || Double.isNaN(w.p99Seconds())) {
      values.put("metricsP99Ms", "n/a");
      return "server p99: only " + Math.round(w.requests()) + " request(s) since the last scrape, not judged";
    }
    double p99 = w.p99Seconds() * 1000;
    values.put("metricsP99Ms", ms(p99));
    if (p99 > maxMs) {
      problems.add(
          "API server's own p99 request duration "
              + ms(p99)
              + " ms > "
              + ms(maxMs)
              + " ms over "
              + Math.round(w.requests())
              + " requests (apiserver_request_duration_seconds, excluding "
              + String.join("/", new java.util.TreeSet<>(m.excludeVerbs()))
              + ")");
    }
    return "server p99 " + ms(p99) + " ms (max " + ms(maxMs) + ")";
  }

  private String scrapeMetrics() throws Unjudgeable, InterruptedException {
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(baseUrl + "/metrics")
            .header("Accept", "text/plain;version=0.0.4")
            .timeout(settings.probeTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .build();
    CompletableFuture<HttpResponse<String>> future = http.sendAsync(request, String.class);
    HttpResponse<String> response;
    try {
      response = future.get(settings.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new Unjudgeable("no answer from /metrics within " + settings.probeTimeout().toMillis() + " ms");
    } catch (ExecutionException e) {
      throw new Unjudgeable("cannot read /metrics: " + describe(e.getCause()));
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    }
    if (response.code() == 401 || response.code() == 403) {
      throw new Unjudgeable(
          "/metrics answered HTTP "
              + response.code()
              + ": grant rotator get on the non-resource URL /metrics, or disable the metrics scrape");
    }
    if (response.code() < 200 || response.code() >= 300) {
      throw new Unjudgeable("/metrics answered HTTP " + response.code());
    }
    String body = response.body();
    if (body == null) {
      throw new Unjudgeable("/metrics answered with no body");
    }
    return body;
  }

  private String errorsByKind() {
    Map<Outcome, Long> byKind = new LinkedHashMap<>();
    for (Sample s : window) {
      if (s.outcome().error) {
        byKind.merge(s.outcome(), 1L, Long::sum);
      }
    }
    if (byKind.isEmpty()) {
      return "none";
    }
    return byKind.entrySet().stream()
        .map(e -> label(e.getKey()) + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  private static String label(Outcome o) {
    return switch (o) {
      case SERVER_ERROR -> "5xx";
      case THROTTLED -> "429";
      case TIMEOUT -> "timeout";
      case UNREACHABLE -> "unreachable";
      case OK -> "ok";
    };
  }

  /** Nearest-rank percentile: the smallest sample with at least q of the samples at or below it. */
  static double percentileMs(long[] sortedNanos, double q) {
    int rank = (int) Math.ceil(q * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)] / 1e6;
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String fraction(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String percent(double v) {
    return String.format(Locale.ROOT, "%.1f%%", v * 100);
  }

  private static String describe(Throwable e) {
    if (e == null) {
      return "unknown error";
    }
    String msg = e.getMessage();
    return e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
    }
  }

  private static void requirePath(String key, String p) {
    if (p == null || !p.startsWith("/") || p.startsWith("//") || p.length() > 512) {
      throw new IllegalArgumentException(key + ": a path starting with '/' is expected, got '" + p + "'");
    }
    if (p.chars().anyMatch(c -> c <= ' ' || c == '#') || Arrays.asList(p.split("[/?]")).contains("..")) {
      throw new IllegalArgumentException(
          key + ": '" + p + "' must not contain blanks, control characters, '#' or '..'");
    }
  }
}
