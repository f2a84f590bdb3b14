package dev.rotator.core.pool;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A pool switch's persisted progress (the state store's {@code poolSwitch} record).
 *
 * @param runId the run that started the switch
 * @param oldPool the pool being replaced
 * @param newPool the pool replacing it
 * @param state where the switch is
 * @param startedAt when the switch started
 * @param updatedAt when the state last changed (timeouts count from here)
 * @param newPoolSize the new pool's size
 * @param oldNodes the old pool's nodes when they were tainted
 * @param drained nodes drained so far (of the old pool; of the new pool while rolling back)
 * @param rolledBackFrom the state a rollback started from (null when none)
 * @param detail a human sentence about the current step
 */
public record PoolSwitchRecord(
    String runId,
    String oldPool,
    String newPool,
    PoolSwitchState state,
    Instant startedAt,
    Instant updatedAt,
    int newPoolSize,
    List<String> oldNodes,
    List<String> drained,
    PoolSwitchState rolledBackFrom,
    String detail) {

  public PoolSwitchRecord {
    Objects.requireNonNull(oldPool, "oldPool");
    Objects.requireNonNull(newPool, "newPool");
    Objects.requireNonNull(state, "state");
    runId = runId == null ? "" : runId;
    oldNodes = oldNodes == null ? List.of() : List.copyOf(oldNodes);
    drained = drained == null ? List.of() : List.copyOf(drained);
    detail = detail == null ? "" : detail;
  }

  public PoolSwitchRecord to(PoolSwitchState next, Instant at, String why) {
    return new PoolSwitchRecord(runId, oldPool, newPool, next, startedAt, at, newPoolSize, oldNodes,
        next == PoolSwitchState.ROLLING_BACK && state != PoolSwitchState.ROLLING_BACK ? List.of() : drained,
        next == PoolSwitchState.ROLLING_BACK && rolledBackFrom == null ? state : rolledBackFrom, why);
  }

  public PoolSwitchRecord withOldNodes(List<String> nodes) {
    return new PoolSwitchRecord(runId, oldPool, newPool, state, startedAt, updatedAt, newPoolSize, nodes, drained,
        rolledBackFrom, detail);
  }

  public PoolSwitchRecord withDrained(List<String> nodes, String why) {
    return new PoolSwitchRecord(runId, oldPool, newPool, state, startedAt, updatedAt, newPoolSize, oldNodes, nodes,
        rolledBackFrom, why);
  }
}
