package dev.rotator.core.pool;

/**
 * The persisted state of a node-pool switch. Forward:
 *
 * <pre>
 * PLANNED -> NEW_POOL_CREATING -> NEW_POOL_READY -> OLD_POOL_TAINTED -> DRAINING -> OLD_POOL_DELETING
 *         -> OLD_POOL_DELETED -> DONE
 * </pre>
 *
 * and, from any state before OLD_POOL_DELETING, {@code ROLLING_BACK -> ROLLED_BACK}. Each state is written
 * before its step's first action, and every action is idempotent, so a run that died in a state starts that
 * state again.
 */
public enum PoolSwitchState {
  /** Quota checked, nothing changed yet. */
  PLANNED,
  /** The new pool is being created; its nodes are awaited (Ready, and the gate passing). */
  NEW_POOL_CREATING,
  /** Every node of the new pool is Ready and the gate passed. */
  NEW_POOL_READY,
  /** Every node of the old pool carries the PreferNoSchedule taint and is cordoned. */
  OLD_POOL_TAINTED,
  /** The old pool's nodes are drained through the Eviction API, maxUnavailable at a time, gated. */
  DRAINING,
  /** Drained; the old pool's Nodes and the pool itself are being deleted. From here on there is no rollback. */
  OLD_POOL_DELETING,
  /** The old pool is gone. */
  OLD_POOL_DELETED,
  /** The switch is complete. */
  DONE,
  /** Undoing the switch: old pool untainted and uncordoned, the new pool drained back and deleted. */
  ROLLING_BACK,
  /** The switch was undone: the old pool serves, the new pool is gone. */
  ROLLED_BACK;

  /** The switch ended (completed or rolled back): a new switch may start. */
  public boolean terminal() {
    return this == DONE || this == ROLLED_BACK;
  }

  /** The old pool still exists untouched by deletion: a rollback can bring everything back. */
  public boolean rollbackPossible() {
    return ordinal() < OLD_POOL_DELETING.ordinal() || this == ROLLING_BACK;
  }
}
