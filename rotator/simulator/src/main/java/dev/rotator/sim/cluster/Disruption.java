package dev.rotator.sim.cluster;

import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.LabelSelectors;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * PodDisruptionBudget arithmetic as the disruption controller does it, computed live from the store:
 *
 * <ul>
 *   <li>currentHealthy: matching pods that are Ready and not being deleted;
 *   <li>expectedPods: for an integer minAvailable, the number of matching pods; otherwise the sum of the
 *       owning controllers' replicas (a pod without a known controller counts as one);
 *   <li>desiredHealthy: minAvailable (a percentage rounds up), or expected − maxUnavailable (a percentage
 *       rounds up), never negative;
 *   <li>disruptionsAllowed: max(0, currentHealthy − desiredHealthy).
 * </ul>
 */
public final class Disruption {

  /** A PDB's numbers at one moment. */
  public record Health(int expectedPods, int currentHealthy, int desiredHealthy, int disruptionsAllowed) {}

  private Disruption() {}

  public static boolean covers(PodDisruptionBudget pdb, Pod pod) {
    return pdb.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())
        && LabelSelectors.of(pdb.getSpec().getSelector()).test(labels(pod));
  }

  /** The PDBs in the pod's namespace whose selector matches it. */
  public static List<PodDisruptionBudget> pdbsFor(ClusterStore store, Pod pod) {
    return store.list(ResourceTypes.PDBS, pod.getMetadata().getNamespace(), PodDisruptionBudget.class).stream()
        .filter(pdb -> covers(pdb, pod))
        .toList();
  }

  public static List<Pod> matchingPods(ClusterStore store, PodDisruptionBudget pdb) {
    var selector = LabelSelectors.of(pdb.getSpec().getSelector());
    return store.list(ResourceTypes.PODS, pdb.getMetadata().getNamespace(), Pod.class).stream()
        .filter(p -> selector.test(labels(p)))
        .toList();
  }

  public static Health compute(ClusterStore store, PodDisruptionBudget pdb) {
    return store.read(() -> compute(store, pdb, matchingPods(store, pdb)));
  }

  static Health compute(ClusterStore store, PodDisruptionBudget pdb, List<Pod> pods) {
    int healthy = (int) pods.stream().filter(PodFacts::isHealthy).count();
    Map<String, OwnerReference> owners = new HashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    int loose = 0;
    for (Pod p : pods) {
      Optional<OwnerReference> ref = PodFacts.controllerOf(p);
      if (ref.isPresent()) {
        owners.put(ref.get().getUid(), ref.get());
        counts.merge(ref.get().getUid(), 1, Integer::sum);
      } else {
        loose++;
      }
    }
    int looseCount = loose;
    return rules(pdb, pods.size(), healthy,
        () -> expectedScale(store, pdb.getMetadata().getNamespace(), owners, counts, looseCount));
  }

  /**
   * The disruption controller's rules, given the counts.
   *
   * @param matching pods the selector matches
   * @param healthy of those, Ready and not terminating
   * @param expectedScale the controllers' replicas (only asked for when the rules need it)
   */
  public static Health rules(PodDisruptionBudget pdb, int matching, int healthy, IntSupplier expectedScale) {
    IntOrString minAvailable = pdb.getSpec().getMinAvailable();
    IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
    int expected;
    int desired;
    if (maxUnavailable != null) {
      expected = expectedScale.getAsInt();
      desired = Math.max(0, expected - scaled(maxUnavailable, expected));
    } else if (minAvailable != null) {
      if (minAvailable.getIntVal() != null) {
        expected = matching;
        desired = minAvailable.getIntVal();
      } else {
        expected = expectedScale.getAsInt();
        desired = scaled(minAvailable, expected);
      }
    } else {
      expected = matching;
      desired = 0;
    }
    return new Health(expected, healthy, desired, Math.max(0, healthy - desired));
  }

  /** An int, or a percentage of {@code total} rounded up (Kubernetes' GetScaledValueFromIntOrPercent). */
  public static int scaled(IntOrString v, int total) {
    if (v.getIntVal() != null) {
      return v.getIntVal();
    }
    String s = v.getStrVal().trim();
    if (!s.endsWith("%")) {
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid int or percentage: " + s, e);
      }
    }
    int pct = Integer.parseInt(s.substring(0, s.length() - 1));
    return (int) Math.ceil(total * pct / 100.0);
  }

  /**
   * Sum of the replicas of the controllers owning matching pods; a pod whose controller is unknown (or of a
   * kind without a scale) counts as one.
   *
   * @param owners controller references by uid
   * @param podsPerOwner matching pods per controller uid
   * @param loose matching pods without a controller
   */
  static int expectedScale(
      ClusterStore store, String ns, Map<String, OwnerReference> owners, Map<String, Integer> podsPerOwner, int loose) {
    int sum = loose;
    for (Map.Entry<String, OwnerReference> e : owners.entrySet()) {
      Optional<Integer> scale = scaleOf(store, ns, e.getValue());
      sum += scale.orElse(podsPerOwner.getOrDefault(e.getKey(), 0));
    }
    return sum;
  }

  private static Optional<Integer> scaleOf(ClusterStore store, String ns, OwnerReference ref) {
    switch (ref.getKind()) {
      case "ReplicaSet": {
        ReplicaSet rs = store.get(ResourceTypes.REPLICASETS, ns, ref.getName());
        if (rs == null) {
          return Optional.empty();
        }
        Optional<OwnerReference> dep = PodFacts.controllerOf(rs).filter(r -> "Deployment".equals(r.getKind()));
        if (dep.isPresent()) {
          Deployment d = store.get(ResourceTypes.DEPLOYMENTS, ns, dep.get().getName());
          if (d != null) {
            return Optional.of(replicas(d.getSpec().getReplicas()));
          }
        }
        return Optional.of(replicas(rs.getSpec().getReplicas()));
      }
      case "StatefulSet": {
        StatefulSet s = store.get(ResourceTypes.STATEFULSETS, ns, ref.getName());
        return s == null ? Optional.empty() : Optional.of(replicas(s.getSpec().getReplicas()));
      }
      case "DaemonSet": {
        DaemonSet d = store.get(ResourceTypes.DAEMONSETS, ns, ref.getName());
        return d == null || d.getStatus() == null || d.getStatus().getDesiredNumberScheduled() == null
            ? Optional.empty()
            : Optional.of(d.getStatus().getDesiredNumberScheduled());
      }
      default:
        return Optional.empty();
    }
  }

  private static int replicas(Integer r) {
    return r == null ? 1 : r;
  }

  static Map<String, String> labels(HasMetadata o) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? Map.of() : l;
  }
}
