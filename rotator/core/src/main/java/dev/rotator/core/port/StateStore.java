package dev.rotator.core.port;

import dev.rotator.core.engine.RotationProgress;
import java.util.Optional;

/**
 * Where the mode and the rotation's progress persist: in the cluster (a ConfigMap written with
 * optimistic concurrency) for real runs, in memory for tests.
 */
public interface StateStore {

  /** The persisted mode. A store that cannot be read throws; the engine treats that as frozen. */
  ModeState mode();

  /**
   * Sets FREEZE. If already frozen the first freeze's reason is kept (its evidence is the useful one) and
   * returned.
   */
  ModeState freeze(String reason, String message, java.util.List<String> evidence, String by);

  /** Sets ROTATE. Always a human act: the engine never calls it. */
  ModeState resume(String by);

  /** Records the latest progress of the current rotation (overwrites the previous record). */
  void saveProgress(RotationProgress progress);

  /** The last recorded progress, if any. */
  Optional<RotationProgress> progress();

  /**
   * Records a node-pool switch's state (overwrites the previous record; kept apart from {@link #progress}, so a
   * node rotation and a pool switch never overwrite each other's record). Stores that cannot persist it throw:
   * a switch whose state would be lost on a crash must not start.
   */
  default void savePoolSwitch(dev.rotator.core.pool.PoolSwitchRecord record) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not persist node-pool switches");
  }

  /** The last recorded node-pool switch, if any. */
  default Optional<dev.rotator.core.pool.PoolSwitchRecord> poolSwitch() {
    return Optional.empty();
  }
}
