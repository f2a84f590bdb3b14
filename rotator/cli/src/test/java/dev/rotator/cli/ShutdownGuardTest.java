package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ShutdownGuardTest {

  @Test
  @DisplayName("on shutdown the guarded run is interrupted and the hook waits until its cleanup is done")
  void interruptsAndWaitsForCleanup() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch cleanupMayEnd = new CountDownLatch(1);
    ShutdownGuard[] guard = new ShutdownGuard[1];
    CountDownLatch installed = new CountDownLatch(1);
    Thread worker = new Thread(() -> {
      guard[0] = new ShutdownGuard(Thread.currentThread(), Duration.ofSeconds(10));
      installed.countDown();
      try {
        Thread.sleep(10_000); // a rotation waiting for its next round
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
      try {
        cleanupMayEnd.await(5, TimeUnit.SECONDS); // releasing the lock, ending groups...
      } catch (InterruptedException ignored) {
        // not expected
      }
      guard[0].done();
    });
    worker.start();
    assertTrue(installed.await(5, TimeUnit.SECONDS));
    Thread hook = new Thread(guard[0].hook());
    hook.start();
    assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the run was interrupted");
    hook.join(300);
    assertTrue(hook.isAlive(), "the hook waits while the run cleans up");
    cleanupMayEnd.countDown();
    hook.join(5_000);
    assertFalse(hook.isAlive(), "the hook ends once the cleanup is done");
    worker.join(5_000);
  }
}
