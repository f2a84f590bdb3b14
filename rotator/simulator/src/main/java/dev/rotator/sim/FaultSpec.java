package dev.rotator.sim;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One fault a scenario injects. Every fault has a window: it starts {@code startSeconds} simulated seconds
 * after the first disruptive action the simulator observes (the first cordon or accepted eviction), so that
 * it always starts in the middle of a rotation, and ends {@code endSeconds} after that same moment, or
 * never. Documented with examples in docs/simulator.md.
 */
public sealed interface FaultSpec {

  /** The names used in scenario files, in the order docs/simulator.md lists them. */
  List<String> KINDS =
      List.of(
          "etcdMembersDown",
          "apiErrors",
          "apiLatency",
          "connectionResets",
          "watchDrops",
          "nodeConflicts",
          "podsStuckTerminating",
          "pdbTightened",
          "nodesNotReady",
          "quotaExhausted",
          "alertFiring",
          "replacementNotReady",
          "replacementOldVersion",
          "nodeDeletedExternally");

  /** The kind as written in scenario files ({@code etcdMembersDown}). */
  String kind();

  Window window();

  /**
   * When a fault is on, relative to the first disruptive action.
   *
   * @param startSeconds simulated seconds after the first cordon or accepted eviction (>= 0)
   * @param endSeconds when it stops (> startSeconds); empty: it lasts until the simulation ends
   */
  record Window(long startSeconds, OptionalLong endSeconds) {}

  /** {@code count} etcd members stop answering (their server is stopped: connection refused). */
  record EtcdMembersDown(Window window, int count) implements FaultSpec {
    @Override
    public String kind() {
      return "etcdMembersDown";
    }
  }

  /**
   * {@code errorPercent} % of the API requests fail with {@code status}, spread evenly (deterministic).
   *
   * @param retryAfterSeconds the Retry-After header of a 429 (0 for other statuses)
   * @param spareRotatorState requests on rotator's state ConfigMap are not failed, so that the freeze the
   *     rotator writes reaches the recorder (a real overloaded API server may refuse that write too)
   */
  record ApiErrors(Window window, int errorPercent, int status, long retryAfterSeconds, boolean spareRotatorState)
      implements FaultSpec {
    @Override
    public String kind() {
      return "apiErrors";
    }
  }

  /** Every API response is delayed by {@code delayMillis} of real (wall) time. */
  record ApiLatency(Window window, long delayMillis) implements FaultSpec {
    @Override
    public String kind() {
      return "apiLatency";
    }
  }

  /**
   * {@code count} Ready nodes that nobody is rotating (schedulable; nodes already at their group's target
   * version first) turn NotReady; in {@code group} only, when set.
   */
  record NodesNotReady(Window window, int count, String group) implements FaultSpec {
    @Override
    public String kind() {
      return "nodesNotReady";
    }
  }

  /** The group's instance quota drops to its live instance count: it can launch nothing more. */
  record QuotaExhausted(Window window, String group) implements FaultSpec {
    @Override
    public String kind() {
      return "quotaExhausted";
    }
  }

  /** The fake Prometheus reports an alert with these labels (alertname included) as firing. */
  record AlertFiring(Window window, String alertname, Map<String, String> labels) implements FaultSpec {
    public AlertFiring {
      labels = Map.copyOf(labels);
    }

    @Override
    public String kind() {
      return "alertFiring";
    }
  }

  /** Nodes of instances of {@code group} that come up during the fault register but never turn Ready. */
  record ReplacementNotReady(Window window, String group) implements FaultSpec {
    @Override
    public String kind() {
      return "replacementNotReady";
    }
  }

  /** Nodes of instances of {@code group} that come up during the fault report kubelet {@code version}. */
  record ReplacementOldVersion(Window window, String group, String version) implements FaultSpec {
    @Override
    public String kind() {
      return "replacementOldVersion";
    }
  }

  /**
   * {@code percent} % of the API requests (counted as for {@link ApiErrors}) find their connection reset: the
   * request is read but never reaches the API server, and the client's TCP connection is closed with a reset
   * (RST) instead of an answer. Watch upgrades are never reset (see {@link WatchDrops}).
   */
  record ConnectionResets(Window window, int percent) implements FaultSpec {
    @Override
    public String kind() {
      return "connectionResets";
    }
  }

  /** Every {@code everySeconds} simulated seconds, every open watch stream is closed by the server mid-way. */
  record WatchDrops(Window window, long everySeconds) implements FaultSpec {
    @Override
    public String kind() {
      return "watchDrops";
    }
  }

  /**
   * {@code percent} % of the PUT and PATCH requests on Node objects are answered 409 Conflict ("the object has
   * been modified") instead of being carried out, as when the kubelet or a controller wrote the node between
   * a client's read and its write.
   */
  record NodeConflicts(Window window, int percent) implements FaultSpec {
    @Override
    public String kind() {
      return "nodeConflicts";
    }
  }

  /**
   * Every pod (DaemonSet pods excepted) on a cordoned node gets a finalizer nobody removes while the fault is
   * on: an evicted pod stays Terminating, as with a stuck storage or service-mesh finalizer.
   */
  record PodsStuckTerminating(Window window) implements FaultSpec {
    @Override
    public String kind() {
      return "podsStuckTerminating";
    }
  }

  /** Someone edits the PDB {@code namespace/name} to {@code minAvailable: 100%}: it allows no disruption. */
  record PdbTightened(Window window, String namespace, String name) implements FaultSpec {
    @Override
    public String kind() {
      return "pdbTightened";
    }
  }

  /**
   * Someone other than rotator (the simulator's fault injector, standing in for a human with kubectl or another
   * controller) deletes the Node object of a node rotator is draining: the first node, by name, that is cordoned
   * and still runs pods other than DaemonSet, mirror or finished ones (in {@code group} only, when set), as soon
   * as there is one while the fault is on. The instance keeps running; pod GC removes the node's pods. Once.
   */
  record NodeDeletedExternally(Window window, String group) implements FaultSpec {
    @Override
    public String kind() {
      return "nodeDeletedExternally";
    }
  }
}
