package dev.rotator.core.pool;

import dev.rotator.provider.NodePool;
import dev.rotator.provider.QuotaHeadroom;
import java.time.Duration;
import java.util.List;

/**
 * What a pool switch would do now ({@code rotator plan}).
 *
 * @param oldPool the pool as the cloud describes it
 * @param newPool the pool that would be created
 * @param oldNodes the old pool's nodes in the cluster now
 * @param peakInstances instances running at the peak of the switch: both pools at full size (up to twice the
 *     old pool)
 * @param quota quota headroom for the whole new pool
 * @param pdbBlockers PDBs covering pods on the old pool that allow no disruption right now
 * @param refusedPods pods the drain would refuse to evict (no controller, emptyDir data)
 * @param estimate rough duration: provisioning, plus drain waves of maxUnavailable nodes, plus soak
 * @param estimateBasis how the estimate was made
 * @param inProgress a switch already in progress, or null
 */
public record PoolPlan(
    NodePool oldPool,
    NodePool newPool,
    List<String> oldNodes,
    int peakInstances,
    QuotaHeadroom quota,
    List<String> pdbBlockers,
    List<String> refusedPods,
    Duration estimate,
    String estimateBasis,
    PoolSwitchRecord inProgress) {

  public PoolPlan {
    oldNodes = List.copyOf(oldNodes);
    pdbBlockers = List.copyOf(pdbBlockers);
    refusedPods = List.copyOf(refusedPods);
  }
}
