package dev.rotator.sim.cluster;

import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.LabelSelectors;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Every PDB's matching and healthy pods, kept incrementally from store events, so that a PDB's numbers
 * cost O(its controllers) instead of a scan of its namespace. The eviction endpoint, the PDB status
 * controller and the recorder all ask here. Must be the first store listener, so it is current when the
 * others look.
 */
public final class PdbTracker implements StoreListener {
  private final ClusterStore store;
  private final Map<String, Tracked> byKey = new HashMap<>();
  private final Map<String, List<Tracked>> byNamespace = new HashMap<>();

  private static final class Tracked {
    PodDisruptionBudget pdb;
    Predicate<Map<String, String>> selector;
    final Set<String> pods = new HashSet<>();
    final Set<String> healthy = new HashSet<>();
    final Map<String, OwnerReference> owners = new HashMap<>();
    final Map<String, Integer> podsPerOwner = new HashMap<>();
    int loose;

    Tracked(PodDisruptionBudget pdb) {
      this.pdb = pdb;
      this.selector = LabelSelectors.of(pdb.getSpec().getSelector());
    }

    boolean matches(Pod p) {
      return selector.test(Disruption.labels(p));
    }

    void add(Pod p) {
      String k = ClusterStore.key(p);
      if (!pods.add(k)) {
        return;
      }
      if (PodFacts.isHealthy(p)) {
        healthy.add(k);
      }
      Optional<OwnerReference> ref = PodFacts.controllerOf(p);
      if (ref.isPresent()) {
        owners.putIfAbsent(ref.get().getUid(), ref.get());
        podsPerOwner.merge(ref.get().getUid(), 1, Integer::sum);
      } else {
        loose++;
      }
    }

    void remove(Pod p) {
      String k = ClusterStore.key(p);
      if (!pods.remove(k)) {
        return;
      }
      healthy.remove(k);
      Optional<OwnerReference> ref = PodFacts.controllerOf(p);
      if (ref.isPresent()) {
        String uid = ref.get().getUid();
        if (podsPerOwner.merge(uid, -1, Integer::sum) <= 0) {
          podsPerOwner.remove(uid);
          owners.remove(uid);
        }
      } else {
        loose--;
      }
    }
  }

  public PdbTracker(ClusterStore store) {
    this.store = store;
  }

  @Override
  public void onEvent(StoreEvent e) {
    if (e.resource() == ResourceTypes.PDBS) {
      onPdb(e);
    } else if (e.resource() == ResourceTypes.PODS) {
      List<Tracked> ts = byNamespace.get(e.namespace());
      if (ts == null) {
        return;
      }
      Pod old = (Pod) e.old();
      Pod now = e.type() == StoreEvent.Type.DELETED ? null : (Pod) e.object();
      for (Tracked t : ts) {
        if (old != null) {
          t.remove(old);
        }
        if (now != null && t.matches(now)) {
          t.add(now);
        }
      }
    }
  }

  private void onPdb(StoreEvent e) {
    String key = ClusterStore.key(e.object());
    PodDisruptionBudget pdb = (PodDisruptionBudget) e.object();
    Tracked existing = byKey.get(key);
    if (e.type() == StoreEvent.Type.DELETED) {
      if (existing != null) {
        byKey.remove(key);
        byNamespace.get(e.namespace()).remove(existing);
      }
      return;
    }
    if (existing != null && Objects.equals(existing.pdb.getSpec(), pdb.getSpec())) {
      existing.pdb = pdb;
      return;
    }
    if (existing != null) {
      byNamespace.get(e.namespace()).remove(existing);
    }
    Tracked t = new Tracked(pdb);
    for (Pod p : store.list(ResourceTypes.PODS, e.namespace(), Pod.class)) {
      if (t.matches(p)) {
        t.add(p);
      }
    }
    byKey.put(key, t);
    byNamespace.computeIfAbsent(e.namespace(), n -> new ArrayList<>()).add(t);
  }

  /** The PDBs whose selector matches the pod (its namespace only). */
  public List<PodDisruptionBudget> pdbsFor(Pod pod) {
    return store.read(
        () -> {
          List<PodDisruptionBudget> out = new ArrayList<>();
          for (Tracked t : byNamespace.getOrDefault(pod.getMetadata().getNamespace(), List.of())) {
            if (t.matches(pod)) {
              out.add(t.pdb);
            }
          }
          return out;
        });
  }

  /** A PDB's numbers now; a PDB not (yet) tracked is computed by a scan. */
  public Disruption.Health health(PodDisruptionBudget pdb) {
    return store.read(
        () -> {
          Tracked t = byKey.get(ClusterStore.key(pdb));
          if (t == null) {
            return Disruption.compute(store, pdb);
          }
          String ns = pdb.getMetadata().getNamespace();
          return Disruption.rules(
              t.pdb, t.pods.size(), t.healthy.size(),
              () -> Disruption.expectedScale(store, ns, t.owners, t.podsPerOwner, t.loose));
        });
  }
}
