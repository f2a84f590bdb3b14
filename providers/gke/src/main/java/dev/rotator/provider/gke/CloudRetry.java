package dev.rotator.provider.gke;

import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Retries RETRYABLE {@link CloudException}s with exponential backoff and jitter: a resilience4j {@link Retry}
 * decides (attempts, interval, which failures), the injected {@link Clock} waits. The synchronous
 * {@code Retry.decorate…} would sleep on the wall clock through a JVM-global sleep function; the {@link
 * Retry.AsyncContext} only computes the next delay, so rotator's clock (scaled in the simulator, manual in
 * tests) does the waiting. GAX's own retries are turned off (see {@link GkeClients}) so that the two do not
 * multiply.
 */
final class CloudRetry {
  private final Retry retry;
  private final Clock clock;
  private final int maxAttempts;

  CloudRetry(String name, GkeSettings s, Clock clock) {
    this.clock = clock;
    this.maxAttempts = s.retryAttempts();
    RetryConfig config = RetryConfig.custom()
        .maxAttempts(maxAttempts)
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
            s.retryInitialBackoff(), 2.0, 0.5, s.retryMaxBackoff()))
        .retryOnException(e -> e instanceof CloudException ce && ce.kind() == CloudException.Kind.RETRYABLE)
        .build();
    this.retry = Retry.of(name, config);
  }

  /** Calls {@code op} up to the configured attempts; the last RETRYABLE failure says how many were made. */
  <T> T call(String what, Supplier<T> op) {
    Retry.AsyncContext<T> ctx = retry.asyncContext();
    CloudException last = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        T result = op.get();
        ctx.onComplete();
        return result;
      } catch (CloudException e) {
        last = e;
        long delayMillis = ctx.onError(e);
        if (delayMillis < 0) {
          break;
        }
        try {
          clock.sleep(Duration.ofMillis(delayMillis));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new CloudException(CloudException.Kind.RETRYABLE, what + ": interrupted while backing off", e);
        }
      }
    }
    if (last.kind() == CloudException.Kind.RETRYABLE) {
      throw new CloudException(
          CloudException.Kind.RETRYABLE, last.getMessage() + " (gave up after " + maxAttempts + " attempts)", last);
    }
    throw last;
  }

  void run(String what, Runnable op) {
    call(what, () -> {
      op.run();
      return null;
    });
  }

  Retry.Metrics metrics() {
    return retry.getMetrics();
  }
}
