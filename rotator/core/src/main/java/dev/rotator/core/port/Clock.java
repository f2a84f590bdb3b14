package dev.rotator.core.port;

import java.time.Duration;
import java.time.Instant;

/**
 * Time, injected. The engine never calls {@code Instant.now()} or {@code Thread.sleep} itself: the CLI
 * gives it {@link dev.rotator.core.SystemClock}, the simulator a scaled clock, unit tests a manual one.
 */
public interface Clock {

  Instant now();

  /** Waits for this much time as this clock counts it. */
  void sleep(Duration duration) throws InterruptedException;
}
