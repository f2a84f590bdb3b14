package dev.rotator.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Graceful shutdown on SIGTERM (a CronJob pod being stopped, Ctrl-C): the JVM's shutdown hook interrupts the
 * thread that runs the rotation and waits, bounded, for it to end. The engine then stops at its next wait with
 * nodes left as they are (a cordoned node stays cordoned), ends its groups' rotation (resumes suspended
 * processes), unmarks new nodes, saves its progress, and the Lease is released, instead of the JVM dying in
 * the middle of all that.
 */
final class ShutdownGuard {
  /** Below Kubernetes' default terminationGracePeriodSeconds (30 s), so the cleanup ends before SIGKILL. */
  static final Duration GRACE = Duration.ofSeconds(25);

  private final Thread hook;
  private final CountDownLatch finished = new CountDownLatch(1);

  ShutdownGuard(Thread worker, Duration grace) {
    this.hook = new Thread(() -> {
      worker.interrupt();
      try {
        finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "rotator-shutdown");
  }

  /** The hook the JVM runs on shutdown (tests run it directly). */
  Thread hook() {
    return hook;
  }

  /** Guards the calling thread until {@link #done()}. */
  static ShutdownGuard install() {
    ShutdownGuard g = new ShutdownGuard(Thread.currentThread(), GRACE);
    Runtime.getRuntime().addShutdownHook(g.hook);
    return g;
  }

  /** The guarded work has ended (cleanup included): let a pending shutdown go on, or drop the hook. */
  void done() {
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is already shutting down and our hook is running or ran: nothing to remove.
    }
  }
}
