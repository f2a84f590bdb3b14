package dev.rotator.core.pool;

import dev.rotator.provider.PoolChanges;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What to switch ({@code nodePool} in rotator.yaml).
 *
 * @param pool the pool to replace
 * @param newPool the new pool's name; empty: {@link #defaultNewPool}
 * @param changes what differs in the new pool
 * @param size the new pool's size; empty: the old pool's desired size
 * @param rollbackOnFreeze when the switch freezes before the old pool is deleted, roll it back at once
 */
public record PoolSwitchSpec(
    String pool, Optional<String> newPool, PoolChanges changes, OptionalInt size, boolean rollbackOnFreeze) {

  public PoolSwitchSpec {
    Objects.requireNonNull(pool, "pool");
    newPool = newPool == null ? Optional.empty() : newPool;
    changes = changes == null ? PoolChanges.none() : changes;
    size = size == null ? OptionalInt.empty() : size;
    if (newPool.isPresent() && newPool.get().equals(pool)) {
      throw new IllegalArgumentException("newPool must differ from pool (" + pool + ")");
    }
  }

  /** The new pool's name. */
  public String newPoolName() {
    return newPool.orElseGet(() -> defaultNewPool(pool));
  }

  /**
   * Red/black naming: {@code workers-a} becomes {@code workers-b} and back; any other name gets {@code -b}.
   */
  public static String defaultNewPool(String pool) {
    if (pool.endsWith("-a")) {
      return pool.substring(0, pool.length() - 2) + "-b";
    }
    if (pool.endsWith("-b")) {
      return pool.substring(0, pool.length() - 2) + "-a";
    }
    return pool + "-b";
  }
}
