package dev.rotator.health.apiserver;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * A scripted {@code nanoTime}: the check reads it once before and once after each probe, so every second
 * read advances time by the next scripted latency (the last one repeats when the script runs out).
 */
final class ScriptedNanos implements LongSupplier {
  private final Deque<Long> latenciesMs = new ArrayDeque<>();
  private long lastMs;
  private long now = 1_000_000_000L;
  private boolean inFlight;

  ScriptedNanos(long... latenciesMs) {
    for (long l : latenciesMs) {
      this.latenciesMs.add(l);
    }
    this.lastMs = latenciesMs.length == 0 ? 1 : latenciesMs[latenciesMs.length - 1];
  }

  /** Appends latencies to the script. */
  synchronized ScriptedNanos then(long ms, int times) {
    for (int i = 0; i < times; i++) {
      latenciesMs.add(ms);
    }
    return this;
  }

  /** Time passing between checks. */
  synchronized void advance(Duration d) {
    now += d.toNanos();
  }

  @Override
  public synchronized long getAsLong() {
    if (!inFlight) {
      inFlight = true;
      return now;
    }
    inFlight = false;
    Long next = latenciesMs.poll();
    long ms = next == null ? lastMs : next;
    lastMs = ms;
    now += ms * 1_000_000L;
    return now;
  }
}
