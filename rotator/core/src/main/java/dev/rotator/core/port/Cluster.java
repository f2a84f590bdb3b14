package dev.rotator.core.port;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import java.util.List;
import java.util.Optional;

/**
 * The Kubernetes cluster as the engine needs it. Implemented with fabric8 in {@code rotator/kubernetes}
 * and in memory in {@link dev.rotator.core.fake.InMemoryCluster}.
 *
 * <p>Contract: every mutating call is idempotent (cordoning a cordoned node, deleting a deleted node are
 * success). Failures are {@link ClusterException}. Rotator removes pods through {@link #evict(PodRef)}, which
 * respects PodDisruptionBudgets; the one exception is {@link #deleteUnhealthyPod}, used only under the opt-in
 * {@code policy.unhealthyPodEviction} for pods that are not Ready, and always a graceful delete.
 */
public interface Cluster {

  /** All nodes. Implementations may serve this from a watch-fed cache. */
  List<NodeInfo> nodes();

  /** One node, empty if it does not exist. */
  Optional<NodeInfo> node(String name);

  /**
   * Pods bound to a node ({@code spec.nodeName} field selector on a real API server): never a list of
   * all pods in the cluster.
   */
  List<PodInfo> podsOnNode(String nodeName);

  /**
   * Pods in phase Pending in all namespaces ({@code status.phase=Pending} field selector on a real API
   * server), for the cluster-state gate: capacity running out during drains shows here first.
   */
  List<PodInfo> pendingPods();

  /** All PodDisruptionBudgets with their current status. */
  List<PdbInfo> pdbs();

  /** Sets {@code spec.unschedulable=true}. NOT_FOUND if the node is gone. */
  void cordon(String nodeName);

  /** Sets {@code spec.unschedulable=false}. */
  void uncordon(String nodeName);

  /** Adds a taint unless a taint with the same key and effect is present. */
  void addTaint(String nodeName, Taint taint);

  /** Removes taints with this key, if any. */
  void removeTaint(String nodeName, String key);

  /** Sets (value non-null) or removes (value null) one annotation on a node. Idempotent. */
  void annotateNode(String nodeName, String key, String value);

  /** Asks the Eviction API (policy/v1) to evict one pod. Never throws for 404/429: see the result. */
  EvictionResult evict(PodRef pod);

  /**
   * Pods of one namespace matching a label selector (a namespaced LIST with a label selector: never all pods).
   * Used rarely: to name the unhealthy pods of a PodDisruptionBudget that blocks a drain.
   */
  default List<PodInfo> podsSelectedBy(String namespace, dev.rotator.core.model.LabelSelector selector) {
    throw new ClusterException(
        ClusterException.Kind.PERMANENT, getClass().getSimpleName() + " cannot list pods by label selector");
  }

  /**
   * Deletes one pod that is not Ready, gracefully (a plain DELETE with the pod's own grace period: never {@code
   * gracePeriodSeconds=0}, never a force delete), the way a PDB with {@code unhealthyPodEvictionPolicy:
   * AlwaysAllow} lets the Eviction API remove it. The engine calls it only under {@code
   * policy.unhealthyPodEviction}, for a pod it saw not Ready past the grace period. Already gone = success.
   *
   * @param reason why, recorded by the implementation where it can (an audit annotation, a log line)
   */
  default void deleteUnhealthyPod(PodRef pod, String reason) {
    throw new ClusterException(
        ClusterException.Kind.PERMANENT, getClass().getSimpleName() + " cannot delete pods");
  }

  /** Deletes the Node object. Already gone = success. */
  void deleteNode(String nodeName);

  /**
   * Starts watching the pods bound to a node. The returned view is kept current by a watch (re-listed
   * and re-watched by the implementation when the stream breaks), so waiting for evicted pods to go
   * needs no per-pod polling.
   */
  PodWatch watchPodsOnNode(String nodeName);
}
