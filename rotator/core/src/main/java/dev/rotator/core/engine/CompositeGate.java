package dev.rotator.core.engine;

import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs every health check, in parallel, each bounded by its own timeout, and decides:
 *
 * <ol>
 *   <li>any check UNHEALTHY or UNKNOWN (including one that threw or timed out) → FAIL, with the first
 *       failing check's reason code: the gate fails closed;
 *   <li>all healthy, but fewer than {@code requiredPasses} consecutive healthy evaluations so far → WAIT;
 *   <li>otherwise PASS.
 * </ol>
 *
 * A failure resets the consecutive count, so after a freeze and a resume the gate must be green twice
 * again before the first disruptive step (kops validates the cluster twice for the same reason).
 */
public final class CompositeGate implements Gate, AutoCloseable {
  private final List<HealthCheck> checks;
  private final int requiredPasses;
  private final Duration checkTimeout;
  private final ExecutorService pool;
  private int consecutivePasses;

  public CompositeGate(List<HealthCheck> checks, int requiredPasses, Duration checkTimeout) {
    if (requiredPasses < 1) {
      throw new IllegalArgumentException("requiredPasses must be >= 1, got " + requiredPasses);
    }
    this.checks = List.copyOf(checks);
    this.requiredPasses = requiredPasses;
    this.checkTimeout = checkTimeout;
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
    for (int i = 0; i < results.size(); i++) {
      if (!results.get(i).healthy()) {
        consecutivePasses = 0;
        return new GateDecision(GateDecision.Verdict.FAIL, checks.get(i).reasonCode(), results);
      }
    }
    consecutivePasses++;
    if (consecutivePasses < requiredPasses) {
      return new GateDecision(GateDecision.Verdict.WAIT, null, results);
    }
    return GateDecision.pass(results);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
