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
 *       milliseconds after the request was carried out, as a slow API server would answer late;
 *   <li><b>connection resets</b>: a share of the requests never reaches the dispatcher: the {@link ResetProxy}
 *       in front of the server reads the request and closes the client's connection with a TCP reset;
 *   <li><b>node conflicts</b>: a share of the PUT and PATCH requests on Nodes is answered 409 Conflict instead
 *       of being carried out;
 *   <li><b>watch drops</b>: {@link #dropWatches()} closes every open watch stream from the server side.
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

  /** A share fault (connection resets, node conflicts) that is on. */
  private record Share(Object owner, int percent) {}

  private final List<Errors> errors = new CopyOnWriteArrayList<>();
  private final List<Share> resets = new CopyOnWriteArrayList<>();
  private final List<Share> conflicts = new CopyOnWriteArrayList<>();
  private final AtomicLong resetCounted = new AtomicLong();
  private final AtomicLong conflictCounted = new AtomicLong();
  private final AtomicLong resetDone = new AtomicLong();
  private final AtomicLong conflictDone = new AtomicLong();
  private final AtomicLong watchesDropped = new AtomicLong();
  private volatile boolean resetsPossible;
  private volatile java.util.function.IntSupplier watchCloser = () -> 0;
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

  /**
   * Announces, before the server starts, that connection resets may be switched on later: the server then puts
   * its {@link ResetProxy} in front (only then: the proxy costs a hop on every request).
   */
  public void allowConnectionResets() {
    resetsPossible = true;
  }

  boolean connectionResetsPossible() {
    return resetsPossible;
  }

  /** Starts resetting the connection of {@code percent} % of the requests (requires {@link #allowConnectionResets}). */
  public void startResets(Object owner, int percent) {
    checkPercent(percent);
    if (!resetsPossible) {
      throw new IllegalStateException("connection resets were not allowed before the API server started");
    }
    resetCounted.set(0);
    resets.add(new Share(owner, percent));
  }

  /** Starts answering {@code percent} % of the PUT/PATCH requests on Nodes with 409 Conflict. */
  public void startNodeConflicts(Object owner, int percent) {
    checkPercent(percent);
    conflictCounted.set(0);
    conflicts.add(new Share(owner, percent));
  }

  /** Closes every open watch stream from the server side; returns how many were closed. */
  public int dropWatches() {
    int n = watchCloser.getAsInt();
    watchesDropped.addAndGet(n);
    return n;
  }

  /** Set by the server: how its watches are dropped. */
  void watchCloser(java.util.function.IntSupplier closer) {
    this.watchCloser = closer;
  }

  /** Ends the faults {@code owner} started. */
  public void stop(Object owner) {
    errors.removeIf(e -> e.owner() == owner);
    delays.removeIf(d -> d.owner() == owner);
    resets.removeIf(r -> r.owner() == owner);
    conflicts.removeIf(c -> c.owner() == owner);
  }

  /** Connections reset so far. */
  public long resets() {
    return resetDone.get();
  }

  /** Node writes answered 409 by the conflict fault so far. */
  public long conflicts() {
    return conflictDone.get();
  }

  /** Watch streams closed by the server so far. */
  public long watchesDropped() {
    return watchesDropped.get();
  }

  /**
   * Whether the proxy is to reset the connection carrying this request instead of passing it on. Requests of
   * the simulator's own clients, watch upgrades and requests on rotator's state ConfigMap are never reset.
   */
  boolean resetFor(String method, String pathAndQuery, String userAgent, boolean upgrade) {
    Share s = resets.isEmpty() ? null : last(resets);
    if (s == null || upgrade || (userAgent != null && userAgent.startsWith(SIMULATOR_USER_AGENT))
        || pathAndQuery.contains("/namespaces/" + Recorder.STATE_NAMESPACE + "/configmaps")) {
      return false;
    }
    if (!due(resetCounted.incrementAndGet(), s.percent())) {
      return false;
    }
    resetDone.incrementAndGet();
    return true;
  }

  private static boolean due(long n, int percent) {
    // Bresenham: request n is hit when it carries the running share over the next whole hit.
    return n * percent / 100 != (n - 1) * percent / 100;
  }

  private static void checkPercent(int percent) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("percent must be within 1..100, got " + percent);
    }
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
    MockResponse conflict = conflictFor(req);
    if (conflict != null) {
      return conflict;
    }
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

  private MockResponse conflictFor(ApiRequest req) {
    Share c = conflicts.isEmpty() ? null : last(conflicts);
    if (c == null || exempt(req) || !req.resourcePath || req.type != ResourceTypes.NODES || req.name == null
        || !(req.method.equals("PUT") || req.method.equals("PATCH"))) {
      return null;
    }
    if (!due(conflictCounted.incrementAndGet(), c.percent())) {
      return null;
    }
    conflictDone.incrementAndGet();
    return ApiDispatcher.json(409, ApiException.status(
        "Failure", 409, "Conflict", "Operation cannot be fulfilled on nodes \"" + req.name
            + "\": the object has been modified; please apply your changes to the latest version and try again"
            + " (simulated fault)", "nodes", req.name, List.of()));
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
