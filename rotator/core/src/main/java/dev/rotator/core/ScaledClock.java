package dev.rotator.core;

import dev.rotator.core.port.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Simulated time that runs {@code scale} times faster than the wall clock, from a fixed start. The
 * simulator and the engine share one instance, so a 90 s provisioning delay at scale 100 takes 0.9 s of
 * wall time while every timeout and backoff keeps its meaning in simulated seconds.
 */
public final class ScaledClock implements Clock {
  private final Instant simStart;
  private final long wallStartNanos;
  private final double scale;

  public ScaledClock(Instant simStart, double scale) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be a positive finite number, got " + scale);
    }
    this.simStart = simStart;
    this.scale = scale;
    this.wallStartNanos = System.nanoTime();
  }

  public double scale() {
    return scale;
  }

  @Override
  public Instant now() {
    long wallElapsed = System.nanoTime() - wallStartNanos;
    return simStart.plusNanos((long) (wallElapsed * scale));
  }

  /** Wall time a simulated duration takes. */
  public Duration toWall(Duration simulated) {
    return Duration.ofNanos((long) (simulated.toNanos() / scale));
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    SystemClock.INSTANCE.sleep(toWall(duration));
  }
}
