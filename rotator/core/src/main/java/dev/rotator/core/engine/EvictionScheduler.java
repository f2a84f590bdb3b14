package dev.rotator.core.engine;

import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PDB-aware eviction scheduling ({@code policy.speed.pdbAwareEvictions}): one engine round's due evictions of
 * every draining node, allocated against the PodDisruptionBudgets' {@code status.disruptionsAllowed}, oldest
 * waiter first.
 *
 * <p>Per round: each PDB's budget is its {@code disruptionsAllowed}. The candidates are taken in order of how long
 * they have waited (their node's drain start, then the node and pod order); a candidate whose covering PDBs all
 * have budget left is sent and takes one from each; one covered by a PDB with none left is held: no request this
 * round, no backoff, retried next round. A pod no PDB covers, and a pod that is not Ready (the API server lets it
 * go while the budget's healthy count is met, without using a disruption), is always sent. The Eviction API still
 * decides every request; this only avoids sending requests the budget's status already refuses, and keeps a pod
 * that keeps losing the race for a one-disruption budget from starving behind pods on a shorter backoff.
 *
 * <p>Also remembers, per PDB, when its status last showed a disruption to spare: a PDB held hostage by pods not
 * Ready for longer than {@code unhealthyPodEviction.after} has shown none for at least that long, so the hostage
 * check of held pods ({@link #hostageCheckDue}) runs only for such PDBs, not for every budget that is merely busy.
 *
 * <p>Only the engine's thread uses it. Which PDBs cover a pod comes from a {@link PdbMatcher} (it remembers only
 * this round's candidates).
 */
final class EvictionScheduler {

  /** One due eviction: a pod of a draining node. {@code order} breaks ties between equal waits. */
  record Candidate(NodeTrack track, PodInfo pod, Instant waitingSince, long order) {}

  /** The round's decision: pods to send now, and held pods with the PDB that holds each. */
  record Allocation(List<Candidate> send, List<Held> held) {}

  /** A candidate not sent this round because {@code pdb} allows no (more) disruption now. */
  record Held(Candidate candidate, PdbInfo pdb) {}

  private final PdbMatcher matcher = new PdbMatcher();
  private final Map<String, Instant> lastOpen = new HashMap<>();
  private final Map<String, Instant> lastHostageCheck = new HashMap<>();

  /**
   * Allocates this round's budgets. {@code pdbs} null means the PDBs could not be read: everything is sent (the
   * Eviction API decides, as without this scheduler).
   */
  Allocation allocate(List<Candidate> candidates, List<PdbInfo> pdbs, Instant now) {
    List<Candidate> ordered = new ArrayList<>(candidates);
    ordered.sort(Comparator.comparing(Candidate::waitingSince).thenComparingLong(Candidate::order));
    if (pdbs == null) {
      return new Allocation(ordered, List.of());
    }
    Map<String, PdbInfo> byKey = observe(pdbs, now);
    Map<String, Integer> budget = new HashMap<>();
    List<Candidate> send = new ArrayList<>();
    List<Held> held = new ArrayList<>();
    for (Candidate c : ordered) {
      List<String> keys = matcher.keysOf(c.pod());
      if (keys.isEmpty() || !c.pod().ready()) {
        send.add(c);
        continue;
      }
      PdbInfo blocking = null;
      for (String k : keys) {
        PdbInfo pdb = byKey.get(k);
        if (budget.computeIfAbsent(k, x -> Math.max(0, pdb.disruptionsAllowed())) < 1) {
          blocking = pdb;
          break;
        }
      }
      if (blocking != null) {
        held.add(new Held(c, blocking));
        continue;
      }
      for (String k : keys) {
        budget.merge(k, -1, Integer::sum);
      }
      send.add(c);
    }
    return new Allocation(send, held);
  }

  /** Starts the round's matching and records which PDBs show a disruption to spare. */
  private Map<String, PdbInfo> observe(List<PdbInfo> pdbs, Instant now) {
    Map<String, PdbInfo> byKey = new HashMap<>();
    for (PdbInfo pdb : pdbs) {
      byKey.put(pdb.toString(), pdb);
      if (pdb.disruptionsAllowed() > 0) {
        lastOpen.put(pdb.toString(), now);
      }
    }
    if (matcher.observe(pdbs)) {
      lastOpen.keySet().retainAll(byKey.keySet());
      lastHostageCheck.keySet().retainAll(byKey.keySet());
    }
    return byKey;
  }

  /**
   * Whether a pod held by {@code pdb} should be checked for a hostage PDB now: the PDB has shown no disruption to
   * spare for at least {@code after} (or never, since this run began looking at it), and it was not checked in
   * the last {@code every}. A PDB whose pods are merely starting up shows a spare disruption again within their
   * startup, so it is never listed for this.
   */
  boolean hostageCheckDue(PdbInfo pdb, Instant now, Duration after, Duration every) {
    String key = pdb.toString();
    Instant open = lastOpen.get(key);
    if (open != null && now.isBefore(open.plus(after))) {
      return false;
    }
    Instant checked = lastHostageCheck.get(key);
    if (checked != null && now.isBefore(checked.plus(every))) {
      return false;
    }
    lastHostageCheck.put(key, now);
    return true;
  }

  /** The covering-PDB cache size (tests: it keeps only the current candidates). */
  int cachedPods() {
    return matcher.cachedPods();
  }
}
