package dev.rotator.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DeferredWorkTest {

  record Settled(String job, DeferredWork.Result result) {}

  static Settled next(BlockingQueue<Settled> q) throws InterruptedException {
    Settled s = q.poll(5, TimeUnit.SECONDS);
    assertNotNull(s, "a job settled within 5 s");
    return s;
  }

  @Test
  @DisplayName("a job that ignores interrupts keeps the one worker: a queued job times out without ever running, and a full queue refuses")
  void stuckJobStaysBounded() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stuckStarted = new CountDownLatch(1);
    AtomicInteger queuedRuns = new AtomicInteger();
    BlockingQueue<Settled> settled = new LinkedBlockingQueue<>();
    try (DeferredWork w = new DeferredWork(1, Duration.ofMillis(200), "test")) {
      assertTrue(w.submit(() -> {
        stuckStarted.countDown();
        int interrupts = 0;
        // Swallows interrupts, as badly behaved blocking code does; bounded by the test's release.
        while (interrupts < 100) {
          try {
            if (release.await(10, TimeUnit.SECONDS)) {
              return "late";
            }
          } catch (InterruptedException e) {
            interrupts++;
          }
        }
        return "gave up";
      }, r -> settled.add(new Settled("stuck", r))));
      assertTrue(stuckStarted.await(5, TimeUnit.SECONDS));
      assertTrue(w.submit(() -> "queued " + queuedRuns.incrementAndGet(), r -> settled.add(new Settled("queued", r))));
      assertFalse(w.submit(() -> "never", r -> settled.add(new Settled("refused", r))), "the queue (1) is full");

      Settled a = next(settled);
      Settled b = next(settled);
      assertEquals(java.util.Set.of("stuck", "queued"), java.util.Set.of(a.job(), b.job()));
      assertInstanceOf(DeferredWork.Result.TimedOut.class, a.result());
      assertInstanceOf(DeferredWork.Result.TimedOut.class, b.result());

      // The timed-out job left the queue, so there is room again; the worker is still held by the stuck job.
      CountDownLatch thirdRan = new CountDownLatch(1);
      assertTrue(w.submit(() -> {
        thirdRan.countDown();
        return "third";
      }, r -> settled.add(new Settled("third", r))));
      release.countDown();
      Settled c = next(settled);
      assertEquals("third", c.job(), "the stuck job's late result is dropped");
      assertEquals(new DeferredWork.Result.Done("third"), c.result());
      assertEquals(0, queuedRuns.get(), "the job that timed out while waiting never ran");
      assertTrue(settled.isEmpty());
    }
  }

  @Test
  @DisplayName("after close, submit refuses")
  void closedRefuses() {
    DeferredWork w = new DeferredWork(1, Duration.ofSeconds(1), "test");
    w.close();
    assertFalse(w.submit(() -> "x", r -> {}));
  }
}
