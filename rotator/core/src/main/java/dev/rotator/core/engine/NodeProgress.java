package dev.rotator.core.engine;

import java.time.Instant;

/**
 * One node's progress, as persisted and reported.
 *
 * @param node node name
 * @param group cloud group (empty if the provider does not manage it)
 * @param instanceId cloud instance id
 * @param zone zone
 * @param state current state
 * @param since when it entered that state
 * @param detail a human sentence about what it waits for, or why it failed
 */
public record NodeProgress(
    String node, String group, String instanceId, String zone, NodeState state, Instant since, String detail) {

  public NodeProgress {
    group = group == null ? "" : group;
    instanceId = instanceId == null ? "" : instanceId;
    zone = zone == null ? "" : zone;
    detail = detail == null ? "" : detail;
  }
}
