package dev.rotator.core.engine;

import java.time.Duration;
import java.util.Random;

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
public final class Backoff {
  private final Duration initial;
  private final Duration max;
  private final Random random;

  public Backoff(Duration initial, Duration max, Random random) {
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The wait after the {@code attempt}-th consecutive failure (1-based). */
  public Duration after(int attempt) {
    long base = initial.toMillis();
    int shift = Math.min(Math.max(attempt - 1, 0), 20);
    long exp = Math.min(max.toMillis(), base << shift);
    long half = exp / 2;
    return Duration.ofMillis(half + (half == 0 ? 0 : (long) (random.nextDouble() * half)));
  }
}
