package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.LabelSelector;
import dev.rotator.core.model.OwnerKind;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SpreadOrderTest {
  private final PodClassifier classifier = new PodClassifier(TestWorld.policy(1, 0));

  /** A PDB over app=name allowing {@code capacity} disruptions when all healthy, {@code allowed} now. */
  private static PdbInfo pdb(String app, int pods, int capacity, int allowed) {
    return new PdbInfo("ns", app + "-pdb", LabelSelector.of(Map.of("app", app)), null, String.valueOf(capacity),
        allowed, pods, pods - capacity, pods);
  }

  private static PodInfo pod(String app, String name, boolean ready) {
    return new PodInfo(new PodRef("ns", name), "n", Map.of("app", app), OwnerKind.REPLICA_SET, app, false, false,
        ready, "Running", false, false);
  }

  @Test
  @DisplayName("picks the node whose PDBs have the least queue on in-flight nodes, per allowed disruption")
  void spreadsAcrossPdbs() {
    SpreadOrder s = new SpreadOrder();
    s.observe(List.of(pdb("web", 40, 1, 1), pdb("api", 40, 4, 4)));
    Map<String, Integer> load = new HashMap<>();
    // In flight: two nodes, each with a web pod (single-disruption PDB).
    s.addLoad(List.of(pod("web", "w1", true)), classifier, load);
    s.addLoad(List.of(pod("web", "w2", true)), classifier, load);
    assertEquals(2, load.get("ns/web-pdb"));

    List<List<String>> candidates = new ArrayList<>();
    candidates.add(s.keysToEvict(List.of(pod("web", "w3", true)), classifier)); // queue 2/1
    candidates.add(s.keysToEvict(List.of(pod("api", "a1", true)), classifier)); // queue 0/4
    candidates.add(s.keysToEvict(List.of(pod("other", "o1", true)), classifier)); // no PDB: queue 0

    List<Integer> picked = s.pick(candidates, load, 3);

    assertEquals(List.of(1, 2, 0), picked, "the web node last: two web pods are already queued");
  }

  @Test
  @DisplayName("a pick adds its pods to the load: two nodes sharing a one-disruption PDB are not picked together")
  void pickUpdatesLoad() {
    SpreadOrder s = new SpreadOrder();
    s.observe(List.of(pdb("web", 10, 1, 1), pdb("db", 3, 1, 1)));
    Map<String, Integer> load = new HashMap<>();
    List<List<String>> candidates = List.of(
        s.keysToEvict(List.of(pod("web", "w1", true)), classifier),
        s.keysToEvict(List.of(pod("web", "w2", true)), classifier),
        s.keysToEvict(List.of(pod("db", "d1", true)), classifier));

    assertEquals(List.of(0, 2), s.pick(candidates, load, 2));
  }

  @Test
  @DisplayName("a PDB allowing nothing now counts as one pod ahead; not-Ready and DaemonSet pods do not queue")
  void closedBudgetAndIgnoredPods() {
    SpreadOrder s = new SpreadOrder();
    s.observe(List.of(pdb("web", 10, 1, 0), pdb("api", 10, 1, 1)));
    Map<String, Integer> load = new HashMap<>();
    PodInfo daemon = new PodInfo(new PodRef("ns", "ds"), "n", Map.of("app", "api"), OwnerKind.DAEMON_SET, "ds",
        false, false, true, "Running", false, false);
    List<List<String>> candidates = List.of(
        s.keysToEvict(List.of(pod("web", "w1", true)), classifier),
        s.keysToEvict(List.of(pod("api", "a1", false), daemon), classifier));

    assertTrue(candidates.get(1).isEmpty(), "not Ready and DaemonSet pods wait on no PDB: " + candidates.get(1));
    assertEquals(List.of(1, 0), s.pick(candidates, load, 2));
  }

  @Test
  @DisplayName("equal queues keep the selection order")
  void tiesKeepOrder() {
    SpreadOrder s = new SpreadOrder();
    s.observe(List.of(pdb("web", 10, 2, 2)));
    List<List<String>> candidates = List.of(List.of(), List.of(), List.of());
    assertEquals(List.of(0, 1, 2), s.pick(candidates, new HashMap<>(), 5));
  }

  @Test
  @DisplayName("the PDB match cache keeps only the pods asked about in the current round")
  void cacheBounded() {
    SpreadOrder s = new SpreadOrder();
    s.observe(List.of(pdb("web", 10, 1, 1)));
    for (int i = 0; i < 100; i++) {
      s.keysOf(pod("web", "w" + i, true));
    }
    assertEquals(100, s.cachedPods());
    s.observe(List.of(pdb("web", 10, 1, 1)));
    s.keysOf(pod("web", "w0", true));
    assertEquals(1, s.cachedPods());
    s.observe(List.of(pdb("web", 10, 1, 1), pdb("api", 5, 1, 1)));
    assertEquals(0, s.cachedPods());
    assertEquals(List.of("ns/api-pdb"), s.keysOf(pod("api", "a", true)));
  }
}
