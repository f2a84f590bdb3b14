package dev.rotator.core.engine;

/** Placeholder replaced by the real engine in the next commit. */
public final class RotationEngine {
  public RotationEngine(Ports ports, RotationPolicy policy, OutdatedSelector selector) {}

  public void addListener(EngineListener l) {}

  public Plan plan() {
    throw new UnsupportedOperationException();
  }

  public RunResult run(RunOptions options) throws InterruptedException {
    throw new UnsupportedOperationException();
  }
}
