package dev.rotator.core.engine;

import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which pending nodes to start next so that the nodes draining at once do not queue behind the same
 * PodDisruptionBudget ({@code policy.speed.drainabilityOrder}).
 *
 * <p>A PDB lets {@code capacity} of its pods be away at once ({@code expectedPods - desiredHealthy}, at least 1); its
 * other pods on draining nodes wait their turn, each turn as long as a replacement pod takes to become Ready. Pods of
 * one Deployment often sit on neighbouring nodes (they were scheduled together), so starting nodes in name or
 * creation order can put many pods of one single-disruption PDB in flight at once, and those nodes then drain one
 * pod start after another. For every candidate node this class computes its <em>queue</em>: over the PDBs covering
 * its Ready pods to evict, the largest {@code (pods of that PDB already on in-flight nodes + 1 if the PDB allows
 * nothing now) / capacity}. It picks the candidate with the smallest queue (then the smallest sum over its PDBs, then
 * the selection order), adds its pods to the in-flight load, and repeats for the free slots.
 *
 * <p>Only the engine's thread uses it. Which PDBs cover a pod comes from a {@link PdbMatcher}.
 */
final class SpreadOrder {

  private final PdbMatcher matcher = new PdbMatcher();

  /** Starts a round with this round's PDBs. */
  void observe(List<PdbInfo> pdbs) {
    matcher.observe(pdbs);
  }

  /** The PDBs (namespace/name) covering {@code pod}. */
  List<String> keysOf(PodInfo pod) {
    return matcher.keysOf(pod);
  }

  /** Adds, to {@code load}, the pods of {@code pods} that will wait on a PDB: Ready, not terminating, to evict. */
  void addLoad(List<PodInfo> pods, PodClassifier classifier, Map<String, Integer> load) {
    for (String k : keysToEvict(pods, classifier)) {
      load.merge(k, 1, Integer::sum);
    }
  }

  /** The PDB keys of a node's Ready pods to evict, once per pod (a key repeats for several pods of one PDB). */
  List<String> keysToEvict(List<PodInfo> pods, PodClassifier classifier) {
    List<String> out = new ArrayList<>();
    for (PodInfo p : pods) {
      if (p.ready() && !p.terminating() && classifier.classify(p) == PodClassifier.Kind.EVICT) {
        out.addAll(keysOf(p));
      }
    }
    return out;
  }

  /**
   * Picks up to {@code slots} candidates, best first (see the class comment). {@code candidates} holds each
   * candidate's PDB keys as from {@link #keysToEvict}; {@code load} (changed in place) the pods per PDB already on
   * in-flight nodes. Returns indices into {@code candidates}.
   */
  List<Integer> pick(List<List<String>> candidates, Map<String, Integer> load, int slots) {
    List<Integer> picked = new ArrayList<>();
    boolean[] taken = new boolean[candidates.size()];
    for (int round = 0; round < slots && picked.size() < candidates.size(); round++) {
      int best = -1;
      double bestMax = 0;
      double bestSum = 0;
      for (int i = 0; i < candidates.size(); i++) {
        if (taken[i]) {
          continue;
        }
        double max = 0;
        double sum = 0;
        for (String k : candidates.get(i)) {
          double q = queue(k, load);
          max = Math.max(max, q);
          sum += q;
        }
        if (best < 0 || max < bestMax || (max == bestMax && sum < bestSum)) {
          best = i;
          bestMax = max;
          bestSum = sum;
        }
      }
      taken[best] = true;
      picked.add(best);
      for (String k : candidates.get(best)) {
        load.merge(k, 1, Integer::sum);
      }
    }
    return picked;
  }

  /** How many turns a further pod of PDB {@code key} would wait: pods ahead of it (and a closed budget) per slot. */
  private double queue(String key, Map<String, Integer> load) {
    PdbInfo pdb = matcher.pdb(key);
    if (pdb == null) {
      return 0;
    }
    int capacity = Math.max(1, pdb.expectedPods() - pdb.desiredHealthy());
    int ahead = load.getOrDefault(key, 0) + (pdb.disruptionsAllowed() < 1 ? 1 : 0);
    return (double) ahead / capacity;
  }

  /** Pods whose PDB matches are remembered (tests: only the pods asked about in this round). */
  int cachedPods() {
    return matcher.cachedPods();
  }
}
