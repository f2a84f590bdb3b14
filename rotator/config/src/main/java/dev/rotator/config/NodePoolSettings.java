package dev.rotator.config;

import dev.rotator.core.pool.PoolSwitchSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * Root {@code strategy} and the {@code nodePool} section: whether {@code rotator run} rotates nodes one by one
 * (the engine) or switches a whole node pool (Red/Black: {@link dev.rotator.core.pool.PoolSwitch}).
 *
 * @param strategy {@code strategy}
 * @param spec {@code nodePool}, present exactly when the strategy is {@link Strategy#NODE_POOL}
 */
public record NodePoolSettings(Strategy strategy, Optional<PoolSwitchSpec> spec) {

  /** How {@code rotator run} replaces nodes. */
  public enum Strategy {
    /** Node by node inside each group (cordon, drain, terminate, replacement). */
    NODES,
    /** A new pool beside the old one, workloads moved over, the old pool deleted. */
    NODE_POOL
  }

  public NodePoolSettings {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(spec, "spec");
    if (spec.isPresent() != (strategy == Strategy.NODE_POOL)) {
      throw new IllegalArgumentException("a nodePool spec goes with strategy nodePool, and only with it");
    }
  }

  public static NodePoolSettings defaults() {
    return new NodePoolSettings(Strategy.NODES, Optional.empty());
  }

  public boolean poolSwitch() {
    return strategy == Strategy.NODE_POOL;
  }
}
