package dev.rotator.core.fake;

import dev.rotator.core.port.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A clock that only moves when told to: {@link #sleep} advances it at once. Hooks run after every advance, so
 * a test can let the world move on (a replacement node registering, a PDB freeing up) as time passes.
 */
public final class ManualClock implements Clock {
  private Instant now;
  private final List<Consumer<Instant>> onAdvance = new CopyOnWriteArrayList<>();
  private long sleeps;

  public ManualClock(Instant start) {
    this.now = start;
  }

  public ManualClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException();
    }
    advance(duration);
  }

  public void advance(Duration d) {
    Instant t;
    synchronized (this) {
      now = now.plus(d);
      sleeps++;
      t = now;
    }
    for (Consumer<Instant> hook : onAdvance) {
      hook.accept(t);
    }
  }

  /** Runs {@code hook} with the new time after every advance. */
  public void onAdvance(Consumer<Instant> hook) {
    onAdvance.add(hook);
  }

  public synchronized long sleeps() {
    return sleeps;
  }
}
