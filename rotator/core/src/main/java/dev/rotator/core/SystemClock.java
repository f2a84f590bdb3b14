package dev.rotator.core;

import dev.rotator.core.port.Clock;
import java.time.Duration;
import java.time.Instant;

/** Wall-clock time: the one place production code reads the system clock and sleeps. */
public final class SystemClock implements Clock {
  public static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (!duration.isNegative() && !duration.isZero()) {
      Thread.sleep(duration.toMillis(), (int) (duration.toNanosPart() % 1_000_000));
    }
  }
}
