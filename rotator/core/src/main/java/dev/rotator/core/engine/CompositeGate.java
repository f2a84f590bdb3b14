package dev.rotator.core.engine;

import dev.rotator.core.SystemClock;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every health check, in parallel, each bounded by its own timeout, and decides:
 *
 * <ol>
 *   <li>any check UNHEALTHY → FAIL at once, with the reason code of the first UNHEALTHY check;
 *   <li>none UNHEALTHY but some UNKNOWN (including one that threw or timed out): the gate fails closed, after a
 *       bounded grace. While evaluations have kept finding an UNKNOWN check for less than {@code unknownGrace}
 *       (on the injected clock) → WAIT: no disruptive step starts, nothing is frozen, so one transient API error
 *       does not need a human to resume. Once the streak has lasted {@code unknownGrace} → FAIL with the reason
 *       code of the first UNKNOWN check, the evidence saying how long it has been unknown. A grace of zero fails
 *       at once;
 *   <li>all healthy, but fewer than {@code requiredPasses} consecutive healthy evaluations so far → WAIT;
 *   <li>otherwise PASS.
 * </ol>
 *
 * A failure, or an UNKNOWN within the grace, resets the consecutive count, so after a freeze and a resume (or a
 * blip) the gate must be green twice again before the first disruptive step (kops validates the cluster twice
 * for the same reason). Only an evaluation with no UNKNOWN check ends an UNKNOWN streak, so checks taking turns
 * at being unknown cannot hold the gate open beyond the grace.
 */
public final class CompositeGate implements Gate, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CompositeGate.class);

  private final List<HealthCheck> checks;
  private final int requiredPasses;
  private final Duration checkTimeout;
  private final Duration unknownGrace;
  private final Clock clock;
  private final ExecutorService pool;
  private int consecutivePasses;
  /** Start of the current streak of evaluations with an UNKNOWN check (and none UNHEALTHY); null: none. */
  private Instant unknownSince;
  /** Per check, the first evaluation of the streak that found it UNKNOWN (for the evidence). */
  private final Map<String, Instant> unknownChecksSince = new LinkedHashMap<>();

  /** A gate that fails at once on UNKNOWN ({@code unknownGrace} zero). */
  public CompositeGate(List<HealthCheck> checks, int requiredPasses, Duration checkTimeout) {
    this(checks, requiredPasses, checkTimeout, Duration.ZERO, SystemClock.INSTANCE);
  }

  /**
   * @param unknownGrace how long UNKNOWN checks (none UNHEALTHY) hold the gate (WAIT) before it fails; zero
   *     fails at once
   * @param clock measures that grace (the simulator's scaled clock, a test's manual one)
   */
  public CompositeGate(
      List<HealthCheck> checks, int requiredPasses, Duration checkTimeout, Duration unknownGrace, Clock clock) {
    if (requiredPasses < 1) {
      throw new IllegalArgumentException("requiredPasses must be >= 1, got " + requiredPasses);
    }
    if (unknownGrace.isNegative()) {
      throw new IllegalArgumentException("unknownGrace must not be negative, got " + unknownGrace);
    }
    this.checks = List.copyOf(checks);
    this.requiredPasses = requiredPasses;
    this.checkTimeout = checkTimeout;
    this.unknownGrace = unknownGrace;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "rotator-health-check");
              t.setDaemon(true);
              return t;
            });
  }

  public List<HealthCheck> checks() {
    return checks;
  }

  public Duration unknownGrace() {
    return unknownGrace;
  }

  /** Runs every check once, without touching the consecutive-pass count ({@code rotator check}). */
  public List<CheckResult> runAll() {
    List<Future<CheckResult>> futures = new ArrayList<>();
    for (HealthCheck c : checks) {
      futures.add(pool.submit(c::check));
    }
    List<CheckResult> results = new ArrayList<>();
    for (int i = 0; i < checks.size(); i++) {
      results.add(await(checks.get(i), futures.get(i)));
    }
    return results;
  }

  private CheckResult await(HealthCheck check, Future<CheckResult> f) {
    try {
      CheckResult r = f.get(checkTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return r == null ? CheckResult.unknown(check.name(), "check returned nothing") : r;
    } catch (TimeoutException e) {
      f.cancel(true);
      return CheckResult.unknown(check.name(), "no answer within " + checkTimeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      return CheckResult.unknown(check.name(), "check failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      return CheckResult.unknown(check.name(), "interrupted");
    }
  }

  @Override
  public synchronized GateDecision evaluate(String step) {
    List<CheckResult> results = runAll();
    // The reason is the first UNHEALTHY check's, else the first UNKNOWN one's: a clear diagnosis further down
    // the list is more useful than a read error that may be its consequence.
    int unhealthy = -1;
    int unknown = -1;
    for (int i = 0; i < results.size(); i++) {
      CheckResult r = results.get(i);
      if (r.status() == CheckResult.Status.UNHEALTHY) {
        unhealthy = i;
        break;
      }
      if (!r.healthy() && unknown < 0) {
        unknown = i;
      }
    }
    if (unhealthy >= 0) {
      consecutivePasses = 0;
      endUnknownStreak();
      return new GateDecision(GateDecision.Verdict.FAIL, checks.get(unhealthy).reasonCode(), results);
    }
    if (unknown >= 0) {
      consecutivePasses = 0;
      return onUnknown(results, unknown);
    }
    endUnknownStreak();
    consecutivePasses++;
    if (consecutivePasses < requiredPasses) {
      return new GateDecision(GateDecision.Verdict.WAIT, null, results);
    }
    return GateDecision.pass(results);
  }

  /**
   * Holds (WAIT) within the grace, fails past it; either way every UNKNOWN result says for how long it has
   * been unknown. The streak's start, not each check's, bounds the hold.
   */
  private GateDecision onUnknown(List<CheckResult> results, int first) {
    if (unknownGrace.isZero()) {
      return new GateDecision(GateDecision.Verdict.FAIL, checks.get(first).reasonCode(), results);
    }
    Instant now = clock.now();
    if (unknownSince == null || now.isBefore(unknownSince)) {
      // A clock that went backwards restarts the streak: the hold is then longer, never skipped.
      unknownSince = now;
      unknownChecksSince.clear();
    }
    List<CheckResult> annotated = new ArrayList<>(results.size());
    java.util.Set<String> unknownNow = new java.util.HashSet<>();
    for (CheckResult r : results) {
      if (r.healthy()) {
        annotated.add(r);
        continue;
      }
      unknownNow.add(r.check());
      Instant since = unknownChecksSince.computeIfAbsent(r.check(), k -> now);
      Map<String, String> values = new LinkedHashMap<>(r.values());
      values.put("unknownFor", seconds(Duration.between(since, now)));
      values.put("unknownGrace", seconds(unknownGrace));
      annotated.add(new CheckResult(r.check(), r.status(), r.reason(), values));
    }
    unknownChecksSince.keySet().retainAll(unknownNow);
    Duration streak = Duration.between(unknownSince, now);
    String who = annotated.get(first).check();
    if (streak.compareTo(unknownGrace) >= 0) {
      LOG.warn("health gate: {} unknown for {} (grace {}): failing", who, seconds(streak), seconds(unknownGrace));
      return new GateDecision(GateDecision.Verdict.FAIL, checks.get(first).reasonCode(), annotated);
    }
    LOG.info("health gate: {} unknown for {} (grace {}): holding: {}", who, seconds(streak), seconds(unknownGrace),
        annotated.get(first).reason());
    return new GateDecision(GateDecision.Verdict.WAIT, null, annotated);
  }

  private void endUnknownStreak() {
    unknownSince = null;
    unknownChecksSince.clear();
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
