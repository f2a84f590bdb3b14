package dev.rotator.core.engine;

import java.util.List;

/**
 * What a run would do now.
 *
 * @param nodes outdated nodes in rotation order
 * @param batchSize nodes in flight at most at once
 * @param totalNodes nodes in the cluster
 * @param skipped nodes skipped and why (skip annotation, unmanaged by the provider)
 */
public record Plan(List<PlannedNode> nodes, int batchSize, int totalNodes, List<String> skipped) {

  /**
   * One node of the plan.
   *
   * @param position 1-based order
   * @param batch 1-based batch number ({@code ceil(position / batchSize)})
   * @param node node name
   * @param group cloud group
   * @param zone zone
   * @param why why it is outdated
   * @param blockingPdbs PDBs that would refuse an eviction of one of its pods right now
   * @param refusedPods pods the policy would not evict (no controller, emptyDir data)
   * @param pods pods that need eviction
   */
  public record PlannedNode(
      int position,
      int batch,
      String node,
      String group,
      String zone,
      String why,
      List<String> blockingPdbs,
      List<String> refusedPods,
      int pods) {}

  public Plan {
    nodes = List.copyOf(nodes);
    skipped = List.copyOf(skipped);
  }
}
