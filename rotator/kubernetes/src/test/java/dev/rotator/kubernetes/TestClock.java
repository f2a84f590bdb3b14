package dev.rotator.kubernetes;

import dev.rotator.core.port.Clock;
import java.time.Duration;
import java.time.Instant;

/** A clock that only moves when told, with a one-shot action run on the next {@link #now()}. */
final class TestClock implements Clock {
  private Instant now;
  private Runnable onNextNow;

  TestClock(Instant start) {
    this.now = start;
  }

  /** Runs {@code action} the next time someone reads the time (a race injected at a precise point). */
  synchronized void onNextNow(Runnable action) {
    this.onNextNow = action;
  }

  @Override
  public Instant now() {
    Runnable r;
    Instant t;
    synchronized (this) {
      r = onNextNow;
      onNextNow = null;
      t = now;
    }
    if (r != null) {
      r.run();
    }
    return t;
  }

  synchronized void advance(Duration d) {
    now = now.plus(d);
  }

  @Override
  public void sleep(Duration duration) {
    advance(duration);
  }
}
