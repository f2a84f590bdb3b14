package dev.rotator.core.port;

import dev.rotator.core.engine.ReasonCode;

/**
 * One health check the gate runs before disruptive steps. Implementations live in {@code
 * health-checks/*}.
 *
 * <p>Contract: {@link #check()} returns UNKNOWN rather than throwing when it cannot tell (timeout,
 * unreachable, parse error); the gate treats UNKNOWN as unhealthy (fail closed) and also guards against
 * a check that throws or hangs.
 */
public interface HealthCheck {

  /** A short stable name ({@code cluster-state}, {@code etcd}). */
  String name();

  /** The freeze reason this check raises when it fails. */
  ReasonCode reasonCode();

  CheckResult check();
}
