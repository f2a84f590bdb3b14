package dev.rotator.core.fake;

import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A StateStore in memory, with a history of every mode change, for tests and dry runs. */
public final class InMemoryStateStore implements StateStore {
  private final Clock clock;
  private ModeState mode = ModeState.initial();
  private RotationProgress progress;
  private dev.rotator.core.pool.PoolSwitchRecord poolSwitch;
  private final List<ModeState> history = new ArrayList<>();
  private RuntimeException failReads;

  public InMemoryStateStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized ModeState mode() {
    if (failReads != null) {
      throw failReads;
    }
    return mode;
  }

  @Override
  public synchronized ModeState freeze(String reason, String message, List<String> evidence, String by) {
    if (!mode.frozen()) {
      mode = new ModeState(Mode.FREEZE, reason, message, evidence, by, clock.now());
      history.add(mode);
    }
    return mode;
  }

  @Override
  public synchronized ModeState resume(String by) {
    mode = new ModeState(Mode.ROTATE, "", "resumed", List.of(), by, clock.now());
    history.add(mode);
    return mode;
  }

  @Override
  public synchronized void saveProgress(RotationProgress p) {
    this.progress = p;
  }

  @Override
  public synchronized Optional<RotationProgress> progress() {
    return Optional.ofNullable(progress);
  }

  @Override
  public synchronized void savePoolSwitch(dev.rotator.core.pool.PoolSwitchRecord r) {
    this.poolSwitch = r;
  }

  @Override
  public synchronized Optional<dev.rotator.core.pool.PoolSwitchRecord> poolSwitch() {
    return Optional.ofNullable(poolSwitch);
  }

  public synchronized List<ModeState> history() {
    return List.copyOf(history);
  }

  /** Makes {@link #mode()} throw this (null to stop). */
  public synchronized void failReads(RuntimeException e) {
    this.failReads = e;
  }
}
