package dev.rotator.core.engine;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which PodDisruptionBudgets cover a pod, one engine round at a time: a pod is matched against the PDBs of its own
 * namespace only, and the answer is remembered for the next round while the pod's labels and the PDBs' selectors
 * stay the same. Only the pods asked about in the last round are remembered, so the memory follows the round's
 * work, not the cluster's size. Only the engine's thread uses it.
 */
final class PdbMatcher {
  private record Covering(Map<String, String> labels, List<String> keys) {}

  private Map<String, LabelSelector> selectors = Map.of();
  private Map<String, List<PdbInfo>> byNamespace = Map.of();
  private Map<String, PdbInfo> byKey = Map.of();
  private Map<PodRef, Covering> previous = new HashMap<>();
  private Map<PodRef, Covering> current = new HashMap<>();

  /**
   * Starts a round with this round's PDBs. Returns whether the PDBs' set or selectors changed since the last
   * round (then every pod is matched again).
   */
  boolean observe(List<PdbInfo> pdbs) {
    Map<String, LabelSelector> sel = new HashMap<>();
    Map<String, List<PdbInfo>> ns = new HashMap<>();
    Map<String, PdbInfo> keys = new HashMap<>();
    for (PdbInfo pdb : pdbs) {
      String key = pdb.toString();
      sel.put(key, pdb.selector());
      keys.put(key, pdb);
      ns.computeIfAbsent(pdb.namespace(), k -> new ArrayList<>()).add(pdb);
    }
    boolean changed = !sel.equals(selectors);
    previous = changed ? new HashMap<>() : current;
    current = new HashMap<>();
    selectors = sel;
    byNamespace = ns;
    byKey = keys;
    return changed;
  }

  /** The PDBs (namespace/name) covering {@code pod} among this round's. */
  List<String> keysOf(PodInfo pod) {
    Covering c = current.get(pod.ref());
    if (c == null) {
      c = previous.get(pod.ref());
    }
    if (c == null || !c.labels().equals(pod.labels())) {
      List<String> keys = new ArrayList<>(1);
      for (PdbInfo pdb : byNamespace.getOrDefault(pod.ref().namespace(), List.of())) {
        if (pdb.covers(pod)) {
          keys.add(pdb.toString());
        }
      }
      c = new Covering(pod.labels(), keys.isEmpty() ? List.of() : List.copyOf(keys));
    }
    current.put(pod.ref(), c);
    return c.keys();
  }

  /** This round's PDB by key, or null. */
  PdbInfo pdb(String key) {
    return byKey.get(key);
  }

  /** Pods asked about since the round started (what the next round will remember). */
  int cachedPods() {
    return current.size();
  }
}
