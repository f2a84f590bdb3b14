package dev.rotator.core.engine;

import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.PodWatch;
import dev.rotator.provider.InstanceRef;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The engine's mutable record of one node during a run. Only the engine's thread touches it. */
final class NodeTrack {
  final String node;
  final InstanceRef instance;
  final String why;
  NodeState state = NodeState.PENDING;
  Instant since;
  String detail = "";
  PodWatch watch;
  Instant drainStarted;
  /** Earliest time the next attempt of a failed step (terminate, delete) may run. */
  Instant notBefore = Instant.MIN;
  int stepFailures;
  /** When the drain last compared the pod watch with a fresh list (see the engine's drain). */
  Instant lastResync = Instant.MIN;
  /** The node's pods as last listed for drainability ordering, and when (only while PENDING). */
  List<dev.rotator.core.model.PodInfo> orderPods;
  Instant orderPodsAt = Instant.MIN;
  /** New Ready nodes the group must have for this node to count as replaced (set at termination). */
  int replacementsOwed;
  /** Per pod: consecutive failed eviction attempts, next allowed attempt, and what blocked it. */
  final Map<PodRef, Integer> evictionAttempts = new HashMap<>();
  final Map<PodRef, Instant> nextEviction = new HashMap<>();
  final Map<PodRef, List<String>> blockedBy = new HashMap<>();

  NodeTrack(String node, InstanceRef instance, String why, Instant now) {
    this.node = node;
    this.instance = instance;
    this.why = why;
    this.since = now;
    this.detail = why;
  }

  NodeProgress progress() {
    return new NodeProgress(node, instance.groupId(), instance.instanceId(), instance.zone(), state, since, detail);
  }

  void closeWatch() {
    if (watch != null) {
      watch.close();
      watch = null;
    }
  }
}
