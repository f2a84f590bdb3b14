package dev.rotator.sim.api;

import dev.rotator.sim.record.Recorder;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faults of the simulated API server, switched on and off by the fault injector and consulted by the
 * dispatcher on every request before it is carried out:
 *
 * <ul>
 *   <li><b>errors</b>: a share of the requests is answered with an error status (503 by default, or 429
 *       with Retry-After) <em>instead of</em> being carried out. The share is spread evenly and
 *       deterministically over the counted requests: at 50 % every second one fails, at 34 % at least one
 *       of any three in a row, so a scenario repeats and a short burst of probes always sees errors;
 *   <li><b>latency</b>: every response (errors included) is held back for a number of <em>wall-clock</em>
 *       milliseconds after the request was carried out, as a slow API server would answer late.
 * </ul>
 *
 * Not counted and never failed or delayed: requests whose User-Agent starts with {@value
 * #SIMULATOR_USER_AGENT} (the simulator's own tools and tests), and, when an error fault spares it,
 * requests on rotator's state ConfigMap. Thread-safe: the dispatcher runs on the server's threads.
 */
public final class ApiFaults {
  /** User-Agent prefix of clients that are part of the simulator and never hit by faults. */
  public static final String SIMULATOR_USER_AGENT = "rotator-simulator";

  /** An error fault that is on. */
  private record Errors(Object owner, int percent, int status, long retryAfterSeconds, boolean spareState) {}

  /** A latency fault that is on. */
  private record Delay(Object owner, long millis) {}

  private final List<Errors> errors = new CopyOnWriteArrayList<>();
  private final List<Delay> delays = new CopyOnWriteArrayList<>();
  private final AtomicLong counted = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong delayed = new AtomicLong();

  /**
   * Starts failing {@code percent} % of the requests with {@code status}; the latest started error fault
   * decides while several are on. {@code owner} identifies the fault for {@link #stop}.
   */
  public void startErrors(Object owner, int percent, int status, long retryAfterSeconds, boolean spareState) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("percent must be within 1..100, got " + percent);
    }
    counted.set(0);
    errors.add(new Errors(owner, percent, status, retryAfterSeconds, spareState));
  }

  /** Starts holding every response back by {@code millis} wall milliseconds (the longest active delay wins). */
  public void startDelay(Object owner, long millis) {
    delays.add(new Delay(owner, millis));
  }

  /** Ends the faults {@code owner} started. */
  public void stop(Object owner) {
    errors.removeIf(e -> e.owner() == owner);
    delays.removeIf(d -> d.owner() == owner);
  }

  /** Requests answered with an injected error so far. */
  public long failed() {
    return failed.get();
  }

  /** Responses held back so far. */
  public long delayed() {
    return delayed.get();
  }

  /**
   * The injected error for this request, or null when it is to be carried out. Counts the request when an
   * error fault is on.
   */
  MockResponse errorFor(ApiRequest req) {
    Errors e = errors.isEmpty() ? null : last(errors);
    if (e == null || exempt(req) || (e.spareState() && isRotatorState(req))) {
      return null;
    }
    long n = counted.incrementAndGet();
    // Bresenham: request n fails when it carries the running share over the next whole failure.
    if (n * e.percent() / 100 == (n - 1) * e.percent() / 100) {
      return null;
    }
    failed.incrementAndGet();
    MockResponse r = ApiDispatcher.json(e.status(), body(e));
    if (e.status() == 429) {
      r.setHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
    }
    return r;
  }

  /** Applies the active delay, if any, to a response about to be sent. */
  MockResponse delay(ApiRequest req, MockResponse r) {
    if (delays.isEmpty() || exempt(req) || r.getWebSocketListener() != null) {
      return r;
    }
    long ms = delays.stream().mapToLong(Delay::millis).max().orElse(0);
    if (ms > 0) {
      delayed.incrementAndGet();
      r.setBodyDelay(Duration.ofMillis(ms));
    }
    return r;
  }

  private static boolean exempt(ApiRequest req) {
    return req.client.startsWith(SIMULATOR_USER_AGENT);
  }

  private static boolean isRotatorState(ApiRequest req) {
    return req.resourcePath
        && req.type == ResourceTypes.CONFIGMAPS
        && Recorder.STATE_NAMESPACE.equals(req.namespace)
        && (req.name == null || Recorder.STATE_CONFIGMAP.equals(req.name));
  }

  private static String body(Errors e) {
    return switch (e.status()) {
      case 429 -> ApiException.status(
          "Failure", 429, "TooManyRequests", "too many requests, please try again later (simulated fault)",
          null, null, List.of());
      case 503 -> ApiException.status(
          "Failure", 503, "ServiceUnavailable",
          "the server is currently unable to handle the request (simulated fault)", null, null, List.of());
      case 504 -> ApiException.status(
          "Failure", 504, "Timeout",
          "the server was unable to return a response in the time allotted (simulated fault)", null, null,
          List.of());
      default -> ApiException.status(
          "Failure", e.status(), "InternalError",
          "an error on the server (\"simulated fault\") has prevented the request from succeeding", null, null,
          List.of());
    };
  }

  private static <T> T last(List<T> list) {
    // CopyOnWriteArrayList: a snapshot, so the element cannot vanish between size() and get().
    Object[] a = list.toArray();
    @SuppressWarnings("unchecked")
    T t = a.length == 0 ? null : (T) a[a.length - 1];
    return t;
  }
}
