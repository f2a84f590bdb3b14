package dev.rotator.slack;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs work too slow for Slack's 3-second acknowledgement (computing a plan lists every node and PDB) off
 * the request thread, with every resource bounded:
 *
 * <ol>
 *   <li>One worker thread and a queue of {@code queueCapacity} waiting jobs; {@link #submit} returns false
 *       at once when the queue is full (or after {@link #close}), so the caller can answer "busy".
 *   <li>Each accepted job settles exactly once: with its text, with the exception it threw, or, when it has
 *       not finished {@code timeout} after it was accepted (waiting in the queue counts), as timed out. A
 *       timed-out job still waiting is removed from the queue; one still running is interrupted and whatever
 *       it returns later is dropped.
 *   <li>A job that ignores the interrupt keeps the worker busy: later jobs wait, time out and, once the queue
 *       is full, are refused. Threads and memory stay bounded whatever the work does.
 * </ol>
 *
 * The settle callback runs on the worker thread (done, failed) or on the watchdog thread (timed out).
 */
final class DeferredWork implements AutoCloseable {

  /** How a job ended. */
  sealed interface Result {
    /** The work returned {@code text}. */
    record Done(String text) implements Result {}

    /** The work threw. */
    record Failed(RuntimeException error) implements Result {}

    /** The work had not finished {@code after} it was accepted. */
    record TimedOut(Duration after) implements Result {}
  }

  private final Duration timeout;
  private final ThreadPoolExecutor worker;
  private final ScheduledThreadPoolExecutor watchdog;

  /**
   * @param queueCapacity jobs that may wait while one runs (at least 1)
   * @param timeout how long after acceptance a job may take before it settles as timed out
   * @param name the threads' name prefix
   */
  DeferredWork(int queueCapacity, Duration timeout, String name) {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
    this.worker =
        new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueCapacity),
            daemon(name + "-worker"), new ThreadPoolExecutor.AbortPolicy());
    this.watchdog = new ScheduledThreadPoolExecutor(1, daemon(name + "-watchdog"));
    this.watchdog.setRemoveOnCancelPolicy(true);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Queues {@code work}; {@code settle} is then called exactly once with its result.
   *
   * @return false, calling nothing, when the queue is full or this is closed
   */
  boolean submit(Supplier<String> work, Consumer<Result> settle) {
    Job job = new Job(Objects.requireNonNull(work, "work"), Objects.requireNonNull(settle, "settle"));
    // The deadline first, so that a job never runs without one.
    try {
      job.deadline = watchdog.schedule(job::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return false; // closed
    }
    try {
      worker.execute(job);
    } catch (RejectedExecutionException e) {
      job.deadline.cancel(false);
      return false;
    }
    return true;
  }

  /** Stops both threads; jobs still waiting are dropped without being settled. */
  @Override
  public void close() {
    worker.shutdownNow();
    watchdog.shutdownNow();
    try {
      worker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Job implements Runnable {
    private final Supplier<String> work;
    private final Consumer<Result> settle;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile ScheduledFuture<?> deadline;
    /** The worker thread while the work runs, else null; guarded by this. */
    private Thread running;

    Job(Supplier<String> work, Consumer<Result> settle) {
      this.work = work;
      this.settle = settle;
    }

    @Override
    public void run() {
      synchronized (this) {
        if (settled.get()) {
          return; // timed out while waiting
        }
        running = Thread.currentThread();
      }
      Result result;
      try {
        result = new Result.Done(work.get());
      } catch (RuntimeException e) {
        result = new Result.Failed(e);
      } finally {
        synchronized (this) {
          running = null;
        }
        // An interrupt from expire() belongs to this job only, never to the next one.
        Thread.interrupted();
      }
      deadline.cancel(false);
      finish(result);
    }

    void expire() {
      if (!settled.compareAndSet(false, true)) {
        return;
      }
      worker.remove(this);
      synchronized (this) {
        if (running != null) {
          running.interrupt();
        }
      }
      settle.accept(new Result.TimedOut(timeout));
    }

    private void finish(Result r) {
      if (settled.compareAndSet(false, true)) {
        settle.accept(r);
      }
    }
  }
}
