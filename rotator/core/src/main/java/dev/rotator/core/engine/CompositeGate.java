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
 *   <li>any check UNHEALTHY or UNKNOWN (including one that threw or timed out) → FAIL, with the reason code
 *       of the first UNHEALTHY check, or of the first UNKNOWN one if none is UNHEALTHY: the gate fails closed;
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
    // The reason is the first UNHEALTHY check's, else the first UNKNOWN one's: a clear diagnosis further down
    // the list is more useful than a read error that may be its consequence.
    int failing = -1;
    for (int i = 0; i < results.size(); i++) {
      CheckResult r = results.get(i);
      if (r.status() == CheckResult.Status.UNHEALTHY) {
        failing = i;
        break;
      }
      if (!r.healthy() && failing < 0) {
        failing = i;
      }
    }
    if (failing >= 0) {
      consecutivePasses = 0;
      return new GateDecision(GateDecision.Verdict.FAIL, checks.get(failing).reasonCode(), results);
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
