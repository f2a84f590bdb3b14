package dev.rotator.core.pool;

import dev.rotator.core.engine.Backoff;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.MaintenanceWindow;
import dev.rotator.core.engine.PodClassifier;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.RotationEvent;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.NodePool;
import dev.rotator.provider.NodePoolProvider;
import dev.rotator.provider.QuotaHeadroom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Red/Black (blue/green) node-pool switch. One run:
 *
 * <ol>
 *   <li>Read the mode and the persisted switch record. A switch in progress is resumed in its state; a frozen
 *       mode stops here (or, with {@code rollbackOnFreeze}, rolls the switch in progress back).
 *   <li>New switch (PLANNED): describe the old pool, derive the new one (the changes applied, labels, taints and
 *       zones carried over, the old pool's size or the configured one) and check the quota headroom for the
 *       <em>whole</em> new pool: short of it, refuse with CLOUD_QUOTA and the numbers, having changed nothing.
 *   <li>NEW_POOL_CREATING: behind the gate, create the pool; wait until as many of its nodes as its size are
 *       Ready and the gate passes (NEW_POOL_READY), within {@code policy.replacementTimeout}.
 *   <li>OLD_POOL_TAINTED: behind the gate, taint every old node {@code PreferNoSchedule} and cordon it.
 *   <li>DRAINING: drain the old nodes through the Eviction API, at most {@code policy.maxUnavailable} at once,
 *       a new node starting only when the gate passes and {@code policy.soak} has passed since the last drained
 *       one; a node's drain is bounded by {@code policy.drainTimeout}.
 *   <li>OLD_POOL_DELETING, behind the gate: delete the drained old Nodes, then the pool (repeated until the cloud
 *       says it is gone); OLD_POOL_DELETED; DONE.
 * </ol>
 *
 * <p>Rollback (a human's {@code rotator rollback}, or automatic on a freeze with {@code rollbackOnFreeze}):
 * possible until OLD_POOL_DELETING. ROLLING_BACK removes the taint from the old nodes and uncordons them, then
 * cordons and drains the new pool's nodes (same PDB-respecting drain, not gated: the gate failing is usually
 * why it runs) and deletes the new pool; ROLLED_BACK.
 *
 * <p>What it never does: delete a pod (only evictions, 429 retried with backoff); take a disruptive step of the
 * forward switch while the gate fails or waits or after FREEZE was read; create the new pool without quota for
 * all of it; delete the old pool before every node of it is drained; roll back once the old pool is being
 * deleted. Every state is persisted before its first action and every action is idempotent (creating a pool
 * that exists, tainting a tainted node, deleting a deleted pool are success), so a crashed run resumes.
 *
 * <p>Single-threaded; time from the injected clock.
 */
public final class PoolSwitch {
  private static final Logger LOG = LoggerFactory.getLogger(PoolSwitch.class);
  /** Consecutive gate WAITs (or failed API reads) before a wait gives up: every loop is bounded. */
  static final int MAX_WAITS = 1000;
  /** Assumed time from pool creation to Ready nodes, for the plan's estimate. */
  static final Duration ASSUMED_PROVISIONING = Duration.ofMinutes(5);
  /** Assumed time for an evicted pod's replacement to be Ready, for the plan's estimate. */
  static final Duration ASSUMED_POD_STARTUP = Duration.ofSeconds(30);
  static final String BY = "rotator";

  private final Ports ports;
  private final NodePoolProvider pools;
  private final RotationPolicy policy;
  private final PoolSwitchSpec spec;
  private final PodClassifier classifier;
  private final List<PoolSwitchListener> listeners = new ArrayList<>();

  /** Hears about state changes and messages (the CLI prints them). */
  public interface PoolSwitchListener {
    default void onState(PoolSwitchRecord record) {}

    default void onInfo(String message) {}
  }

  public PoolSwitch(Ports ports, NodePoolProvider pools, RotationPolicy policy, PoolSwitchSpec spec) {
    this.ports = ports;
    this.pools = pools;
    this.policy = policy;
    this.spec = spec;
    this.classifier = new PodClassifier(policy);
  }

  public void addListener(PoolSwitchListener l) {
    listeners.add(l);
  }

  /** What a switch would do now; changes nothing. Throws PERMANENT when the pool does not exist. */
  public PoolPlan plan() {
    PoolSwitchRecord inProgress = ports.store().poolSwitch().filter(r -> !r.state().terminal()).orElse(null);
    NodePool old = requirePool(spec.pool());
    int size = spec.size().orElse(old.size());
    NodePool target = old.derive(spec.newPoolName(), spec.changes(), size);
    QuotaHeadroom quota = pools.quotaFor(target, old, size);
    List<NodeInfo> oldNodes = nodesOf(spec.pool(), ports.cluster().nodes());
    List<PdbInfo> pdbs = ports.cluster().pdbs();
    Set<String> blockers = new TreeSet<>();
    List<String> refused = new ArrayList<>();
    int worstPerNode = 0;
    for (NodeInfo n : oldNodes) {
      Map<String, Integer> perPdb = new HashMap<>();
      for (PodInfo p : ports.cluster().podsOnNode(n.name())) {
        switch (classifier.classify(p)) {
          case REFUSE -> refused.add(classifier.refusal(p));
          case EVICT -> {
            for (PdbInfo pdb : pdbs) {
              if (pdb.covers(p)) {
                perPdb.merge(pdb.toString(), 1, Integer::sum);
                if (pdb.disruptionsAllowed() < 1 && p.ready()) {
                  blockers.add(pdb + " (disruptionsAllowed " + pdb.disruptionsAllowed() + ", healthy "
                      + pdb.currentHealthy() + "/" + pdb.desiredHealthy() + ")");
                }
              }
            }
          }
          case IGNORE -> {}
        }
      }
      for (int v : perPdb.values()) {
        worstPerNode = Math.max(worstPerNode, v);
      }
    }
    int parallel = Math.max(1, policy.maxUnavailable());
    int waves = (oldNodes.size() + parallel - 1) / parallel;
    Duration perNode = ASSUMED_POD_STARTUP.multipliedBy(Math.max(1, worstPerNode));
    Duration estimate = ASSUMED_PROVISIONING.plus(perNode.multipliedBy(waves))
        .plus(policy.soak().multipliedBy(Math.max(0, oldNodes.size() - 1)));
    String basis = "~" + ASSUMED_PROVISIONING.toMinutes() + "m provisioning + " + waves + " drain wave(s) of "
        + parallel + " node(s) (maxUnavailable) x ~" + perNode.toSeconds() + "s (" + Math.max(1, worstPerNode)
        + " pod(s) of one PDB on a node x ~" + ASSUMED_POD_STARTUP.toSeconds() + "s startup)"
        + (policy.soak().isZero() ? "" : " + soak " + policy.soak().toSeconds() + "s between nodes");
    return new PoolPlan(old, target, oldNodes.stream().map(NodeInfo::name).toList(), old.size() + size, quota,
        List.copyOf(blockers), refused, estimate, basis, inProgress);
  }

  /** Starts a switch, or resumes the one in progress. */
  public PoolSwitchResult run(String runId) throws InterruptedException {
    return new Run(runId, true).switchPools();
  }

  /** Rolls back the switch in progress (a human's {@code rotator rollback}); refused once the old pool is deleted. */
  public PoolSwitchResult rollback(String runId, String by) throws InterruptedException {
    return new Run(runId, false).humanRollback(by);
  }

  private NodePool requirePool(String name) {
    return pools.pool(name).orElseThrow(() -> new CloudException(CloudException.Kind.PERMANENT,
        "node pool " + name + " does not exist at provider " + ports.cloud().name()));
  }

  /** The cluster's nodes that belong to a pool, by their providerID, in name order. */
  private List<NodeInfo> nodesOf(String pool, List<NodeInfo> nodes) {
    return nodes.stream()
        .filter(n -> ports.cloud().instanceOf(n.providerId()).map(r -> r.groupId().equals(pool)).orElse(false))
        .sorted(java.util.Comparator.comparing(NodeInfo::name))
        .toList();
  }

  /** Stops the run: freeze (forward) with a reason and evidence. */
  private static final class Stop extends Exception {
    final ReasonCode reason;
    final List<String> evidence;

    Stop(ReasonCode reason, String message, List<String> evidence) {
      super(message, null, false, false);
      this.reason = reason;
      this.evidence = List.copyOf(evidence);
    }
  }

  /** One node being drained. */
  private static final class Drain {
    final String node;
    final Instant started;
    final Map<PodRef, Instant> nextEviction = new HashMap<>();
    final Map<PodRef, Integer> attempts = new HashMap<>();
    final Map<PodRef, List<String>> blockedBy = new HashMap<>();

    Drain(String node, Instant started) {
      this.node = node;
      this.started = started;
    }
  }

  private final class Run {
    private final String runId;
    private final boolean gated;
    private final Backoff backoff;
    private PoolSwitchRecord rec;
    private GateDecision roundGate;

    Run(String runId, boolean gated) {
      this.runId = runId;
      this.gated = gated;
      this.backoff = new Backoff(policy.evictionBackoffInitial(), policy.evictionBackoffMax(),
          new Random(runId.hashCode()));
    }

    PoolSwitchResult switchPools() throws InterruptedException {
      ModeState mode;
      try {
        mode = ports.store().mode();
      } catch (RuntimeException e) {
        return result(PoolSwitchResult.Outcome.FROZEN, ReasonCode.API_UNAVAILABLE,
            "cannot read the persisted mode, refusing to switch pools: " + e.getMessage(), List.of());
      }
      PoolSwitchRecord last = ports.store().poolSwitch().orElse(null);
      rec = last != null && !last.state().terminal() ? last : null;
      if (last != null && last.state() == PoolSwitchState.DONE && last.oldPool().equals(spec.pool())
          && pools.pool(spec.pool()).isEmpty()) {
        // The CronJob running again after the switch: nothing left to do until the config names the new pool.
        return new PoolSwitchResult(PoolSwitchResult.Outcome.NOTHING_TO_DO, null,
            "pool " + last.oldPool() + " was already switched to " + last.newPool() + " (" + last.updatedAt()
                + "); set nodePool.pool to " + last.newPool() + " for the next switch", List.of(), last);
      }
      if (rec != null && !rec.oldPool().equals(spec.pool())) {
        return result(PoolSwitchResult.Outcome.REFUSED, null,
            "a switch of pool " + rec.oldPool() + " to " + rec.newPool() + " is in progress (" + rec.state()
                + "); finish it (rotator run with that pool configured) or roll it back (rotator rollback) first",
            List.of());
      }
      if (rec != null && rec.state() == PoolSwitchState.ROLLING_BACK) {
        // A rollback was decided before the crash: finish it, whatever the mode.
        return rollbackNow(rec.detail(), null, List.of());
      }
      if (mode.frozen()) {
        String msg = "rotator is frozen (" + mode.reason() + " by " + mode.by() + "): " + mode.message();
        if (rec != null && spec.rollbackOnFreeze() && rec.state().rollbackPossible()) {
          return rollbackNow(msg, reasonOf(mode), mode.evidence());
        }
        return result(PoolSwitchResult.Outcome.FROZEN, reasonOf(mode),
            msg + "; run 'rotator resume' after checking the runbook"
                + (rec == null ? "" : " (switch " + rec.oldPool() + " -> " + rec.newPool() + " stays " + rec.state() + ")"),
            mode.evidence());
      }
      if (rec == null) {
        Instant now = ports.clock().now();
        if (!MaintenanceWindow.allows(policy.maintenanceWindows(), now)) {
          return result(PoolSwitchResult.Outcome.OUTSIDE_WINDOW, null,
              MaintenanceWindow.outsideMessage(policy.maintenanceWindows(), now), List.of());
        }
        PoolSwitchResult refused = start();
        if (refused != null) {
          return refused;
        }
      } else {
        info("resuming the switch " + rec.oldPool() + " -> " + rec.newPool() + " in state " + rec.state());
      }
      try {
        forward();
      } catch (Stop s) {
        ModeState persisted = freeze(s);
        if (spec.rollbackOnFreeze() && rec.state().rollbackPossible()) {
          return rollbackNow("frozen (" + s.reason + "): " + s.getMessage(), s.reason, s.evidence);
        }
        return result(PoolSwitchResult.Outcome.FROZEN, s.reason, s.getMessage()
            + (persisted == null ? " (could not persist the freeze)" : "")
            + "; the switch stays " + rec.state() + ": resume it with 'rotator run' after 'rotator resume', or undo it"
            + " with 'rotator rollback'", s.evidence);
      } catch (ClusterException e) {
        Stop s = new Stop(ReasonCode.API_UNAVAILABLE, "Kubernetes API: " + e.getMessage(), List.of());
        freeze(s);
        return result(PoolSwitchResult.Outcome.FROZEN, s.reason, s.getMessage(), s.evidence);
      } catch (CloudException e) {
        Stop s = cloudStop("pool switch", e);
        freeze(s);
        if (spec.rollbackOnFreeze() && rec.state().rollbackPossible()) {
          return rollbackNow("frozen (" + s.reason + "): " + s.getMessage(), s.reason, s.evidence);
        }
        return result(PoolSwitchResult.Outcome.FROZEN, s.reason, s.getMessage(), s.evidence);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return result(PoolSwitchResult.Outcome.INTERRUPTED, null,
            "interrupted in state " + rec.state() + "; the next run resumes from there", List.of());
      }
      String msg = "switched pool " + rec.oldPool() + " to " + rec.newPool() + " (" + rec.newPoolSize() + " node(s)) in "
          + Duration.between(rec.startedAt(), ports.clock().now()).toSeconds() + "s";
      ports.notifier().notify(event(RotationEvent.Type.FINISHED, null, msg, List.of()));
      return result(PoolSwitchResult.Outcome.COMPLETED, null, msg, List.of());
    }

    /** Checks and records a new switch (PLANNED); a result when refused, else null. */
    private PoolSwitchResult start() {
      Optional<NodePool> found;
      try {
        found = pools.pool(spec.pool());
      } catch (CloudException e) {
        Stop s = cloudStop("describing pool " + spec.pool(), e);
        return result(PoolSwitchResult.Outcome.REFUSED, s.reason, s.getMessage(), s.evidence);
      }
      if (found.isEmpty()) {
        return result(PoolSwitchResult.Outcome.REFUSED, ReasonCode.CLOUD_ERROR,
            "node pool " + spec.pool() + " does not exist at provider " + ports.cloud().name()
                + " (after a completed switch, set nodePool.pool to the new pool's name)", List.of());
      }
      NodePool old = found.get();
      String newName = spec.newPoolName();
      if (spec.changes().isEmpty() && spec.size().isEmpty()) {
        return result(PoolSwitchResult.Outcome.NOTHING_TO_DO, null,
            "nodePool.changes is empty: a new pool would be identical to " + old.name(), List.of());
      }
      if (pools.pool(newName).isPresent()) {
        return result(PoolSwitchResult.Outcome.REFUSED, ReasonCode.CLOUD_ERROR,
            "node pool " + newName + " exists already and no switch to it is recorded: delete it, or name another"
                + " new pool (nodePool.newPool)", List.of());
      }
      int size = spec.size().orElse(old.size());
      NodePool target = old.derive(newName, spec.changes(), size);
      QuotaHeadroom q;
      try {
        q = pools.quotaFor(target, old, size);
      } catch (CloudException e) {
        Stop s = cloudStop("quota headroom for pool " + newName, e);
        return result(PoolSwitchResult.Outcome.REFUSED, s.reason, s.getMessage(), s.evidence);
      }
      if (!q.sufficient()) {
        List<String> evidence = List.of(
            "new pool " + newName + ": " + size + " x " + target.machineType() + " = " + q.needed() + " " + q.unit(),
            "quota headroom: " + q.available() + " " + q.unit() + (q.detail().isEmpty() ? "" : " (" + q.detail() + ")"),
            "a pool switch runs both pools at once: up to " + (old.size() + size) + " instances at the peak");
        String msg = "refusing to switch pool " + old.name() + " to " + newName + ": not enough quota for the whole new"
            + " pool (" + q.needed() + " " + q.unit() + " needed, " + q.available() + " available); nothing was changed";
        ports.notifier().notify(event(RotationEvent.Type.ERROR, ReasonCode.CLOUD_QUOTA, msg, evidence));
        return result(PoolSwitchResult.Outcome.REFUSED, ReasonCode.CLOUD_QUOTA, msg, evidence);
      }
      Instant now = ports.clock().now();
      rec = new PoolSwitchRecord(runId, old.name(), newName, PoolSwitchState.PLANNED, now, now, size, List.of(),
          List.of(), null, "switch " + old.name() + " -> " + newName + " (" + spec.changes() + "), " + size
              + " node(s); quota: " + q);
      save();
      ports.notifier().notify(event(RotationEvent.Type.STARTED, null, rec.detail(), List.of()));
      info(rec.detail());
      return null;
    }

    private void forward() throws Stop, InterruptedException {
      for (int step = 0; step < PoolSwitchState.values().length * 2 && !rec.state().terminal(); step++) {
        switch (rec.state()) {
          case PLANNED -> {
            awaitGate("create node pool " + rec.newPool());
            transition(PoolSwitchState.NEW_POOL_CREATING, "creating node pool " + rec.newPool());
          }
          case NEW_POOL_CREATING -> {
            createNewPool();
            awaitNewPool();
            transition(PoolSwitchState.NEW_POOL_READY, rec.newPoolSize() + " node(s) of " + rec.newPool()
                + " Ready and the gate passed");
          }
          case NEW_POOL_READY -> {
            awaitGate("taint and cordon the nodes of pool " + rec.oldPool());
            List<NodeInfo> old = nodesOf(rec.oldPool(), readNodes());
            for (NodeInfo n : old) {
              taintAndCordon(n.name());
            }
            rec = rec.withOldNodes(old.stream().map(NodeInfo::name).toList());
            transition(PoolSwitchState.OLD_POOL_TAINTED, old.size() + " node(s) of " + rec.oldPool()
                + " tainted " + RotationPolicy.OUTDATED_TAINT + ":PreferNoSchedule and cordoned");
          }
          case OLD_POOL_TAINTED -> transition(PoolSwitchState.DRAINING, "draining " + rec.oldPool());
          case DRAINING -> {
            drainPool(rec.oldPool());
            transition(PoolSwitchState.OLD_POOL_DELETING, "every node of " + rec.oldPool() + " drained; deleting it");
          }
          case OLD_POOL_DELETING -> {
            awaitGate("delete node pool " + rec.oldPool());
            deletePool(rec.oldPool(), true);
            transition(PoolSwitchState.OLD_POOL_DELETED, "node pool " + rec.oldPool() + " deleted");
          }
          case OLD_POOL_DELETED -> transition(PoolSwitchState.DONE,
              "switch done: pool " + rec.newPool() + " replaced " + rec.oldPool());
          default -> throw new IllegalStateException("forward switch in state " + rec.state());
        }
      }
    }

    private void createNewPool() throws Stop {
      NodePool old;
      try {
        if (pools.pool(rec.newPool()).isPresent()) {
          info("node pool " + rec.newPool() + " exists (created before a restart)");
          return;
        }
        old = requirePool(rec.oldPool());
        pools.createPool(old.derive(rec.newPool(), spec.changes(), rec.newPoolSize()), old);
      } catch (CloudException e) {
        // RETRYABLE too: the provider already retried; the next run retries from NEW_POOL_CREATING.
        throw cloudStop("creating node pool " + rec.newPool(), e);
      }
      info("created node pool " + rec.newPool() + " (" + rec.newPoolSize() + " node(s), " + spec.changes() + ")");
    }

    /** Until the new pool has its size in Ready nodes and the gate passes; bounded by replacementTimeout. */
    private void awaitNewPool() throws Stop, InterruptedException {
      Instant since = rec.updatedAt();
      for (int i = 0; i < MAX_WAITS; i++) {
        checkMode();
        List<NodeInfo> fresh = nodesOf(rec.newPool(), readNodes());
        long ready = fresh.stream().filter(NodeInfo::ready).count();
        if (ready >= rec.newPoolSize()) {
          roundGate = null;
          if (gateAllows("use node pool " + rec.newPool())) {
            return;
          }
        } else {
          detail(ready + "/" + rec.newPoolSize() + " node(s) of " + rec.newPool() + " Ready");
        }
        Instant now = ports.clock().now();
        if (Duration.between(since, now).compareTo(policy.replacementTimeout()) > 0) {
          throw new Stop(ReasonCode.REPLACEMENT_NOT_READY,
              "new node pool " + rec.newPool() + " not Ready within " + policy.replacementTimeout().toSeconds() + "s",
              List.of("pool " + rec.newPool() + ": " + ready + " Ready node(s) of " + rec.newPoolSize() + " ("
                  + fresh.size() + " registered)"));
        }
        ports.clock().sleep(policy.pollInterval());
      }
      throw new Stop(ReasonCode.REPLACEMENT_NOT_READY, "new node pool " + rec.newPool() + " never became usable",
          List.of());
    }

    private void taintAndCordon(String node) {
      try {
        ports.cluster().addTaint(node, new Taint(RotationPolicy.OUTDATED_TAINT, "true", "PreferNoSchedule"));
        ports.cluster().cordon(node);
      } catch (ClusterException e) {
        if (e.kind() != ClusterException.Kind.NOT_FOUND) {
          throw e;
        }
      }
    }

    /**
     * Drains every node of {@code pool} (the live cluster's view each round, so a node the pool added meanwhile
     * is drained too), at most maxUnavailable at once.
     */
    private void drainPool(String pool) throws Stop, InterruptedException {
      Set<String> done = new LinkedHashSet<>(rec.drained());
      Map<String, Drain> active = new LinkedHashMap<>();
      Instant lastDone = null;
      int idle = 0;
      int parallel = Math.max(1, policy.maxUnavailable());
      while (true) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException();
        }
        roundGate = null;
        checkMode();
        List<NodeInfo> members = nodesOf(pool, readNodes());
        Set<String> present = new java.util.HashSet<>();
        members.forEach(n -> present.add(n.name()));
        boolean progress = false;
        for (Drain d : List.copyOf(active.values())) {
          if (!present.contains(d.node) || drainStep(d)) {
            active.remove(d.node);
            done.add(d.node);
            lastDone = ports.clock().now();
            rec = rec.withDrained(List.copyOf(done), "drained " + d.node + " (" + done.size() + " node(s) of "
                + pool + " drained)");
            save();
            info("drained " + d.node);
            progress = true;
          }
        }
        List<NodeInfo> pending = members.stream()
            .filter(n -> !done.contains(n.name()) && !active.containsKey(n.name())).toList();
        if (active.isEmpty() && pending.isEmpty()) {
          return;
        }
        for (NodeInfo n : pending) {
          if (active.size() >= parallel) {
            break;
          }
          Instant now = ports.clock().now();
          if (lastDone != null && now.isBefore(lastDone.plus(policy.soak()))) {
            detail("soaking until " + lastDone.plus(policy.soak()) + " before draining " + n.name());
            break;
          }
          if (!gateAllows("drain node " + n.name() + " of pool " + pool)) {
            break;
          }
          taintAndCordon(n.name());
          refuseForbidden(n.name(), ports.cluster().podsOnNode(n.name()));
          active.put(n.name(), new Drain(n.name(), now));
          info("draining " + n.name() + " (" + (done.size() + active.size()) + "/" + (done.size() + active.size()
              + pending.size() - 1) + " of " + pool + ")");
          progress = true;
        }
        idle = progress ? 0 : idle + 1;
        if (active.isEmpty() && idle >= MAX_WAITS) {
          throw new Stop(ReasonCode.CLUSTER_UNHEALTHY, "the gate held the drain of pool " + pool + " for "
              + MAX_WAITS + " rounds", roundGate == null ? List.of() : roundGate.evidence());
        }
        if (gated && roundGate == null && !active.isEmpty()) {
          // Nothing disruptive asked this round: check health anyway, so a fault is seen within one interval.
          gateAllows("health check while draining " + pool);
        }
        ports.clock().sleep(policy.pollInterval());
      }
    }

    private void refuseForbidden(String node, List<PodInfo> pods) throws Stop {
      List<String> refused = pods.stream()
          .filter(p -> classifier.classify(p) == PodClassifier.Kind.REFUSE)
          .map(classifier::refusal)
          .toList();
      if (!refused.isEmpty()) {
        throw new Stop(ReasonCode.DRAIN_REFUSED,
            "node " + node + " runs " + refused.size() + " pod(s) the policy forbids evicting", refused);
      }
    }

    /** One round of one node's drain; true when no pod needing eviction is left. */
    private boolean drainStep(Drain d) throws Stop {
      Instant now = ports.clock().now();
      List<PodInfo> pods = ports.cluster().podsOnNode(d.node);
      refuseForbidden(d.node, pods);
      List<PodInfo> remaining = pods.stream()
          .filter(p -> classifier.classify(p) == PodClassifier.Kind.EVICT)
          .toList();
      if (remaining.isEmpty()) {
        return true;
      }
      if (Duration.between(d.started, now).compareTo(policy.drainTimeout()) > 0) {
        throw drainTimeout(d, remaining);
      }
      for (PodInfo p : remaining) {
        if (p.terminating() || now.isBefore(d.nextEviction.getOrDefault(p.ref(), Instant.MIN))) {
          continue;
        }
        if (!gateAllows("evict " + p.ref() + " from " + d.node)) {
          return false;
        }
        EvictionResult r = ports.cluster().evict(p.ref());
        switch (r.outcome()) {
          case EVICTED, GONE -> {
            d.attempts.remove(p.ref());
            d.blockedBy.remove(p.ref());
            d.nextEviction.put(p.ref(), now.plus(policy.evictionBackoffMax()));
          }
          case BLOCKED, FAILED -> {
            int attempt = d.attempts.merge(p.ref(), 1, Integer::sum);
            Duration wait = backoff.after(attempt);
            if (r.retryAfter() != null && r.retryAfter().compareTo(wait) > 0) {
              wait = r.retryAfter();
            }
            d.nextEviction.put(p.ref(), now.plus(wait));
            d.blockedBy.put(p.ref(), r.outcome() == EvictionResult.Outcome.BLOCKED
                ? (r.blockingPdbs().isEmpty() ? List.of("a PodDisruptionBudget") : r.blockingPdbs())
                : List.of("error: " + r.message()));
          }
        }
      }
      return false;
    }

    private Stop drainTimeout(Drain d, List<PodInfo> remaining) {
      List<PdbInfo> pdbs;
      try {
        pdbs = ports.cluster().pdbs();
      } catch (ClusterException e) {
        pdbs = List.of();
      }
      List<String> evidence = new ArrayList<>();
      for (PodInfo p : remaining) {
        StringBuilder line = new StringBuilder("pod " + p.ref() + (p.terminating() ? " (terminating)" : ""));
        for (PdbInfo pdb : pdbs) {
          if (pdb.covers(p)) {
            line.append(" blocked by PDB ").append(pdb).append(" (disruptionsAllowed ")
                .append(pdb.disruptionsAllowed()).append(')');
          }
        }
        if (d.blockedBy.containsKey(p.ref())) {
          line.append(" last refused by ").append(d.blockedBy.get(p.ref()));
        }
        evidence.add(line.toString());
      }
      return new Stop(ReasonCode.DRAIN_TIMEOUT, "drain of " + d.node + " did not finish within "
          + policy.drainTimeout().toSeconds() + "s; " + remaining.size() + " pod(s) left; the node stays cordoned",
          evidence);
    }

    /** Deletes a pool's (drained) Nodes, then the pool, calling again until the cloud says it is gone. */
    private void deletePool(String pool, boolean forward) throws Stop, InterruptedException {
      for (NodeInfo n : nodesOf(pool, readNodes())) {
        List<PodInfo> left = ports.cluster().podsOnNode(n.name()).stream()
            .filter(p -> classifier.classify(p) == PodClassifier.Kind.EVICT && !p.terminating())
            .toList();
        if (!left.isEmpty()) {
          // Never delete a node that still runs pods needing eviction (someone scheduled onto it meanwhile).
          throw new Stop(ReasonCode.DRAIN_TIMEOUT, "node " + n.name() + " of pool " + pool + " runs "
              + left.size() + " pod(s) again; not deleting the pool",
              left.stream().map(p -> "pod " + p.ref()).toList());
        }
        ports.cluster().deleteNode(n.name());
      }
      Instant since = ports.clock().now();
      for (int i = 0; i < MAX_WAITS; i++) {
        if (forward) {
          checkMode();
        }
        if (pools.deletePool(pool)) {
          info("node pool " + pool + " deleted");
          return;
        }
        detail("waiting for the cloud to remove the instances of pool " + pool);
        if (Duration.between(since, ports.clock().now()).compareTo(policy.replacementTimeout()) > 0) {
          throw new Stop(ReasonCode.CLOUD_ERROR, "node pool " + pool + " not deleted within "
              + policy.replacementTimeout().toSeconds() + "s",
              List.of(pools.poolInstances(pool).size() + " instance(s) left in " + pool));
        }
        ports.clock().sleep(policy.pollInterval());
      }
      throw new Stop(ReasonCode.CLOUD_ERROR, "node pool " + pool + " was never deleted", List.of());
    }

    PoolSwitchResult humanRollback(String by) throws InterruptedException {
      rec = ports.store().poolSwitch().orElse(null);
      if (rec == null || rec.state() == PoolSwitchState.ROLLED_BACK) {
        return result(PoolSwitchResult.Outcome.NOTHING_TO_DO, null,
            rec == null ? "no node-pool switch is recorded: nothing to roll back"
                : "the switch " + rec.oldPool() + " -> " + rec.newPool() + " was already rolled back", List.of());
      }
      if (!rec.state().rollbackPossible()) {
        return result(PoolSwitchResult.Outcome.REFUSED, null,
            "cannot roll back the switch " + rec.oldPool() + " -> " + rec.newPool() + ": it is " + rec.state()
                + " and the old pool " + rec.oldPool() + " is deleted (or being deleted), so there is nothing to go"
                + " back to; " + rec.newPool() + " serves the workloads. To change them again, switch forward to a new"
                + " pool (see runbooks/rollback-node-pool.md)", List.of());
      }
      PoolSwitchResult r = rollbackNow("rollback asked by " + by, null, List.of());
      if (r.outcome() == PoolSwitchResult.Outcome.ROLLED_BACK) {
        return new PoolSwitchResult(PoolSwitchResult.Outcome.COMPLETED, null, r.message(), r.evidence(), r.record());
      }
      return r;
    }

    /** ROLLING_BACK → ROLLED_BACK; not gated (it is what a failing gate asks for), still PDB-respecting. */
    private PoolSwitchResult rollbackNow(String why, ReasonCode reason, List<String> evidence)
        throws InterruptedException {
      boolean wasGated = gatedOverride;
      gatedOverride = false;
      try {
        if (rec.state() != PoolSwitchState.ROLLING_BACK) {
          transition(PoolSwitchState.ROLLING_BACK, why);
        }
        info("rolling back the switch " + rec.oldPool() + " -> " + rec.newPool() + ": " + why);
        for (NodeInfo n : nodesOf(rec.oldPool(), readNodes())) {
          ports.cluster().removeTaint(n.name(), RotationPolicy.OUTDATED_TAINT);
          ports.cluster().uncordon(n.name());
        }
        boolean newExists = pools.pool(rec.newPool()).isPresent() || !pools.poolInstances(rec.newPool()).isEmpty();
        if (newExists) {
          for (NodeInfo n : nodesOf(rec.newPool(), readNodes())) {
            taintAndCordon(n.name());
          }
          drainPool(rec.newPool());
          deletePool(rec.newPool(), false);
        }
        transition(PoolSwitchState.ROLLED_BACK, "rolled back: " + rec.oldPool() + " serves again, " + rec.newPool()
            + " deleted");
        String msg = "rolled back the switch " + rec.oldPool() + " -> " + rec.newPool() + " (" + why + ")";
        ports.notifier().notify(event(RotationEvent.Type.FINISHED, reason, msg, evidence));
        return result(PoolSwitchResult.Outcome.ROLLED_BACK, reason, msg, evidence);
      } catch (Stop s) {
        freeze(s);
        return result(PoolSwitchResult.Outcome.FROZEN, s.reason, "rollback stopped: " + s.getMessage()
            + "; the switch stays ROLLING_BACK and the next 'rotator rollback' or 'rotator run' goes on", s.evidence);
      } catch (ClusterException | CloudException e) {
        Stop s = e instanceof CloudException ce ? cloudStop("rollback", ce)
            : new Stop(ReasonCode.API_UNAVAILABLE, "Kubernetes API: " + e.getMessage(), List.of());
        freeze(s);
        return result(PoolSwitchResult.Outcome.FROZEN, s.reason, "rollback stopped: " + s.getMessage()
            + "; the switch stays ROLLING_BACK and the next 'rotator rollback' or 'rotator run' goes on", s.evidence);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return result(PoolSwitchResult.Outcome.INTERRUPTED, null,
            "interrupted while rolling back; the next 'rotator rollback' or 'rotator run' goes on", List.of());
      } finally {
        gatedOverride = wasGated;
      }
    }

    /** False while rolling back: the rollback's drain is not gated and goes on while frozen. */
    private boolean gatedOverride = true;

    private boolean isGated() {
      return gated && gatedOverride;
    }

    private void checkMode() throws Stop {
      if (!isGated()) {
        return;
      }
      ModeState mode = ports.store().mode();
      if (mode.frozen()) {
        throw new Stop(reasonOf(mode), "frozen by " + mode.by() + ": " + mode.message(), mode.evidence());
      }
    }

    private List<NodeInfo> readNodes() throws Stop, InterruptedException {
      for (int attempt = 1; ; attempt++) {
        try {
          return ports.cluster().nodes();
        } catch (ClusterException e) {
          if (e.kind() == ClusterException.Kind.PERMANENT || attempt >= 10) {
            throw new Stop(ReasonCode.API_UNAVAILABLE, "cannot list nodes: " + e.getMessage(), List.of());
          }
          ports.clock().sleep(policy.pollInterval());
        }
      }
    }

    private boolean gateAllows(String step) throws Stop {
      if (!isGated()) {
        return true;
      }
      if (roundGate == null) {
        roundGate = ports.gate().evaluate(step);
        if (roundGate.verdict() == GateDecision.Verdict.FAIL) {
          ReasonCode reason = roundGate.reason() == null ? ReasonCode.CLUSTER_UNHEALTHY : roundGate.reason();
          throw new Stop(reason, "health gate failed before: " + step, roundGate.evidence());
        }
      }
      return roundGate.verdict() == GateDecision.Verdict.PASS;
    }

    private void awaitGate(String step) throws Stop, InterruptedException {
      for (int i = 0; i < 100; i++) {
        roundGate = null;
        checkMode();
        if (gateAllows(step)) {
          return;
        }
        ports.clock().sleep(policy.pollInterval());
      }
      throw new Stop(ReasonCode.CLUSTER_UNHEALTHY, "health gate never passed before: " + step, List.of());
    }

    private ModeState freeze(Stop s) {
      try {
        ModeState m = ports.store().freeze(s.reason.name(), s.getMessage(), s.evidence, BY);
        if (m.reason().equals(s.reason.name()) && BY.equals(m.by())) {
          ports.notifier().notify(event(RotationEvent.Type.FROZEN, s.reason, s.getMessage(), s.evidence));
        }
        return m;
      } catch (RuntimeException e) {
        LOG.error("run={} could not persist freeze {}: {}", runId, s.reason, e.toString());
        ports.notifier().notify(event(RotationEvent.Type.FROZEN, s.reason, s.getMessage(), s.evidence));
        return null;
      }
    }

    private Stop cloudStop(String what, CloudException e) {
      ReasonCode code = e.kind() == CloudException.Kind.QUOTA ? ReasonCode.CLOUD_QUOTA : ReasonCode.CLOUD_ERROR;
      return new Stop(code, what + " failed at provider " + ports.cloud().name() + ": " + e.getMessage(),
          List.of(e.kind() + ": " + e.getMessage()));
    }

    private void transition(PoolSwitchState next, String why) {
      rec = rec.to(next, ports.clock().now(), why);
      save();
      LOG.info("run={} pool-switch {} -> {} state={} {}", runId, rec.oldPool(), rec.newPool(), next, why);
      for (PoolSwitchListener l : listeners) {
        l.onState(rec);
      }
    }

    /** Persists the record; a switch whose state cannot be saved must not go on (a crash would lose it). */
    private void save() {
      ports.store().savePoolSwitch(rec);
    }

    private void detail(String text) {
      LOG.debug("run={} {}", runId, text);
    }

    private void info(String message) {
      LOG.info("run={} {}", runId, message);
      for (PoolSwitchListener l : listeners) {
        l.onInfo(message);
      }
    }

    private RotationEvent event(RotationEvent.Type type, ReasonCode reason, String msg, List<String> evidence) {
      return new RotationEvent(type, runId, "", reason == null ? "" : reason.name(), msg, evidence,
          ports.clock().now());
    }

    private PoolSwitchResult result(PoolSwitchResult.Outcome o, ReasonCode reason, String msg, List<String> ev) {
      return new PoolSwitchResult(o, reason, msg, ev, rec);
    }
  }

  private static ReasonCode reasonOf(ModeState mode) {
    try {
      return ReasonCode.valueOf(mode.reason());
    } catch (IllegalArgumentException e) {
      return ReasonCode.MANUAL;
    }
  }
}
