package dev.rotator.cli;

import dev.rotator.core.engine.EngineListener;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ClusterException;
import dev.rotator.kubernetes.KubernetesEventRecorder;
import dev.rotator.kubernetes.LeaseLock;
import dev.rotator.observability.FanOutNotifier;
import dev.rotator.observability.RotationMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code rotator serve}'s reconcile loop, leader-elected on the Lease {@value LeaseLock#NAME}:
 *
 * <ol>
 *   <li><b>Follower</b>: try to take the Lease (never blocking); held by another → wait until its lease would
 *       expire (at most {@code lockRetry}) and try again. Only the holder rotates.
 *   <li><b>Leader</b>: keep the Lease renewed (heartbeat) and, every {@code interval}, run one bounded pass of
 *       the engine, as {@code rotator run --once} does: one batch at most, within {@code policy.maxNodesPerRun},
 *       the maintenance windows and {@code soak}; a FREEZE makes every pass return FROZEN without touching
 *       anything until a human resumes. Losing the Lease (not renewed in time, taken over) stops the pass before
 *       its next disruptive step (the same {@link LockGate} as run's) and makes this process a follower again.
 *   <li><b>Stop</b> (SIGTERM: the thread is interrupted): the pass in progress stops at its next wait, leaving
 *       nodes as they are and its progress saved (the engine's own interruption handling), then the Lease is
 *       released so another replica takes over at once.
 * </ol>
 *
 * <p>Bounded by {@code maxPasses} and by interruption; every wait is on an injected clock.
 */
final class ServeLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ServeLoop.class);

  private final Session session;
  private final Clock lockClock;
  private final Duration interval;
  private final Duration lockRetry;
  private final RotationMetrics metrics;
  private final KubernetesEventRecorder events;
  private final String identity;
  private final List<EngineListener> listeners = new ArrayList<>();
  private final AtomicInteger passes = new AtomicInteger();
  private volatile boolean alive = true;
  private volatile boolean ready;
  private volatile LeaseLock lock;

  /**
   * @param session the wiring (its clock paces the passes: simulated time in the simulator)
   * @param lockClock the Lease's clock: wall time, as the heartbeat's (the session's in production)
   * @param identity the Lease holder identity ({@code <pod>/serve-<id>})
   */
  ServeLoop(Session session, Clock lockClock, Duration interval, Duration lockRetry, RotationMetrics metrics,
      KubernetesEventRecorder events, String identity) {
    this.session = session;
    this.lockClock = lockClock;
    this.interval = interval;
    this.lockRetry = lockRetry;
    this.metrics = metrics;
    this.events = events;
    this.identity = identity;
  }

  /** An extra observer of every pass (tests, progress output). */
  ServeLoop addListener(EngineListener l) {
    listeners.add(l);
    return this;
  }

  /** The loop thread has not ended. */
  boolean alive() {
    return alive;
  }

  /** The last attempt to reach the API server (Lease or pass) worked. */
  boolean ready() {
    return ready;
  }

  /** True while this process holds the Lease. */
  boolean leader() {
    LeaseLock l = lock;
    return l != null && l.held();
  }

  /** Passes run so far (as leader). */
  int passes() {
    return passes.get();
  }

  /**
   * Runs until interrupted or {@code maxPasses} passes, then releases the Lease. An interruption is kept
   * pending for the caller, but only after the release: the release's HTTP call would fail on an interrupted
   * thread, leaving the Lease to expire (60 s) instead of passing to another replica at once.
   */
  void run(long maxPasses) {
    LeaseLock l = session.lock(lockClock, identity);
    lock = l;
    try {
      loop(l, maxPasses);
    } finally {
      boolean interrupted = Thread.interrupted();
      l.close();
      metrics.leader(false);
      alive = false;
      LOG.info("serve {}: stopped after {} pass(es); lease released", identity, passes.get());
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void loop(LeaseLock l, long maxPasses) {
    String lastHolder = null;
    // Bounded by maxPasses (passes) and by interruption (waits); a follower's turns end with a wait.
    while (passes.get() < maxPasses && !Thread.currentThread().isInterrupted()) {
      try {
        if (!l.held()) {
          metrics.leader(false);
          LeaseLock.Attempt a = l.tryAcquire();
          ready = true;
          if (!a.acquired()) {
            if (!a.holder().equals(lastHolder)) {
              LOG.info("serve {}: following; {} holds the lease until {}", identity, a.holder(), a.heldUntil());
              lastHolder = a.holder();
            }
            lockClock.sleep(untilRetry(a));
            continue;
          }
          lastHolder = null;
          l.startHeartbeat();
          metrics.leader(true);
          LOG.info("serve {}: leading: took the lease {}", identity, l.location());
        }
        RunResult r = pass(l);
        if (r.outcome() == RunResult.Outcome.INTERRUPTED) {
          return;
        }
        session.clock.sleep(interval);
      } catch (InterruptedException e) {
        return;
      } catch (ClusterException e) {
        ready = false;
        LOG.warn("serve {}: Kubernetes API error ({}), retrying in {}: {}", identity, e.kind(), lockRetry,
            e.getMessage());
        try {
          lockClock.sleep(lockRetry);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private Duration untilRetry(LeaseLock.Attempt a) {
    Instant now = lockClock.now();
    if (a.heldUntil() != null && a.heldUntil().isAfter(now)) {
      Duration left = Duration.between(now, a.heldUntil()).plusMillis(100);
      return left.compareTo(lockRetry) < 0 ? left : lockRetry;
    }
    return lockRetry;
  }

  /** One bounded pass of the engine, as the holder of {@code l}. */
  private RunResult pass(LeaseLock l) throws InterruptedException {
    String runId = "serve-" + UUID.randomUUID().toString().substring(0, 8);
    MDC.put("run", runId);
    try {
      RotationPolicy policy = session.config.policy();
      Ports ports = new Ports(session.cluster, session.cloud, session.store,
          metrics.meter(new LockGate(session.gate, l)), FanOutNotifier.of(session.notifier, events, metrics),
          session.clock);
      RotationEngine engine = new RotationEngine(ports, policy, session.selector());
      engine.addListener(metrics);
      engine.addListener(events);
      listeners.forEach(engine::addListener);
      RunResult r = engine.run(new RunOptions(runId, true, false, "serve"));
      passes.incrementAndGet();
      metrics.recordRun(r, session.clock.now());
      try {
        metrics.mode(session.store.mode());
        ready = true;
      } catch (RuntimeException e) {
        ready = false;
        LOG.warn("run={} could not read the mode after the pass: {}", runId, e.toString());
      }
      LOG.info("run={} pass ended {}{}: {}", runId, r.outcome(), r.reason() == null ? "" : " (" + r.reason() + ")",
          r.message());
      if (r.outcome() == RunResult.Outcome.INTERRUPTED) {
        // The engine cleared nothing: let the caller see the interruption it swallowed into its result.
        Thread.currentThread().interrupt();
      }
      return r;
    } finally {
      MDC.remove("run");
    }
  }
}
