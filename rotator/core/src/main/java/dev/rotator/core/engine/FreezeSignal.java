package dev.rotator.core.engine;

import java.util.List;

/** Thrown inside the engine to stop the run and freeze with a reason and evidence. Never escapes it. */
final class FreezeSignal extends Exception {
  final ReasonCode reason;
  final List<String> evidence;

  FreezeSignal(ReasonCode reason, String message, List<String> evidence) {
    super(message, null, false, false);
    this.reason = reason;
    this.evidence = List.copyOf(evidence);
  }
}
