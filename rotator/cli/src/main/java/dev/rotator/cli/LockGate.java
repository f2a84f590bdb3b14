package dev.rotator.cli;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.kubernetes.LeaseLock;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The health gate, plus "do we still hold the lock": the engine asks its gate before every disruptive step,
 * so a rotator that lost its Lease (another took it over after it could not renew) freezes there instead of
 * acting beside the new holder. Asked before and after the wrapped gate, whose checks may take seconds.
 */
final class LockGate implements Gate {
  static final String CHECK = "lock";

  private final Gate delegate;
  private final BooleanSupplier held;
  private final Supplier<String> lostReason;

  LockGate(Gate delegate, LeaseLock lock) {
    this(delegate, lock::held, lock::lostReason);
  }

  LockGate(Gate delegate, BooleanSupplier held, Supplier<String> lostReason) {
    this.delegate = delegate;
    this.held = held;
    this.lostReason = lostReason;
  }

  @Override
  public GateDecision evaluate(String step) {
    if (!held.getAsBoolean()) {
      return lost();
    }
    GateDecision d = delegate.evaluate(step);
    return held.getAsBoolean() ? d : lost();
  }

  private GateDecision lost() {
    return new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.API_UNAVAILABLE,
        List.of(CheckResult.unhealthy(CHECK, lostReason.get(), Map.of("lease", LeaseLock.NAME))));
  }
}
