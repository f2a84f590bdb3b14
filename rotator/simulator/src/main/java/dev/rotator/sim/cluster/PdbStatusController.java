package dev.rotator.sim.cluster;

import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import dev.rotator.sim.store.StoreEvent;
import dev.rotator.sim.store.StoreListener;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps every PDB's {@code status} current, like the disruption controller but synchronously: PDBs touched
 * by a change are recomputed once the change's events are delivered, before the store's lock is released,
 * so a LIST of PDBs never shows stale numbers.
 */
public final class PdbStatusController implements StoreListener {
  private final ClusterStore store;
  private final PdbTracker pdbs;
  private final Set<String> dirty = new LinkedHashSet<>();

  public PdbStatusController(ClusterStore store, PdbTracker pdbs) {
    this.store = store;
    this.pdbs = pdbs;
  }

  @Override
  public void onEvent(StoreEvent e) {
    if (e.resource() == ResourceTypes.PDBS) {
      PodDisruptionBudget now = (PodDisruptionBudget) e.object();
      PodDisruptionBudget old = (PodDisruptionBudget) e.old();
      if (e.type() != StoreEvent.Type.DELETED
          && (old == null || !Objects.equals(old.getSpec(), now.getSpec()))) {
        dirty.add(ClusterStore.key(now));
      }
    } else if (e.resource() == ResourceTypes.PODS) {
      Pod now = (Pod) e.object();
      Pod old = (Pod) e.old();
      pdbs.pdbsFor(now).forEach(p -> dirty.add(ClusterStore.key(p)));
      if (old != null) {
        pdbs.pdbsFor(old).forEach(p -> dirty.add(ClusterStore.key(p)));
      }
    } else if (e.resource() == ResourceTypes.DEPLOYMENTS
        || e.resource() == ResourceTypes.REPLICASETS
        || e.resource() == ResourceTypes.STATEFULSETS
        || e.resource() == ResourceTypes.DAEMONSETS) {
      // A controller's scale feeds expectedPods of percentage and maxUnavailable budgets.
      store.list(ResourceTypes.PDBS, e.namespace()).forEach(p -> dirty.add(ClusterStore.key(p)));
    }
  }

  @Override
  public void afterBatch() {
    if (dirty.isEmpty()) {
      return;
    }
    List<String> work = new ArrayList<>(dirty);
    dirty.clear();
    store.write(
        Cause.PDB_CONTROLLER,
        () -> {
          for (String key : work) {
            String[] nsName = key.split("/", 2);
            PodDisruptionBudget pdb = store.get(ResourceTypes.PDBS, nsName[0], nsName[1]);
            if (pdb != null) {
              refresh(pdb);
            }
          }
        });
  }

  private void refresh(PodDisruptionBudget pdb) {
    Disruption.Health h = pdbs.health(pdb);
    PodDisruptionBudgetStatus old = pdb.getStatus();
    if (old != null
        && Objects.equals(old.getCurrentHealthy(), h.currentHealthy())
        && Objects.equals(old.getDesiredHealthy(), h.desiredHealthy())
        && Objects.equals(old.getExpectedPods(), h.expectedPods())
        && Objects.equals(old.getDisruptionsAllowed(), h.disruptionsAllowed())) {
      return;
    }
    String now = ClusterStore.timestamp(store.clock().now());
    store.<PodDisruptionBudget>modify(
        ResourceTypes.PDBS,
        pdb.getMetadata().getNamespace(),
        pdb.getMetadata().getName(),
        p -> {
          PodDisruptionBudgetStatus s = p.getStatus() == null ? new PodDisruptionBudgetStatus() : p.getStatus();
          s.setCurrentHealthy(h.currentHealthy());
          s.setDesiredHealthy(h.desiredHealthy());
          s.setExpectedPods(h.expectedPods());
          s.setDisruptionsAllowed(h.disruptionsAllowed());
          s.setObservedGeneration(p.getMetadata().getGeneration());
          boolean allowed = h.disruptionsAllowed() > 0;
          String status = allowed ? "True" : "False";
          Condition prev =
              s.getConditions() == null
                  ? null
                  : s.getConditions().stream()
                      .filter(c -> "DisruptionAllowed".equals(c.getType()))
                      .findFirst()
                      .orElse(null);
          String since = prev != null && status.equals(prev.getStatus()) ? prev.getLastTransitionTime() : now;
          s.setConditions(
              List.of(
                  new ConditionBuilder()
                      .withType("DisruptionAllowed")
                      .withStatus(status)
                      .withReason(allowed ? "SufficientPods" : "InsufficientPods")
                      .withMessage("")
                      .withLastTransitionTime(since)
                      .withObservedGeneration(p.getMetadata().getGeneration())
                      .build()));
          p.setStatus(s);
        });
  }
}
