package dev.rotator.core.engine;

/** Asked before every disruptive step. See {@link CompositeGate}. */
public interface Gate {

  /**
   * @param step the step about to happen (for logs and evidence), e.g. {@code cordon node-3}
   */
  GateDecision evaluate(String step);

  /** A gate with no checks: always passes. */
  static Gate open() {
    return step -> GateDecision.pass(java.util.List.of());
  }
}
