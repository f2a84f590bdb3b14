package dev.rotator.kubernetes;

import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What stands between rotator and a failing API server: a resilience4j circuit breaker over every call, and
 * bounded, jittered retries for the calls that may be repeated.
 *
 * <ul>
 *   <li>Every call is recorded by the breaker: a RETRYABLE {@link ClusterException} (5xx, 429, 409,
 *       timeouts, connection resets) is a failure; NOT_FOUND and PERMANENT are answers, not failures of the
 *       API. When {@value #FAILURE_RATE_PERCENT} % or more of the last {@value #WINDOW} calls (at least
 *       {@value #MINIMUM_CALLS}) failed, the breaker opens and every call fails at once with a PERMANENT
 *       {@link ClusterException} saying so: the engine freezes with {@code API_UNAVAILABLE} instead of
 *       hammering a sick API server. The breaker is per cluster adapter, i.e. per run.
 *   <li>{@link #read} retries an idempotent read up to {@value #READ_ATTEMPTS} times on RETRYABLE failures;
 *       {@link #backoff} waits between attempts, exponentially from {@link #BASE_BACKOFF}, with full jitter
 *       (a random share between half and all of the step), on the injected clock. Each attempt counts with
 *       the breaker. Nothing here loops without a bound.
 * </ul>
 */
public final class ApiGuard {
  static final int WINDOW = 30;
  static final int MINIMUM_CALLS = 20;
  static final int FAILURE_RATE_PERCENT = 60;
  static final int READ_ATTEMPTS = 3;
  static final Duration BASE_BACKOFF = Duration.ofMillis(200);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  /** How long the breaker stays open before letting a few calls probe (a later run, in practice). */
  static final Duration OPEN_FOR = Duration.ofSeconds(60);

  private final Clock clock;
  private final CircuitBreaker breaker;
  private final Random jitter;
  private volatile String lastFailure = "";

  public ApiGuard(Clock clock) {
    this(clock, new Random());
  }

  /** With a seeded random source, for repeatable tests. */
  public ApiGuard(Clock clock, Random jitter) {
    this.clock = clock;
    this.jitter = jitter;
    CircuitBreakerConfig config =
        CircuitBreakerConfig.custom()
            .slidingWindow(WINDOW, MINIMUM_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(FAILURE_RATE_PERCENT)
            .waitDurationInOpenState(OPEN_FOR)
            .permittedNumberOfCallsInHalfOpenState(3)
            .clock(new PortClock(clock))
            .recordException(e -> e instanceof ClusterException ce && ce.kind() == Kind.RETRYABLE)
            .build();
    this.breaker = CircuitBreaker.of("kubernetes-api", config);
  }

  /** The breaker's state (CLOSED, OPEN, HALF_OPEN), for tests and diagnostics. */
  public CircuitBreaker.State state() {
    return breaker.getState();
  }

  /** One attempt of a call through the breaker; ClusterExceptions pass through. */
  public <T> T call(String what, Supplier<T> call) {
    if (!breaker.tryAcquirePermission()) {
      throw open(what);
    }
    try {
      T result = call.get();
      breaker.onSuccess(0, TimeUnit.NANOSECONDS);
      return result;
    } catch (ClusterException e) {
      if (e.kind() == Kind.RETRYABLE) {
        lastFailure = e.getMessage();
      }
      breaker.onError(0, TimeUnit.NANOSECONDS, e);
      if (e.kind() == Kind.RETRYABLE && breaker.getState() == CircuitBreaker.State.OPEN) {
        throw open(what);
      }
      throw e;
    } catch (RuntimeException e) {
      breaker.onError(0, TimeUnit.NANOSECONDS, e);
      throw e;
    }
  }

  /** Records the outcome of a call that reports failure as a value (an eviction answered 5xx): RETRYABLE. */
  public void recordFailure(String what, String message) {
    lastFailure = what + ": " + message;
    breaker.onError(0, TimeUnit.NANOSECONDS, new ClusterException(Kind.RETRYABLE, message));
  }

  /** Whether a call may go out now; false when the breaker is open (then the caller must not send it). */
  public void checkPermitted(String what) {
    if (!breaker.tryAcquirePermission()) {
      throw open(what);
    }
  }

  /** Records a success of a call admitted by {@link #checkPermitted}. */
  public void recordSuccess() {
    breaker.onSuccess(0, TimeUnit.NANOSECONDS);
  }

  /** An idempotent read: through the breaker, retried with jittered backoff on RETRYABLE failures. */
  public <T> T read(String what, Supplier<T> call) {
    ClusterException last = null;
    for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      try {
        return call(what, call);
      } catch (ClusterException e) {
        if (e.kind() != Kind.RETRYABLE) {
          throw e;
        }
        last = e;
        if (attempt < READ_ATTEMPTS) {
          backoff(attempt);
        }
      }
    }
    throw last;
  }

  /**
   * Waits before attempt {@code attempt + 1}: {@code BASE_BACKOFF × 2^(attempt-1)}, capped at {@link
   * #MAX_BACKOFF}, times a random factor in [0.5, 1). An interrupt ends the wait with a RETRYABLE failure.
   */
  public void backoff(int attempt) {
    long step = Math.min(MAX_BACKOFF.toMillis(), BASE_BACKOFF.toMillis() << Math.min(attempt - 1, 10));
    long wait = step / 2 + (long) (jitter.nextDouble() * (step / 2.0));
    try {
      clock.sleep(Duration.ofMillis(wait));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException(Kind.RETRYABLE, "interrupted while backing off");
    }
  }

  private ClusterException open(String what) {
    CircuitBreaker.Metrics m = breaker.getMetrics();
    return new ClusterException(
        Kind.PERMANENT,
        what + ": not sent, the Kubernetes API circuit breaker is open ("
            + Math.round(m.getFailureRate()) + "% of the last " + m.getNumberOfBufferedCalls()
            + " calls failed; last failure: " + lastFailure + ")");
  }

  /** The injected clock as the java.time.Clock resilience4j wants. */
  private static final class PortClock extends java.time.Clock {
    private final Clock clock;

    PortClock(Clock clock) {
      this.clock = clock;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return clock.now();
    }
  }
}
