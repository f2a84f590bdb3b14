package dev.rotator.core.engine;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.PdbInfo;
import dev.rotator.core.model.PodInfo;
import dev.rotator.core.model.Taint;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.RotationEvent;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.NodeGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Optional;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rotation engine. One run:
 *
 * <ol>
 *   <li>Read the persisted mode; if FREEZE, do nothing and return FROZEN. Outside every maintenance window
 *       ({@code policy.maintenanceWindows}), do nothing and return OUTSIDE_WINDOW with the next opening.
 *   <li>Select the outdated nodes (the {@link OutdatedSelector}; skip-annotated nodes and nodes the cloud
 *       provider does not manage are left alone) and order them (NotReady first, then the policy's order).
 *   <li>Gate, then surge: with {@code speed.surgeBeforeDrain}, raise each node group's desired capacity by {@code
 *       maxSurge} (within quota headroom) before any drain, so provisioning overlaps draining; and taint every
 *       outdated node {@code PreferNoSchedule} so evicted pods land on new nodes.
 *   <li>Every {@code pollInterval}, until every node is DONE: re-read the mode (a human freeze stops the run
 *       here), advance every in-flight node one step, and start new nodes while capacity allows. Each node goes
 *       {@code PENDING → CORDONED (draining) → DRAINED → DELETED → TERMINATED → DONE}; cordon, every eviction,
 *       node delete and instance terminate are disruptive steps and wait for the gate. A new node starts only
 *       while the budget ({@code maxNodesPerRun}, {@code --once}) lasts, the maintenance window is open and
 *       {@code soak} has passed since the last node was DONE.
 *   <li>Which node starts (the speed levers, {@link RotationPolicy.Speed}): the in-flight set spans zones and
 *       groups, at most {@code maxUnavailablePerZone} per zone; among the next pending nodes those whose PDBs
 *       allow a disruption now go first ({@code drainabilityOrder}); the in-flight limit adapts (AIMD) between 1
 *       and {@code maxUnavailable + maxSurge}: halved on unschedulable Pending pods or slow API reads, +1 per node
 *       DONE while green. Evictions are scheduled against the PDBs ({@code pdbAwareEvictions}, {@link
 *       EvictionScheduler}): each round the due evictions of every draining node are allocated against the PDBs'
 *       {@code disruptionsAllowed}, oldest waiter first, a pod whose PDB allows nothing now is held without a
 *       request, and the rest go out in one batch, {@code evictionParallelism} at a time (off: each node's due
 *       evictions go out on their own, each refused pod on its own backoff).
 *   <li>A refused (or held) eviction whose PDB is held hostage (pods not Ready past {@code
 *       unhealthyPodEviction.after} use up its budget) freezes with PDB_HOSTAGE; under the opt-in {@code policy.unhealthyPodEviction} a not-Ready
 *       pod in scope on the draining node is deleted gracefully instead, logged and evented.
 *   <li>When the window closes mid-run, no node starts any more: the nodes in flight are finished (drained,
 *       deleted, terminated, replaced; the surge given back by their terminations), and the run ends COMPLETED
 *       with the rest left PENDING for the next window.
 * </ol>
 *
 * <p>What it never does:
 *
 * <ul>
 *   <li>never deletes a pod, except a not-Ready one under the explicit opt-in above (gracefully, never forced):
 *       pods leave through the Eviction API, which enforces PodDisruptionBudgets; a refused eviction (429) is
 *       retried with jittered backoff until the drain timeout, then the engine freezes with DRAIN_TIMEOUT naming
 *       the pods and PDBs: a node is never forced;
 *   <li>never starts a node outside the maintenance window, nor within {@code soak} of the last DONE; never
 *       abandons a node in flight because the window closed;
 *   <li>never starts a node while that would leave fewer Ready schedulable nodes than at the start minus {@code
 *       maxUnavailable}, nor more than {@code maxUnavailable + maxSurge} nodes in flight;
 *   <li>never deletes a Node that still runs pods needing eviction, never terminates an instance before its
 *       Node is deleted;
 *   <li>never takes a disruptive step while the gate fails or waits, or after FREEZE was read; on any anomaly
 *       it persists FREEZE with a reason code and evidence, alerts, and stops. Nodes in flight stay as they are
 *       (a cordoned node stays cordoned); only a human resumes.
 * </ul>
 *
 * <p>Single-threaded: every decision and every cluster and cloud call happens on the caller's thread, except
 * eviction requests, which a small bounded pool sends concurrently and whose answers are folded back on the
 * caller's thread; time comes from the injected clock (wall time only measures API latency).
 */
public final class RotationEngine {
  private static final Logger LOG = LoggerFactory.getLogger(RotationEngine.class);
  /** Consecutive rounds whose cluster reads failed before the engine gives up with API_UNAVAILABLE. */
  static final int MAX_FAILED_ROUNDS = 10;
  /** Attempts to persist a freeze before the run ends frozen without it (and says so). */
  static final int FREEZE_WRITE_ATTEMPTS = 5;
  /** How often progress is persisted when only a node's detail text changed. */
  static final Duration DETAIL_SAVE_INTERVAL = Duration.ofSeconds(30);
  /** A draining node showing only terminating pods this long is compared with a fresh pod list. */
  static final Duration RESYNC_AFTER = Duration.ofSeconds(15);
  /**
   * How long a pending node's pod list serves the start order before it is listed again: pods seldom land on an
   * outdated node (tainted PreferNoSchedule), the order is only a preference, and every start checks a fresh list.
   */
  static final Duration ORDER_PODS_TTL = Duration.ofMinutes(10);
  /** At most this many pending nodes are candidates of the start order in one round (see startOrder). */
  static final int ORDER_WINDOW_MAX = 64;
  /** cluster-autoscaler leaves a node with this annotation ("true") alone. */
  public static final String SCALE_DOWN_DISABLED = "cluster-autoscaler.kubernetes.io/scale-down-disabled";

  private final Ports ports;
  private final RotationPolicy policy;
  private final OutdatedSelector selector;
  private final PodClassifier classifier;
  private final List<EngineListener> listeners = new CopyOnWriteArrayList<>();
  /**
   * Wall-clock nanoseconds, only to measure how long the engine's own API calls take (adaptive concurrency): the
   * API server lives in real time even when the engine's clock is simulated. Never used to decide when.
   */
  private java.util.function.LongSupplier ticker = System::nanoTime;

  public RotationEngine(Ports ports, RotationPolicy policy, OutdatedSelector selector) {
    this.ports = ports;
    this.policy = policy;
    this.selector = selector;
    this.classifier = new PodClassifier(policy);
  }

  public void addListener(EngineListener l) {
    listeners.add(l);
  }

  /** Replaces the latency ticker (tests make the API look slow with it). */
  void latencyTicker(java.util.function.LongSupplier t) {
    this.ticker = t;
  }

  /** What a run would do now: the outdated nodes in order and batches, and what would block each drain. */
  public Plan plan() {
    List<NodeInfo> nodes = ports.cluster().nodes();
    NodeSelection.Result sel = NodeSelection.select(nodes, selector, ports.cloud(), policy);
    List<PdbInfo> pdbs = ports.cluster().pdbs();
    int batch = Math.max(1, policy.maxInFlight());
    List<Plan.PlannedNode> planned = new ArrayList<>();
    int pos = 0;
    for (NodeSelection.Candidate c : sel.candidates()) {
      pos++;
      List<PodInfo> pods = ports.cluster().podsOnNode(c.node().name());
      List<String> refused = new ArrayList<>();
      Set<String> blocking = new java.util.TreeSet<>();
      int toEvict = 0;
      for (PodInfo p : pods) {
        switch (classifier.classify(p)) {
          case REFUSE -> refused.add(classifier.refusal(p));
          case EVICT -> {
            toEvict++;
            for (PdbInfo pdb : pdbs) {
              if (pdb.covers(p) && pdb.disruptionsAllowed() < 1 && p.ready()) {
                blocking.add(pdb.toString());
              }
            }
          }
          case IGNORE -> {}
        }
      }
      planned.add(
          new Plan.PlannedNode(
              pos, (pos - 1) / batch + 1, c.node().name(), c.instance().groupId(), c.node().zone(), c.why(),
              List.copyOf(blocking), refused, toEvict));
    }
    return new Plan(planned, batch, nodes.size(), sel.skipped());
  }

  /** Runs a rotation until every selected node is done, a freeze, or interruption. */
  public RunResult run(RunOptions options) throws InterruptedException {
    return new Run(options).execute();
  }

  /** The state of one run. */
  private final class Run {
    private final RunOptions options;
    private final Instant started;
    private final Random random;
    private final Backoff evictionBackoff;
    private final Map<String, NodeTrack> tracks = new LinkedHashMap<>();
    private final Set<String> initialNodes = new HashSet<>();
    private final Map<String, Integer> originalDesired = new LinkedHashMap<>();
    /** Groups whose {@code beginRotation} ran; each gets {@code endRotation} however the run ends. */
    private final List<String> begunGroups = new ArrayList<>();
    /** The previous run's persisted progress (see {@link #readPreviousProgress}). */
    private RotationProgress previous;
    /** Instances of nodes seen this run, by provider id (see {@link #instanceOf(NodeInfo)}). */
    private final Map<String, dev.rotator.provider.InstanceRef> instances = new HashMap<>();
    /** New nodes this run marked against autoscaler scale-down. */
    private final Set<String> marked = new java.util.LinkedHashSet<>();
    /** Per group: surge instances added and not yet given back by a decrementing terminate. */
    private final Map<String, Integer> surgeOutstanding = new HashMap<>();
    /** Per group: replacements the group owes us (surge added + terminations without decrement). */
    private final Map<String, Integer> expectedNew = new HashMap<>();
    private int baselineAvailable;
    private int started_;
    private int failedRounds;
    private boolean dirty = true;
    /** Only a detail text changed since the last save: saved at most every {@link #DETAIL_SAVE_INTERVAL}. */
    private boolean detailChanged;
    private Instant lastSave = Instant.MIN;
    /** Gate decision for the current round, evaluated lazily before its first disruptive step. */
    private GateDecision roundGate;
    private Map<String, NodeInfo> current = Map.of();
    /** The maintenance window closed during this run: start nothing more, finish what is in flight. */
    private boolean windowClosed;
    /** When the most recent node of this run became DONE (for {@code soak}); null before the first. */
    private Instant lastDone;
    /** Round caches: read at most once per round, and only when a step needs them (null/absent = not read). */
    private List<PdbInfo> roundPdbs;
    private Integer roundUnschedulable;
    private final Map<String, List<PodInfo>> roundPodsOnNode = new HashMap<>();
    private final Map<String, List<PodInfo>> roundPdbPods = new HashMap<>();
    /** Per group: new Ready nodes this round (awaitReplacement), counted once per round, not once per node. */
    private Map<String, Long> roundNewReady;
    /** PDB-aware eviction scheduling ({@code speed.pdbAwareEvictions}): this round's due evictions of all nodes. */
    private final EvictionScheduler scheduler = new EvictionScheduler();
    private final SpreadOrder spread = new SpreadOrder();
    /** Nodes chosen to start in this round's startNodes, not yet cordoned (they count against the run's budget). */
    private int starting;
    private final List<EvictionScheduler.Candidate> roundCandidates = new ArrayList<>();
    /** Per draining node with candidates this round: pods left, and pods not due (backoff, awaiting deletion). */
    private final Map<NodeTrack, int[]> roundDrainCounts = new LinkedHashMap<>();
    private long candidateSeq;
    /** Evictions run here when {@code speed.evictionParallelism} > 1; created on first use, shut down at the end. */
    private java.util.concurrent.ExecutorService evictionPool;
    /** Adaptive concurrency: the current limit on nodes in flight, 1..maxInFlight. */
    private int concurrencyLimit;
    private int lowestLimit;
    /** A decrease happened since the last node DONE: one halving per feedback step, not one per round. */
    private boolean decreasedSinceDone;
    /** Smoothed latency (ms) of the engine's own Kubernetes reads; negative before the first sample. */
    private double apiLatencyMs = -1;
    /** When the surge was requested and when the first new node became Ready (surge lead, in the summary). */
    private Instant surgeRequestedAt;
    private Instant firstDrainAt;
    private Instant firstNewReadyAt;
    private int surgeRequested;
    private long evictionRequests;
    private int unhealthyDeleted;

    Run(RunOptions options) {
      this.options = options;
      this.started = ports.clock().now();
      this.random = new Random(options.runId().hashCode());
      this.evictionBackoff =
          new Backoff(policy.evictionBackoffInitial(), policy.evictionBackoffMax(), random);
      this.concurrencyLimit = Math.max(1, policy.maxInFlight());
      this.lowestLimit = concurrencyLimit;
    }

    RunResult execute() throws InterruptedException {
      ModeState mode;
      try {
        mode = ports.store().mode();
      } catch (RuntimeException e) {
        // An unreadable mode must read as "frozen": fail closed, and say so (nothing can be persisted).
        ports.notifier().notify(event(RotationEvent.Type.ERROR, "", ReasonCode.API_UNAVAILABLE,
            "cannot read the persisted mode, refusing to rotate: " + e.getMessage(), List.of()));
        return result(
            RunResult.Outcome.FROZEN, ReasonCode.API_UNAVAILABLE,
            "cannot read the persisted mode, refusing to rotate: " + e.getMessage(), List.of());
      }
      previous = readPreviousProgress();
      endCrashedRun();
      if (mode.frozen()) {
        return result(
            RunResult.Outcome.FROZEN, reasonOf(mode),
            "rotator is frozen (" + mode.reason() + " by " + mode.by() + " at " + mode.at() + "): " + mode.message()
                + "; run 'rotator resume' after checking the runbook",
            mode.evidence());
      }
      Instant opened = ports.clock().now();
      if (!MaintenanceWindow.allows(policy.maintenanceWindows(), opened)) {
        // Checked before anything is read or changed: outside the window a run (the CronJob's) touches nothing.
        String msg = MaintenanceWindow.outsideMessage(policy.maintenanceWindows(), opened);
        info("", msg);
        return result(RunResult.Outcome.OUTSIDE_WINDOW, null, msg, List.of());
      }
      List<NodeInfo> nodes = ports.cluster().nodes();
      if (!options.dryRun()) {
        try {
          terminateOrphans(nodes);
        } catch (FreezeSignal f) {
          return freeze(f);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return result(RunResult.Outcome.INTERRUPTED, null, "interrupted before the first node", List.of());
        }
      }
      NodeSelection.Result sel;
      try {
        sel = NodeSelection.select(nodes, selector, ports.cloud(), policy);
      } catch (CloudException e) {
        return freeze(cloudFreeze("mapping nodes to instances", e));
      }
      for (String s : sel.skipped()) {
        info("", "skipped " + s);
      }
      if (sel.candidates().isEmpty()) {
        markCrashedRunEnded();
        return result(RunResult.Outcome.NOTHING_TO_DO, null, "no outdated node", List.of());
      }
      Instant now = ports.clock().now();
      for (NodeSelection.Candidate c : sel.candidates()) {
        tracks.put(c.node().name(), new NodeTrack(c.node().name(), c.instance(), c.why(), now));
      }
      for (NodeInfo n : nodes) {
        initialNodes.add(n.name());
        if (isCapacity(n)) {
          baselineAvailable++;
        }
      }
      if (options.dryRun()) {
        return result(
            RunResult.Outcome.COMPLETED, null, "dry run: " + tracks.size() + " node(s) would rotate, nothing changed",
            List.of());
      }
      ports.notifier().notify(event(RotationEvent.Type.STARTED, "", null,
          "rotating " + tracks.size() + " outdated node(s) of " + nodes.size() + "; maxUnavailable="
              + policy.maxUnavailable() + " maxSurge=" + policy.maxSurge(), List.of()));
      try {
        try {
          prepare();
          loop();
        } catch (FreezeSignal f) {
          return freeze(f);
        } catch (ClusterException e) {
          return freeze(new FreezeSignal(ReasonCode.API_UNAVAILABLE, "Kubernetes API: " + e.getMessage(), List.of()));
        } catch (CloudException e) {
          return freeze(cloudFreeze("cloud call", e));
        }
        String msg = summary();
        ports.notifier().notify(event(RotationEvent.Type.FINISHED, "", null, msg, List.of()));
        return result(RunResult.Outcome.COMPLETED, null, msg, List.of());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return result(RunResult.Outcome.INTERRUPTED, null,
            "interrupted; nodes in flight were left as they are (see status)", List.of());
      } finally {
        for (NodeTrack t : tracks.values()) {
          t.closeWatch();
        }
        if (evictionPool != null) {
          evictionPool.shutdownNow();
        }
        unprotectNewNodes();
        for (String group : begunGroups) {
          try {
            ports.cloud().endRotation(group);
          } catch (RuntimeException e) {
            // The run is over either way; the next run's beginRotation/endRotation will try again.
            LOG.error("run={} could not end rotation of group {}: {}", options.runId(), group, e.toString());
          }
        }
        saveProgress(true);
      }
    }

    /**
     * A run that died without reaching its end (its progress still says RUNNING) never ended its groups'
     * rotation: undo what beginRotation did (suspended processes, a raised max) now. Safe in any mode, since it
     * only gives a group back its normal behaviour.
     */
    private void endCrashedRun() {
      if (previous == null || !"RUNNING".equals(previous.outcome())) {
        return;
      }
      Set<String> groups = new java.util.TreeSet<>(previous.originalDesired().keySet());
      previous.nodes().stream().map(NodeProgress::group).filter(g -> !g.isEmpty()).forEach(groups::add);
      for (String group : groups) {
        try {
          ports.cloud().endRotation(group);
          info("", "ended group " + group + " left in rotation by run " + previous.runId() + " (it did not finish)");
        } catch (RuntimeException e) {
          LOG.error("run={} could not end group {} left by run {}: {}", options.runId(), group, previous.runId(),
              e.toString());
        }
      }
    }

    /**
     * A crashed run whose groups {@link #endCrashedRun} ended, followed by a run with nothing to do (it died after
     * its last termination): record it as ENDED, so later runs do not find the same leftovers again. A run with
     * work saves its own progress instead.
     */
    private void markCrashedRunEnded() {
      if (options.dryRun() || previous == null || !"RUNNING".equals(previous.outcome())) {
        return;
      }
      try {
        ports.store().saveProgress(new RotationProgress(previous.runId(), previous.startedAt(), ports.clock().now(),
            "ENDED", previous.originalDesired(), previous.nodes()));
        info("", "run " + previous.runId() + " had stopped after its last termination; recorded as ended");
      } catch (RuntimeException e) {
        LOG.warn("run={} could not record the end of run {}: {}", options.runId(), previous.runId(), e.toString());
      }
    }

    /**
     * A previous run that deleted a Node but stopped before terminating its instance (a crash, a freeze on a
     * cloud error) left an instance running with no Node: the selection, which starts from the Nodes, would
     * never see it again. Its saved state may still say CORDONED or DRAINED (the run died between the delete and
     * saving DELETED). Terminate those instances first (the group replaces them), behind the gate like
     * every disruptive step.
     */
    private void terminateOrphans(List<NodeInfo> nodes) throws FreezeSignal, InterruptedException {
      if (previous == null) {
        return;
      }
      Set<String> present = new HashSet<>();
      nodes.forEach(n -> present.add(n.name()));
      List<NodeProgress> orphans = previous.nodes().stream()
          // CORDONED and DRAINED too: a run can die after deleting the Node and before saving DELETED, and a
          // cordoned Node someone else deleted is treated the same way during a run (drain()).
          .filter(n -> (n.state() == NodeState.CORDONED || n.state() == NodeState.DRAINED
              || n.state() == NodeState.DELETED) && !present.contains(n.node()))
          .filter(n -> !n.instanceId().isEmpty() && !n.group().isEmpty())
          .toList();
      if (orphans.isEmpty()) {
        return;
      }
      awaitGate("terminate " + orphans.size() + " instance(s) whose Node run " + previous.runId() + " deleted");
      // A surge the dead run left in place is given back by the last terminations of its group. When fewer
      // outdated nodes are left in the group than surge instances in place, the orphan's termination must give
      // one back too (desired - 1), or the group would end above its original size.
      Map<String, Integer> surgeLeft = new HashMap<>();
      Map<String, Long> outdatedLeft = new HashMap<>();
      try {
        for (NodeProgress o : orphans) {
          if (!surgeLeft.containsKey(o.group())) {
            Integer original = previous.originalDesired().get(o.group());
            int desired = ports.cloud().nodeGroup(o.group()).desired();
            surgeLeft.put(o.group(), original == null ? 0 : Math.max(0, desired - original));
          }
        }
        if (surgeLeft.values().stream().anyMatch(v -> v > 0)) {
          for (NodeSelection.Candidate c : NodeSelection.select(nodes, selector, ports.cloud(), policy).candidates()) {
            outdatedLeft.merge(c.instance().groupId(), 1L, Long::sum);
          }
        }
      } catch (CloudException e) {
        throw cloudFreeze("reading the groups of the instances left by run " + previous.runId(), e);
      }
      for (NodeProgress o : orphans) {
        int surge = surgeLeft.getOrDefault(o.group(), 0);
        boolean decrement = surge > outdatedLeft.getOrDefault(o.group(), 0L);
        try {
          ports.cloud().terminate(new dev.rotator.provider.InstanceRef(o.instanceId(), o.group(), o.zone()), decrement);
          if (decrement) {
            surgeLeft.put(o.group(), surge - 1);
          }
          info(o.node(), "terminated instance " + o.instanceId() + " whose Node run " + previous.runId()
              + " had deleted" + (decrement ? " (desired capacity decremented: surge given back)" : ""));
        } catch (CloudException e) {
          throw cloudFreeze("terminate instance " + o.instanceId() + " left by run " + previous.runId(), e);
        }
      }
      // Record it, so that a run with nothing else to do does not find the same orphans again.
      Instant now = ports.clock().now();
      List<NodeProgress> updated = previous.nodes().stream()
          .map(n -> orphans.contains(n)
              ? new NodeProgress(n.node(), n.group(), n.instanceId(), n.zone(), NodeState.TERMINATED, now,
                  "instance terminated by run " + options.runId())
              : n)
          .toList();
      try {
        ports.store().saveProgress(new RotationProgress(previous.runId(), previous.startedAt(), now,
            previous.outcome(), previous.originalDesired(), updated));
      } catch (RuntimeException e) {
        // Terminating again next time is harmless (already gone = success); say why it may happen.
        LOG.warn("run={} could not record the orphan terminations: {}", options.runId(), e.toString());
      }
    }

    /** Surge and taint, once, before the first node. */
    private void prepare() throws FreezeSignal, InterruptedException {
      awaitGate("surge and taint outdated nodes");
      Map<String, Integer> perGroup = new LinkedHashMap<>();
      for (NodeTrack t : tracks.values()) {
        perGroup.merge(t.instance.groupId(), 1, Integer::sum);
      }
      for (String group : perGroup.keySet()) {
        try {
          ports.cloud().beginRotation(group);
          begunGroups.add(group);
        } catch (CloudException e) {
          throw cloudFreeze("preparing group " + group, e);
        }
      }
      Map<String, Integer> previousOriginal = previous == null ? Map.of() : previous.originalDesired();
      for (var e : perGroup.entrySet()) {
        // Without surgeBeforeDrain nothing is requested ahead: each replacement comes from its node's termination.
        int wanted = policy.speed().surgeBeforeDrain() ? Math.min(policy.maxSurge(), e.getValue()) : 0;
        int already = adoptPreviousSurge(e.getKey(), previousOriginal.get(e.getKey()));
        if (wanted > already) {
          surge(e.getKey(), wanted - already);
        }
      }
      if (policy.taintOutdated()) {
        taintAll(new ArrayList<>(tracks.keySet()));
      }
    }

    /**
     * Taints the outdated nodes {@code PreferNoSchedule}, {@code speed.evictionParallelism} requests at a time (on a
     * 1,000-node cluster one after the other took longer than the whole rotation's lower bound). A PERMANENT refusal
     * (RBAC) is rethrown once every request has finished; other failures are logged: the taint only avoids pods
     * moving twice, and a node we cannot taint now is still safe to rotate.
     */
    private void taintAll(List<String> nodes) throws InterruptedException {
      Taint taint = new Taint(RotationPolicy.OUTDATED_TAINT, "true", "PreferNoSchedule");
      List<Object> results = inParallel(nodes, node -> {
        ports.cluster().addTaint(node, taint);
        return Boolean.TRUE;
      });
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      ClusterException permanent = null;
      for (int i = 0; i < nodes.size(); i++) {
        if (results.get(i) instanceof ClusterException e) {
          if (e.kind() == ClusterException.Kind.PERMANENT) {
            permanent = permanent == null ? e : permanent;
          } else {
            info(nodes.get(i), "could not taint: " + e.getMessage());
          }
        }
      }
      if (permanent != null) {
        throw permanent;
      }
    }

    /**
     * The previous run's record, read once at the start (crash leftovers, orphaned instances and a surge left in
     * place all come from it); null when there is none or it cannot be read.
     */
    private RotationProgress readPreviousProgress() {
      try {
        return ports.store().progress().orElse(null);
      } catch (RuntimeException e) {
        info("", "could not read the previous run's progress: " + e.getMessage());
        return null;
      }
    }

    /**
     * A previous run (frozen, interrupted, budget used) may have left its surge in place: count it as this run's
     * surge, to be given back by decrementing terminations, instead of surging again on top of it.
     */
    private int adoptPreviousSurge(String group, Integer previousOriginal) throws FreezeSignal {
      if (previousOriginal == null) {
        return 0;
      }
      try {
        int desired = ports.cloud().nodeGroup(group).desired();
        int already = Math.max(0, desired - previousOriginal);
        if (already > 0) {
          originalDesired.put(group, previousOriginal);
          surgeOutstanding.put(group, already);
          dirty = true;
          info("", "group " + group + ": " + already + " surge instance(s) left by a previous run (original desired "
              + previousOriginal + ") are reused");
        }
        return already;
      } catch (CloudException e) {
        throw cloudFreeze("reading group " + group, e);
      }
    }

    private void surge(String group, int wanted) throws FreezeSignal {
      try {
        NodeGroup g = ports.cloud().nodeGroup(group);
        int base = originalDesired.getOrDefault(group, g.desired());
        int n = Math.min(wanted, Math.max(0, ports.cloud().headroom(group)));
        if (n < wanted) {
          info("", "group " + group + ": quota/max-size headroom allows a surge of " + n + " instead of " + wanted);
        }
        if (n == 0) {
          return;
        }
        // Record the original size durably before changing it, so a crash cannot lose it.
        originalDesired.put(group, base);
        dirty = true;
        saveProgress(false);
        ports.cloud().setDesiredCapacity(group, g.desired() + n);
        surgeOutstanding.merge(group, n, Integer::sum);
        expectedNew.merge(group, n, Integer::sum);
        surgeRequested += n;
        if (surgeRequestedAt == null) {
          surgeRequestedAt = ports.clock().now();
        }
        info("", "group " + group + ": surged desired capacity " + g.desired() + " -> " + (g.desired() + n));
      } catch (CloudException e) {
        throw cloudFreeze("surge of group " + group, e);
      }
    }

    private void loop() throws FreezeSignal, InterruptedException {
      while (true) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException();
        }
        roundGate = null;
        roundPdbs = null;
        roundUnschedulable = null;
        roundPodsOnNode.clear();
        roundPdbPods.clear();
        roundNewReady = null;
        roundCandidates.clear();
        roundDrainCounts.clear();
        if (!readRound()) {
          ports.clock().sleep(policy.pollInterval());
          continue;
        }
        checkWindow();
        protectNewNodes();
        for (NodeTrack t : tracks.values()) {
          if (t.state.inFlight()) {
            try {
              advance(t);
            } catch (ClusterException e) {
              stepFailed(t, t.state.name().toLowerCase(java.util.Locale.ROOT) + " step", e);
            }
          }
        }
        if (!roundCandidates.isEmpty()) {
          evictRound();
        }
        startNodes();
        if (roundGate == null && tracks.values().stream().anyMatch(t -> !t.state.terminal())) {
          // Nothing disruptive happened this round; check health anyway, so that a fault is noticed (and frozen
          // on) within one poll interval, not only at the next disruptive step.
          gateAllows("health check while nodes are in flight");
        }
        saveProgress(false);
        List<NodeProgress> snapshot = tracks.values().stream().map(NodeTrack::progress).toList();
        for (EngineListener l : listeners) {
          l.onRound(snapshot);
        }
        if (tracks.values().stream().allMatch(t -> t.state.terminal() || (noMoreStarts() && t.state == NodeState.PENDING))) {
          return;
        }
        ports.clock().sleep(policy.pollInterval());
      }
    }

    /**
     * A node that serves as capacity: Ready and schedulable, or Ready and still PENDING in this run although
     * cordoned (a node a frozen run left cordoned counts as the capacity it was at that run's start, so a resumed
     * run cannot take maxUnavailable more on top of it).
     */
    private boolean isCapacity(NodeInfo n) {
      if (!n.ready()) {
        return false;
      }
      if (!n.unschedulable()) {
        return true;
      }
      NodeTrack t = tracks.get(n.name());
      return t != null && t.state == NodeState.PENDING;
    }

    private void setDetail(NodeTrack t, String detail) {
      if (!detail.equals(t.detail)) {
        t.detail = detail;
        detailChanged = true;
      }
    }

    /**
     * New nodes of the groups being rotated (surge and replacements) are marked so that cluster-autoscaler does
     * not scale them down mid-rotation; the marks come off when the run ends. A node that already carried the
     * annotation is left alone, then and at the end.
     */
    /**
     * The cloud instance behind a node, remembered for the run: an instance never changes group, and asking the
     * provider for every new node of every in-flight group each round made a round cost one cloud call per new
     * node (an HTTP call with a remote provider). Unknown answers are not remembered: the provider may learn of a
     * new instance a moment after its Node registers.
     */
    private Optional<dev.rotator.provider.InstanceRef> instanceOf(NodeInfo n) {
      dev.rotator.provider.InstanceRef known = instances.get(n.providerId());
      if (known != null) {
        return Optional.of(known);
      }
      Optional<dev.rotator.provider.InstanceRef> r = ports.cloud().instanceOf(n.providerId());
      r.ifPresent(ref -> instances.put(n.providerId(), ref));
      return r;
    }

    private void protectNewNodes() {
      for (NodeInfo n : current.values()) {
        if (initialNodes.contains(n.name()) || marked.contains(n.name())
            || n.annotations().containsKey(SCALE_DOWN_DISABLED)) {
          continue;
        }
        boolean ours = instanceOf(n).map(r -> begunGroups.contains(r.groupId())).orElse(false);
        if (!ours) {
          continue;
        }
        try {
          ports.cluster().annotateNode(n.name(), SCALE_DOWN_DISABLED, "true");
          marked.add(n.name());
        } catch (ClusterException e) {
          // Only a protection against the autoscaler; the next round tries again.
          info(n.name(), "could not mark new node against scale-down (retrying next round): " + e.getMessage());
        }
      }
    }

    private void unprotectNewNodes() {
      for (String name : marked) {
        try {
          ports.cluster().annotateNode(name, SCALE_DOWN_DISABLED, null);
        } catch (ClusterException e) {
          if (e.kind() != ClusterException.Kind.NOT_FOUND) {
            LOG.error("run={} node={} could not remove {}: {} (remove it by hand: kubectl annotate node {} {}-)",
                options.runId(), name, SCALE_DOWN_DISABLED, e.getMessage(), name, SCALE_DOWN_DISABLED);
          }
        }
      }
    }

    /** Reads the mode and the nodes; false when the API failed this round (retried next round). */
    private boolean readRound() throws FreezeSignal {
      try {
        ModeState mode = ports.store().mode();
        if (mode.frozen()) {
          throw new FreezeSignal(reasonOf(mode), "frozen by " + mode.by() + ": " + mode.message(), mode.evidence());
        }
        current = new HashMap<>();
        for (NodeInfo n : timed(() -> ports.cluster().nodes())) {
          current.put(n.name(), n);
          if (firstNewReadyAt == null && n.ready() && !initialNodes.contains(n.name())) {
            firstNewReadyAt = ports.clock().now();
            if (surgeRequestedAt != null) {
              info("", "first new node " + n.name() + " Ready " + seconds(Duration.between(surgeRequestedAt,
                  firstNewReadyAt)) + " after the surge was requested");
            }
          }
        }
        failedRounds = 0;
        return true;
      } catch (ClusterException e) {
        if (e.kind() == ClusterException.Kind.PERMANENT || ++failedRounds >= MAX_FAILED_ROUNDS) {
          throw new FreezeSignal(ReasonCode.API_UNAVAILABLE,
              "Kubernetes API failing for " + failedRounds + " round(s): " + e.getMessage(), List.of(e.getMessage()));
        }
        info("", "API read failed (" + failedRounds + "/" + MAX_FAILED_ROUNDS + "), retrying: " + e.getMessage());
        return false;
      } catch (RuntimeException e) {
        // The state store may throw anything its client throws; an unreadable mode is a frozen mode.
        if (++failedRounds >= MAX_FAILED_ROUNDS) {
          throw new FreezeSignal(ReasonCode.API_UNAVAILABLE, "cannot read state: " + e.getMessage(), List.of());
        }
        return false;
      }
    }

    /** Once the window has closed it stays closed for this run: a run never restarts in a later window. */
    private void checkWindow() {
      if (!windowClosed && !MaintenanceWindow.allows(policy.maintenanceWindows(), ports.clock().now())) {
        windowClosed = true;
        long inFlight = tracks.values().stream().filter(t -> t.state.inFlight()).count();
        info("", "the maintenance window closed: starting no new node; finishing " + inFlight + " node(s) in flight");
      }
    }

    /** No node will start any more in this run: budget used or window closed. */
    private boolean noMoreStarts() {
      return windowClosed || budgetUsed();
    }

    private boolean budgetUsed() {
      int limit = policy.maxNodesPerRun() > 0 ? policy.maxNodesPerRun() : Integer.MAX_VALUE;
      if (options.once()) {
        limit = Math.min(limit, Math.max(1, policy.maxInFlight()));
      }
      return started_ + starting >= limit;
    }

    private void startNodes() throws FreezeSignal, InterruptedException {
      if (noMoreStarts() || tracks.values().stream().noneMatch(t -> t.state == NodeState.PENDING)) {
        return;
      }
      long inFlightNow = tracks.values().stream().filter(x -> x.state.inFlight()).count();
      if (inFlightNow >= policy.maxInFlight()) {
        return;
      }
      // Whether any node could start now as far as capacity goes: if not, this round reads nothing more (no
      // Pending pods, no pod lists for ordering); the loop below still reports the wait.
      long availableNow = current.values().stream().filter(this::isCapacity).count();
      boolean mayStart = availableNow - 1 >= baselineAvailable - policy.maxUnavailable()
          || tracks.values().stream().anyMatch(t -> t.state == NodeState.PENDING
              && (current.get(t.node) == null || !isCapacity(current.get(t.node))));
      if (mayStart) {
        adaptDown();
      }
      if (inFlightNow >= limit()) {
        return;
      }
      // In flight and available are counted once and kept up to date below (each start takes one of each):
      // counting them for every pending node made a round O(pending x nodes) on a 5,000-node cluster.
      long inFlight = inFlightNow;
      long available = availableNow;
      List<NodeTrack> batch = new ArrayList<>();
      for (NodeTrack t : mayStart ? startOrder((int) (limit() - inFlightNow))
          : tracks.values().stream().filter(t -> t.state == NodeState.PENDING).toList()) {
        if (t.state != NodeState.PENDING) {
          continue;
        }
        if (noMoreStarts() || inFlight >= limit()) {
          break;
        }
        if (lastDone != null && ports.clock().now().isBefore(lastDone.plus(policy.soak()))) {
          setDetail(t, "soaking: next node starts at " + lastDone.plus(policy.soak()) + " (soak "
              + seconds(policy.soak()) + " after the last node done)");
          break;
        }
        NodeInfo live = current.get(t.node);
        if (live == null) {
          transition(t, NodeState.FAILED, "node disappeared before rotator started it");
          continue;
        }
        int perZone = policy.speed().maxUnavailablePerZone();
        if (perZone > 0) {
          long inZone = tracks.values().stream()
              .filter(x -> x.state.inFlight() && x.instance.zone().equals(t.instance.zone()))
              .count()
              + batch.stream().filter(x -> x.instance.zone().equals(t.instance.zone())).count();
          if (inZone >= perZone) {
            // Another zone's node may go instead: that is what lets a zone-spread rotation run in parallel.
            setDetail(t, "waiting for zone " + t.instance.zone() + ": " + inZone + " node(s) in flight, limit "
                + perZone + " (policy.speed.maxUnavailablePerZone)");
            continue;
          }
        }
        boolean liveIsCapacity = isCapacity(live);
        long afterCordon = available - (liveIsCapacity ? 1 : 0);
        long floor = baselineAvailable - policy.maxUnavailable();
        if (afterCordon < floor) {
          setDetail(t, "waiting for capacity: " + available + " Ready schedulable node(s), floor " + floor);
          if (inFlight == 0 && Duration.between(t.since, ports.clock().now()).compareTo(policy.replacementTimeout()) > 0) {
            // Nothing of ours is in flight, so nothing we do will bring the capacity back: say so.
            throw new FreezeSignal(ReasonCode.CLUSTER_UNHEALTHY,
                "not enough capacity to start " + t.node + " for " + seconds(policy.replacementTimeout())
                    + " with no node of this run in flight",
                List.of("Ready schedulable nodes " + available + ", floor " + floor + " (start " + baselineAvailable
                    + " - maxUnavailable " + policy.maxUnavailable() + ")"));
          }
          break;
        }
        if (ports.clock().now().isBefore(t.notBefore)) {
          continue;
        }
        // Counted as started for the decisions about the next ones; the I/O happens below, in parallel.
        batch.add(t);
        starting = batch.size();
        inFlight++;
        available -= liveIsCapacity ? 1 : 0;
        if (batch.size() >= maxStartsPerRound()) {
          break;
        }
      }
      startBatch(batch);
    }

    /**
     * At most this many nodes start in one round: starting a node costs a pod list and a cordon, and on a big
     * cluster a round that started a whole wave of 200 one after the other kept every draining node waiting for
     * its next eviction round meanwhile (with a scaled clock, longer than the drain timeout).
     */
    private int maxStartsPerRound() {
      return Math.max(1, 4 * policy.speed().evictionParallelism());
    }

    /**
     * Starts the nodes chosen this round: their pod lists (refused kinds freeze before any of them is cordoned),
     * one gate decision, then the cordons, {@code speed.evictionParallelism} requests at a time; the answers are
     * handled on the engine's thread in the chosen order.
     */
    private void startBatch(List<NodeTrack> batch) throws FreezeSignal {
      starting = 0;
      if (batch.isEmpty()) {
        return;
      }
      List<NodeTrack> toList = batch.stream().filter(t -> !roundPodsOnNode.containsKey(t.node)).toList();
      List<Object> listed = inParallel(toList, t -> ports.cluster().podsOnNode(t.node));
      List<NodeTrack> ready = new ArrayList<>();
      for (int i = 0; i < toList.size(); i++) {
        Object r = listed.get(i);
        if (r instanceof ClusterException e) {
          stepFailed(toList.get(i), "start", e);
        } else {
          @SuppressWarnings("unchecked")
          List<PodInfo> pods = (List<PodInfo>) r;
          roundPodsOnNode.put(toList.get(i).node, pods);
        }
      }
      for (NodeTrack t : batch) {
        List<PodInfo> pods = roundPodsOnNode.get(t.node);
        if (pods == null) {
          continue; // its list failed: retried in a later round
        }
        List<String> refused = pods.stream()
            .filter(p -> classifier.classify(p) == PodClassifier.Kind.REFUSE)
            .map(classifier::refusal)
            .toList();
        if (!refused.isEmpty()) {
          throw new FreezeSignal(ReasonCode.DRAIN_REFUSED,
              "node " + t.node + " runs " + refused.size() + " pod(s) the policy forbids evicting; node left untouched",
              refused);
        }
        ready.add(t);
      }
      if (ready.isEmpty() || !gateAllows("cordon " + ready.get(0).node
          + (ready.size() > 1 ? " and " + (ready.size() - 1) + " more node(s)" : ""))) {
        return;
      }
      // NotReady nodes of the batch are cordoned before the others (notReadyFirst: they serve nothing, and "first"
      // must hold for the requests too, not only for the order of the decisions).
      List<NodeTrack> notReadyFirst = new ArrayList<>();
      List<NodeTrack> others = new ArrayList<>();
      for (NodeTrack t : ready) {
        NodeInfo live = current.get(t.node);
        (live != null && !live.ready() ? notReadyFirst : others).add(t);
      }
      ready = new ArrayList<>(notReadyFirst);
      ready.addAll(others);
      java.util.function.Function<NodeTrack, Object> cordon = t -> {
        ports.cluster().cordon(t.node);
        return Boolean.TRUE;
      };
      List<Object> cordoned = new ArrayList<>(inParallel(notReadyFirst, cordon));
      cordoned.addAll(inParallel(others, cordon));
      for (int i = 0; i < ready.size(); i++) {
        NodeTrack t = ready.get(i);
        Object r = cordoned.get(i);
        if (r instanceof ClusterException e) {
          if (e.kind() == ClusterException.Kind.NOT_FOUND) {
            transition(t, NodeState.FAILED, "node disappeared before rotator cordoned it");
          } else {
            stepFailed(t, "start", e);
          }
          continue;
        }
        started_++;
        t.stepFailures = 0;
        t.drainStarted = ports.clock().now();
        t.lastResync = t.drainStarted;
        if (firstDrainAt == null) {
          firstDrainAt = t.drainStarted;
        }
        transition(t, NodeState.CORDONED, "cordoned; draining");
        // The node is no longer capacity: the next rounds count it so.
        NodeInfo live = current.get(t.node);
        if (live != null) {
          current.put(t.node, new NodeInfo(live.name(), live.labels(), live.annotations(), live.kubeletVersion(),
              live.providerId(), live.ready(), true, live.created(), live.taints()));
        }
        t.watch = ports.cluster().watchPodsOnNode(t.node);
      }
    }

    /**
     * One call per item, {@code speed.evictionParallelism} at a time on the eviction pool (one after the other at
     * 1); every call has finished when it returns. Each answer, or the ClusterException its call threw, in the
     * items' order. Any other failure (a bug, an Error) is rethrown once every call has finished. Interrupted, the
     * calls not yet answered are cancelled and answered with a RETRYABLE ClusterException, and the thread's
     * interrupt flag is set again.
     */
    private <T> List<Object> inParallel(List<T> items, java.util.function.Function<T, Object> call) {
      List<Object> out = new ArrayList<>();
      int parallelism = Math.min(policy.speed().evictionParallelism(), items.size());
      if (parallelism <= 1) {
        for (T item : items) {
          try {
            out.add(call.apply(item));
          } catch (ClusterException e) {
            out.add(e);
          }
        }
        return out;
      }
      java.util.concurrent.ExecutorService pool = evictionPool();
      List<java.util.concurrent.Future<Object>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> {
          try {
            return call.apply(item);
          } catch (ClusterException e) {
            return e;
          }
        }));
      }
      Throwable failure = null;
      for (int i = 0; i < futures.size(); i++) {
        try {
          out.add(futures.get(i).get());
        } catch (java.util.concurrent.ExecutionException e) {
          failure = failure == null ? e.getCause() : failure;
          out.add(null);
        } catch (InterruptedException e) {
          futures.forEach(f -> f.cancel(true));
          for (int j = i; j < futures.size(); j++) {
            out.add(new ClusterException(ClusterException.Kind.RETRYABLE, "interrupted", e));
          }
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (failure != null) {
        rethrow(failure);
      }
      return out;
    }

    /** The in-flight limit now: the adaptive one, or the configured maximum. */
    private int limit() {
      return policy.speed().adaptive().enabled() ? Math.min(concurrencyLimit, policy.maxInFlight()) : policy.maxInFlight();
    }

    /**
     * The pending nodes in the order to try them. With {@code drainabilityOrder} ({@link SpreadOrder}): NotReady
     * nodes first (with {@code notReadyFirst}), then, for the free slots, the candidates whose PDBs have the
     * least queue on the nodes already in flight, then everyone else in the selection order. The candidates are
     * a window of at most {@link #ORDER_WINDOW_MAX} (and twice the in-flight maximum) pending nodes spread over the whole pending list (pods of one
     * workload often sit on neighbouring nodes, so the next nodes in order tend to share PDBs): the nodes scouted
     * in earlier rounds, topped up by nodes at even intervals of the list. A candidate's pods are listed once per
     * {@link #ORDER_PODS_TTL}; the PDBs are read once per round, and only in a round where a node may start.
     */
    private List<NodeTrack> startOrder(int freeSlots) {
      List<NodeTrack> pending = tracks.values().stream().filter(t -> t.state == NodeState.PENDING).toList();
      if (!policy.speed().drainabilityOrder() || pending.size() < 2 || freeSlots < 1) {
        return pending;
      }
      List<PdbInfo> pdbs;
      try {
        pdbs = roundPdbs();
      } catch (ClusterException e) {
        return pending; // unknown: keep the plain order
      }
      if (pdbs.isEmpty()) {
        return pending;
      }
      List<NodeTrack> front = new ArrayList<>();
      List<NodeTrack> rest = new ArrayList<>();
      for (NodeTrack t : pending) {
        NodeInfo live = current.get(t.node);
        if (live != null && !live.ready() && policy.notReadyFirst()) {
          front.add(t); // a NotReady node serves nothing: it keeps its place at the front, whatever its PDBs say
        } else {
          rest.add(t);
        }
      }
      if (front.size() >= freeSlots || rest.size() < 2) {
        return pending;
      }
      List<NodeTrack> window = orderWindow(rest);
      spread.observe(pdbs);
      Map<String, Integer> load = new HashMap<>();
      for (NodeTrack t : tracks.values()) {
        if (t.state == NodeState.CORDONED) {
          List<PodInfo> pods = t.watch != null && t.watch.synced() ? t.watch.pods() : t.orderPods;
          if (pods != null) {
            spread.addLoad(pods, classifier, load);
          }
        }
      }
      // The candidates' pod lists that are missing or stale, fetched in parallel (64 one after the other cost
      // seconds on a busy API server).
      Instant now = ports.clock().now();
      List<NodeTrack> stale = window.stream()
          .filter(t -> t.orderPods == null || !now.isBefore(t.orderPodsAt.plus(ORDER_PODS_TTL)))
          .filter(t -> !roundPodsOnNode.containsKey(t.node))
          .toList();
      List<Object> fetched = inParallel(stale, t -> ports.cluster().podsOnNode(t.node));
      for (int i = 0; i < stale.size(); i++) {
        if (fetched.get(i) instanceof List<?> l) {
          @SuppressWarnings("unchecked")
          List<PodInfo> pods = (List<PodInfo>) l;
          roundPodsOnNode.put(stale.get(i).node, pods);
        }
      }
      List<NodeTrack> scouted = new ArrayList<>();
      List<List<String>> keys = new ArrayList<>();
      for (NodeTrack t : window) {
        List<PodInfo> pods = podsForOrder(t);
        if (pods != null) {
          scouted.add(t);
          keys.add(spread.keysToEvict(pods, classifier));
        }
      }
      if (scouted.size() < 2) {
        return pending;
      }
      List<NodeTrack> out = new ArrayList<>(front);
      java.util.Set<NodeTrack> chosen = new HashSet<>();
      for (int i : spread.pick(keys, load, freeSlots - front.size())) {
        out.add(scouted.get(i));
        chosen.add(scouted.get(i));
      }
      for (NodeTrack t : rest) {
        if (!chosen.contains(t)) {
          out.add(t);
        }
      }
      NodeTrack first = out.get(front.size());
      if (first != rest.get(0)) {
        info("", "spread order: " + first.node + " goes before " + rest.get(0).node
            + " (fewer of its pods queue behind the same PDBs as the nodes in flight)");
      }
      return out;
    }

    /**
     * The pending nodes (NotReady ones aside) considered for the next starts: those scouted before (their pods
     * listed), then nodes at even intervals of the list up to {@link #ORDER_WINDOW_MAX}, the list's head always
     * among them.
     */
    private List<NodeTrack> orderWindow(List<NodeTrack> rest) {
      // Twice the in-flight maximum (at least 4): a one-node-at-a-time policy has little to spread and would
      // list 64 nodes' pods for it.
      int max = Math.min(rest.size(), Math.min(ORDER_WINDOW_MAX, Math.max(4, 2 * policy.maxInFlight())));
      java.util.LinkedHashSet<NodeTrack> window = new java.util.LinkedHashSet<>();
      window.add(rest.get(0));
      for (NodeTrack t : rest) {
        if (window.size() >= max) {
          break;
        }
        if (t.orderPods != null) {
          window.add(t);
        }
      }
      int missing = max - window.size();
      if (missing > 0) {
        double step = (double) rest.size() / missing;
        for (int i = 0; i < missing; i++) {
          window.add(rest.get(Math.min(rest.size() - 1, (int) (i * step))));
        }
        for (NodeTrack t : rest) {
          if (window.size() >= max) {
            break;
          }
          window.add(t);
        }
      }
      return new ArrayList<>(window);
    }

    /**
     * A pending node's pods for ordering: listed at most every {@link #ORDER_PODS_TTL} (pods rarely land on an
     * outdated, tainted node; the PDB status that decides is read fresh every round). The pre-cordon checks
     * of {@link #startBatch} always use a list of this round.
     */
    private List<PodInfo> podsForOrder(NodeTrack t) {
      Instant now = ports.clock().now();
      if (t.orderPods != null && now.isBefore(t.orderPodsAt.plus(ORDER_PODS_TTL))) {
        return t.orderPods;
      }
      List<PodInfo> pods = podsOf(t.node);
      if (pods != null) {
        t.orderPods = pods;
        t.orderPodsAt = now;
      }
      return pods;
    }

    /** The pods on a node, listed at most once per round; null when the list failed (tried again at start). */
    private List<PodInfo> podsOf(String node) {
      List<PodInfo> cached = roundPodsOnNode.get(node);
      if (cached != null) {
        return cached;
      }
      try {
        List<PodInfo> pods = timed(() -> ports.cluster().podsOnNode(node));
        roundPodsOnNode.put(node, pods);
        return pods;
      } catch (ClusterException e) {
        return null;
      }
    }

    /**
     * Multiplicative decrease: halves the limit when the cluster is congested (more unschedulable Pending pods
     * than allowed, or the engine's own API reads slower than allowed), at most once between two nodes DONE.
     */
    private void adaptDown() {
      RotationPolicy.Adaptive a = policy.speed().adaptive();
      if (!a.enabled() || decreasedSinceDone || concurrencyLimit <= 1) {
        return;
      }
      String why = congestion();
      if (why != null) {
        int before = concurrencyLimit;
        concurrencyLimit = Math.max(1, concurrencyLimit / 2);
        lowestLimit = Math.min(lowestLimit, concurrencyLimit);
        decreasedSinceDone = true;
        info("", "adaptive concurrency: limit " + before + " -> " + concurrencyLimit + " of " + policy.maxInFlight()
            + " (" + why + ")");
      }
    }

    /** Additive increase, after a node is DONE while every signal is green. */
    private void adaptUp() {
      RotationPolicy.Adaptive a = policy.speed().adaptive();
      decreasedSinceDone = false;
      if (!a.enabled() || concurrencyLimit >= policy.maxInFlight()) {
        return;
      }
      if (roundGate != null && roundGate.verdict() != GateDecision.Verdict.PASS) {
        return;
      }
      if (congestion() == null) {
        int before = concurrencyLimit;
        concurrencyLimit = Math.min(policy.maxInFlight(), concurrencyLimit + 1);
        info("", "adaptive concurrency: limit " + before + " -> " + concurrencyLimit + " of " + policy.maxInFlight()
            + " (node done, gates green, no unschedulable pod)");
      }
    }

    /** Why the cluster looks congested now, or null. Reads Pending pods at most once per round. */
    private String congestion() {
      RotationPolicy.Adaptive a = policy.speed().adaptive();
      if (roundUnschedulable == null) {
        try {
          roundUnschedulable = (int) timed(() -> ports.cluster().pendingPods()).stream()
              .filter(PodInfo::unschedulable).count();
        } catch (ClusterException e) {
          return "Pending pods unreadable: " + e.getMessage();
        }
      }
      if (roundUnschedulable > a.maxUnschedulablePods()) {
        return roundUnschedulable + " unschedulable Pending pod(s) > " + a.maxUnschedulablePods();
      }
      if (apiLatencyMs > a.maxApiLatency().toMillis()) {
        return "Kubernetes API reads take " + Math.round(apiLatencyMs) + "ms (smoothed) > "
            + a.maxApiLatency().toMillis() + "ms";
      }
      return null;
    }

    /** Runs one Kubernetes read and folds its wall-clock latency into the smoothed figure. */
    private <T> T timed(java.util.function.Supplier<T> read) {
      long t0 = ticker.getAsLong();
      T v = read.get();
      double ms = (ticker.getAsLong() - t0) / 1_000_000.0;
      apiLatencyMs = apiLatencyMs < 0 ? ms : 0.7 * apiLatencyMs + 0.3 * ms;
      return v;
    }

    /** Pre-checks, gates and cordons one node; false when the gate holds this round. */
    private void advance(NodeTrack t) throws FreezeSignal, InterruptedException {
      Instant now = ports.clock().now();
      switch (t.state) {
        case CORDONED -> drain(t, now);
        case DRAINED -> {
          if (now.isBefore(t.notBefore) || !gateAllows("delete node " + t.node)) {
            return;
          }
          try {
            ports.cluster().deleteNode(t.node);
            t.stepFailures = 0;
            transition(t, NodeState.DELETED, "Node object deleted; terminating instance " + t.instance.instanceId());
          } catch (ClusterException e) {
            stepFailed(t, "delete node", e);
            return;
          }
          terminate(t);
        }
        case DELETED -> terminate(t);
        case TERMINATED -> awaitReplacement(t, now);
        default -> {}
      }
    }

    private void drain(NodeTrack t, Instant now) throws FreezeSignal {
      if (now.isBefore(t.notBefore)) {
        return;
      }
      if (!current.containsKey(t.node)) {
        // Someone else deleted the Node mid-drain; its pods are gone with it. The instance still needs to go.
        t.closeWatch();
        transition(t, NodeState.DELETED, "Node deleted by someone else during drain");
        return;
      }
      if (t.watch == null) {
        t.watch = ports.cluster().watchPodsOnNode(t.node);
      }
      boolean timingOut = Duration.between(t.drainStarted, now).compareTo(policy.drainTimeout()) > 0;
      List<PodInfo> seen;
      if (t.watch.synced()) {
        seen = t.watch.pods();
      } else if (timingOut || !now.isBefore(t.lastResync.plus(RESYNC_AFTER))) {
        // The watch has not (re)synced for a while (its LIST keeps failing and the informer backs off): a drain
        // must not depend on it, so read the pods with one LIST (spec.nodeName) now and then meanwhile.
        t.lastResync = now;
        seen = ports.cluster().podsOnNode(t.node);
      } else {
        return;
      }
      boolean onlyTerminating = !seen.isEmpty() && seen.stream()
          .allMatch(p -> p.terminating() || classifier.classify(p) == PodClassifier.Kind.IGNORE);
      if (t.watch.synced() && ((onlyTerminating && !now.isBefore(t.lastResync.plus(RESYNC_AFTER))) || timingOut)) {
        // A watch can miss a deletion (a stream re-opened across it): when only terminating pods are left for a
        // while, and before ever freezing on the drain timeout, compare with one fresh LIST (spec.nodeName).
        t.lastResync = now;
        List<PodInfo> listed = ports.cluster().podsOnNode(t.node);
        java.util.Set<dev.rotator.core.model.PodRef> live = new HashSet<>();
        listed.forEach(p -> live.add(p.ref()));
        List<String> stale = seen.stream().map(PodInfo::ref).filter(r -> !live.contains(r)).map(Object::toString).toList();
        if (!stale.isEmpty()) {
          info(t.node, "the pod watch still showed " + stale.size() + " pod(s) that are gone " + stale
              + "; using a fresh list");
          seen = listed;
        }
      }
      List<PodInfo> remaining = new ArrayList<>();
      List<String> refused = new ArrayList<>();
      for (PodInfo p : seen) {
        switch (classifier.classify(p)) {
          case IGNORE -> {}
          case REFUSE -> refused.add(classifier.refusal(p));
          case EVICT -> remaining.add(p);
        }
      }
      if (!refused.isEmpty()) {
        throw new FreezeSignal(ReasonCode.DRAIN_REFUSED,
            "node " + t.node + " (cordoned) got pod(s) the policy forbids evicting", refused);
      }
      t.stepFailures = 0;
      if (remaining.isEmpty()) {
        t.closeWatch();
        transition(t, NodeState.DRAINED, "drained in " + seconds(Duration.between(t.drainStarted, now)));
        return;
      }
      if (Duration.between(t.drainStarted, now).compareTo(policy.drainTimeout()) > 0) {
        throw drainTimeout(t, remaining);
      }
      int blocked = 0;
      List<PodInfo> due = new ArrayList<>();
      for (PodInfo p : remaining) {
        if (p.terminating()) {
          continue;
        }
        Instant next = t.nextEviction.getOrDefault(p.ref(), Instant.MIN);
        if (now.isBefore(next)) {
          blocked++;
          continue;
        }
        due.add(p);
      }
      if (policy.speed().pdbAwareEvictions()) {
        // Sent, together with every other draining node's, by evictRound once every node has been advanced.
        if (due.isEmpty()) {
          setDrainDetail(t, remaining.size(), blocked);
        } else {
          for (PodInfo p : due) {
            roundCandidates.add(new EvictionScheduler.Candidate(t, p, t.drainStarted, candidateSeq++));
          }
          roundDrainCounts.put(t, new int[] {remaining.size(), blocked});
        }
        return;
      }
      if (!due.isEmpty() && !gateAllows("evict " + due.size() + " pod(s) from " + t.node)) {
        return;
      }
      List<EvictionResult> results = evictAll(due);
      for (int i = 0; i < due.size(); i++) {
        if (foldEviction(t, due.get(i), results.get(i), now)) {
          blocked++;
        }
      }
      setDrainDetail(t, remaining.size(), blocked);
    }

    private void setDrainDetail(NodeTrack t, int left, int waiting) {
      setDetail(t, "draining: " + left + " pod(s) left" + (waiting > 0 ? ", " + waiting + " waiting on PDB/backoff" : ""));
    }

    /**
     * One eviction answer folded into its node's track, on the engine's thread: listeners, backoff, what blocks
     * the pod. True when the pod is left waiting (refused or failed, with its backoff).
     */
    private boolean foldEviction(NodeTrack t, PodInfo p, EvictionResult r, Instant now) throws FreezeSignal {
      evictionRequests++;
      for (EngineListener l : listeners) {
        l.onEviction(t.node, p.ref(), r);
      }
      switch (r.outcome()) {
        case EVICTED, GONE -> {
          t.evictionAttempts.remove(p.ref());
          t.blockedBy.remove(p.ref());
          // The watch may show the pod a moment longer before its deletion arrives: do not ask again unless
          // it is still there, not terminating, a full backoff later.
          t.nextEviction.put(p.ref(), now.plus(policy.evictionBackoffMax()));
          return false;
        }
        default -> {
          if (r.outcome() == EvictionResult.Outcome.BLOCKED && hostage(t, p, now, false)) {
            return false;
          }
          // With pdbAwareEvictions a refused pod is one whose PDB looked open (a status behind the API server's)
          // or that no budget gates: its attempts restart from the initial backoff each time it is held, so a
          // stale status costs a short retry, and a refusal that keeps coming backs off as before.
          int attempt = t.evictionAttempts.merge(p.ref(), 1, Integer::sum);
          Duration wait = evictionBackoff.after(attempt);
          if (r.retryAfter() != null && r.retryAfter().compareTo(wait) > 0) {
            wait = r.retryAfter();
          }
          t.nextEviction.put(p.ref(), now.plus(wait));
          List<String> by = r.outcome() == EvictionResult.Outcome.BLOCKED
              ? (r.blockingPdbs().isEmpty() ? List.of("a PodDisruptionBudget") : r.blockingPdbs())
              : List.of("error: " + r.message());
          t.blockedBy.put(p.ref(), by);
          if (attempt == 1 || attempt % 10 == 0) {
            info(t.node, "eviction of " + p.ref() + " " + r.outcome() + " by " + by + " (attempt " + attempt
                + ", next in " + seconds(wait) + ")");
          }
          return true;
        }
      }
    }

    /**
     * PDB-aware eviction scheduling ({@code speed.pdbAwareEvictions}): the due evictions of every draining node,
     * collected by {@link #drain}, allocated against the PDBs read once this round ({@link EvictionScheduler}:
     * oldest waiter first, a pod whose PDB has no disruption left is held without a request), the gate checked
     * once, the allowed ones sent in one batch ({@code evictionParallelism} at a time), and the answers folded
     * back into each node's track. A held pod whose PDB has shown no disruption to spare for longer than {@code
     * unhealthyPodEviction.after} is checked for a hostage PDB, as a refused one is.
     */
    private void evictRound() throws FreezeSignal {
      Instant now = ports.clock().now();
      List<PdbInfo> pdbs;
      try {
        pdbs = roundPdbs();
      } catch (ClusterException e) {
        info("", "could not read the PDBs this round, sending the due evictions unscheduled: " + e.getMessage());
        pdbs = null;
      }
      EvictionScheduler.Allocation a = scheduler.allocate(roundCandidates, pdbs, now);
      List<EvictionScheduler.Candidate> send = a.send();
      if (!send.isEmpty()) {
        long nodes = send.stream().map(EvictionScheduler.Candidate::track).distinct().count();
        String step = "evict " + send.size() + " pod(s) from "
            + (nodes == 1 ? send.get(0).track().node : nodes + " node(s)");
        if (!gateAllows(step)) {
          return;
        }
      }
      Map<NodeTrack, Integer> waiting = new HashMap<>();
      Batch batch = evictBatch(send.stream().map(EvictionScheduler.Candidate::pod).toList());
      if (batch.failure() != null && !(batch.failure() instanceof ClusterException)) {
        rethrow(batch.failure());
      }
      Set<NodeTrack> failedTracks = new HashSet<>();
      for (int i = 0; i < send.size(); i++) {
        EvictionScheduler.Candidate c = send.get(i);
        EvictionResult r = batch.results().get(i);
        if (r == null) {
          continue; // not sent: the batch stopped at a request that threw (below)
        }
        try {
          if (foldEviction(c.track(), c.pod(), r, now)) {
            waiting.merge(c.track(), 1, Integer::sum);
          }
        } catch (ClusterException e) {
          if (failedTracks.add(c.track())) {
            stepFailed(c.track(), "cordoned step", e);
          }
        }
      }
      if (batch.failure() instanceof ClusterException e) {
        NodeTrack t = send.get(batch.failedAt()).track();
        if (failedTracks.add(t)) {
          stepFailed(t, "cordoned step", e);
        }
      }
      Map<String, EvictionScheduler.Held> firstHeldPerPdb = new LinkedHashMap<>();
      for (EvictionScheduler.Held h : a.held()) {
        NodeTrack t = h.candidate().track();
        PodInfo p = h.candidate().pod();
        waiting.merge(t, 1, Integer::sum);
        t.evictionAttempts.remove(p.ref()); // held is not refused: no backoff grows
        List<String> by = List.of(h.pdb().toString());
        if (!by.equals(t.blockedBy.put(p.ref(), by))) {
          info(t.node, "eviction of " + p.ref() + " held: PDB " + h.pdb() + " allows no disruption now (healthy "
              + h.pdb().currentHealthy() + ", needs " + h.pdb().desiredHealthy() + "); not sent until it does");
        }
        firstHeldPerPdb.putIfAbsent(h.pdb().toString(), h);
      }
      RotationPolicy.UnhealthyPodEviction opt = policy.unhealthyPodEviction();
      for (EvictionScheduler.Held h : firstHeldPerPdb.values()) {
        NodeTrack t = h.candidate().track();
        if (failedTracks.contains(t)
            || !scheduler.hostageCheckDue(h.pdb(), now, opt.after(), policy.evictionBackoffMax())) {
          continue;
        }
        try {
          hostage(t, h.candidate().pod(), now, true);
        } catch (ClusterException e) {
          if (failedTracks.add(t)) {
            stepFailed(t, "cordoned step", e);
          }
        }
      }
      for (var e : roundDrainCounts.entrySet()) {
        setDrainDetail(e.getKey(), e.getValue()[0], e.getValue()[1] + waiting.getOrDefault(e.getKey(), 0));
      }
    }

    /**
     * Evicts the pods, {@code speed.evictionParallelism} requests at a time; the answers come back in the pods'
     * order and are handled on the engine's thread. A request that throws (a PERMANENT refusal, a crash) is
     * rethrown here after every request of the batch has finished, so none is left running behind the engine.
     */
    private List<EvictionResult> evictAll(List<PodInfo> pods) {
      Batch b = evictBatch(pods);
      if (b.failure() != null) {
        rethrow(b.failure());
      }
      return b.results();
    }

    private static void rethrow(Throwable failure) {
      if (failure instanceof RuntimeException re) {
        throw re;
      }
      if (failure instanceof Error err) {
        throw err;
      }
      throw new ClusterException(ClusterException.Kind.RETRYABLE, "eviction failed: " + failure, failure);
    }

    /**
     * The answers of one batch, in the pods' order. {@code failure}: the first request that threw, at index {@code
     * failedAt} (its result and, one after the other, those not sent after it are null).
     */
    private record Batch(List<EvictionResult> results, Throwable failure, int failedAt) {}

    /**
     * Sends the evictions, {@code speed.evictionParallelism} at a time (one after the other at 1, stopping at the
     * first request that throws); every request has finished when it returns. Never throws for a request: see
     * {@link Batch}.
     */
    private Batch evictBatch(List<PodInfo> pods) {
      int parallelism = Math.min(policy.speed().evictionParallelism(), pods.size());
      if (parallelism <= 1) {
        List<EvictionResult> out = new ArrayList<>();
        for (int i = 0; i < pods.size(); i++) {
          try {
            out.add(ports.cluster().evict(pods.get(i).ref()));
          } catch (RuntimeException | Error e) {
            while (out.size() < pods.size()) {
              out.add(null);
            }
            return new Batch(out, e, i);
          }
        }
        return new Batch(out, null, -1);
      }
      java.util.concurrent.ExecutorService pool = evictionPool();
      List<java.util.concurrent.Future<EvictionResult>> futures = new ArrayList<>();
      for (PodInfo p : pods) {
        futures.add(pool.submit(() -> ports.cluster().evict(p.ref())));
      }
      List<EvictionResult> out = new ArrayList<>();
      Throwable failure = null;
      int failedAt = -1;
      boolean interrupted = false;
      for (int i = 0; i < futures.size(); i++) {
        try {
          out.add(futures.get(i).get());
        } catch (java.util.concurrent.ExecutionException e) {
          if (failure == null) {
            failure = e.getCause();
            failedAt = i;
            out.add(null);
          } else {
            out.add(EvictionResult.failed(String.valueOf(e.getCause())));
          }
        } catch (InterruptedException e) {
          // Cancel what has not started; the engine stops at the next round's interruption check.
          interrupted = true;
          futures.forEach(f -> f.cancel(true));
          out.add(EvictionResult.failed("eviction of " + pods.get(i).ref() + " interrupted"));
        } catch (java.util.concurrent.CancellationException e) {
          out.add(EvictionResult.failed("eviction of " + pods.get(i).ref() + " cancelled"));
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return new Batch(out, failure, failedAt);
    }

    private java.util.concurrent.ExecutorService evictionPool() {
      if (evictionPool == null) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        evictionPool = java.util.concurrent.Executors.newFixedThreadPool(policy.speed().evictionParallelism(), r -> {
          Thread th = new Thread(r, "rotator-evict-" + n.incrementAndGet());
          th.setDaemon(true);
          return th;
        });
      }
      return evictionPool;
    }

    /**
     * An eviction of {@code p} was refused. Is its PDB held hostage: does it allow nothing because of pods that
     * have been not Ready for longer than {@code unhealthyPodEviction.after}, so that waiting cannot help? Then
     * either delete {@code p} (it is one of those pods, and the opt-in covers it: true is returned) or freeze with
     * PDB_HOSTAGE, naming the PDB and its unhealthy pods. False: an ordinary refusal, retried with backoff.
     */
    private boolean hostage(NodeTrack t, PodInfo p, Instant now, boolean held) throws FreezeSignal {
      RotationPolicy.UnhealthyPodEviction opt = policy.unhealthyPodEviction();
      for (PdbInfo pdb : roundPdbs()) {
        if (!pdb.covers(p) || pdb.disruptionsAllowed() > 0 || pdb.currentHealthy() >= pdb.expectedPods()) {
          continue; // not this PDB, or it has no unhealthy pod: an ordinary tight budget
        }
        List<PodInfo> members = pdbPods(pdb);
        if (members == null) {
          continue; // could not list them this round: decide on a later refusal
        }
        List<PodInfo> sick = members.stream()
            .filter(m -> !m.ready() && !m.terminating() && !m.finished() && !m.nodeName().isEmpty())
            .filter(m -> m.notReadySince() != null && !now.isBefore(m.notReadySince().plus(opt.after())))
            .toList();
        // Hostage only when the long-unhealthy pods alone use up the budget: pods merely starting up (evicted a
        // moment ago) give their disruption back when Ready, so that budget is tight, not held.
        if (sick.isEmpty() || pdb.expectedPods() - sick.size() - pdb.desiredHealthy() >= 1) {
          continue;
        }
        // While the budget's healthy count is met the API evicts not-Ready pods (IfHealthyBudget): one on a node
        // this run still drains will go, and give the budget back. Not a hostage, only a wait.
        if (pdb.currentHealthy() >= pdb.desiredHealthy() && sick.stream().anyMatch(m -> stillToDrain(m.nodeName()))) {
          continue;
        }
        // A held pod (pdbAwareEvictions, not sent): when one of the unhealthy pods is on a node draining now, its
        // own eviction (not-Ready pods are always sent) decides, deleting it under the opt-in or freezing.
        if (held && sick.stream().anyMatch(m -> draining(m.nodeName()))) {
          continue;
        }
        boolean pIsSick = sick.stream().anyMatch(m -> m.ref().equals(p.ref()));
        if (pIsSick && opt.covers(p)) {
          deleteUnhealthy(t, p, pdb);
          return true;
        }
        throw hostageFreeze(t, p, pdb, sick, now, pIsSick);
      }
      return false;
    }

    /** A node of this run that is draining (cordoned, pods left). */
    private boolean draining(String node) {
      NodeTrack t = tracks.get(node);
      return t != null && t.state == NodeState.CORDONED;
    }

    /** A node of this run that is pending or draining. */
    private boolean stillToDrain(String node) {
      NodeTrack t = tracks.get(node);
      return t != null && (t.state == NodeState.PENDING || t.state == NodeState.CORDONED);
    }

    private void deleteUnhealthy(NodeTrack t, PodInfo p, PdbInfo pdb) throws FreezeSignal {
      String why = "not Ready since " + p.notReadySince() + (p.state().isEmpty() ? "" : " (" + p.state() + ")")
          + "; PDB " + pdb + " allows no disruption (healthy " + pdb.currentHealthy() + ", needs "
          + pdb.desiredHealthy() + "); policy.unhealthyPodEviction";
      try {
        ports.cluster().deleteUnhealthyPod(p.ref(), why);
      } catch (ClusterException e) {
        if (e.kind() == ClusterException.Kind.NOT_FOUND) {
          return;
        }
        throw e;
      }
      unhealthyDeleted++;
      t.evictionAttempts.remove(p.ref());
      t.blockedBy.remove(p.ref());
      t.nextEviction.put(p.ref(), ports.clock().now().plus(policy.evictionBackoffMax()));
      info(t.node, "deleted not-Ready pod " + p.ref() + " (graceful delete): " + why);
      ports.notifier().notify(event(RotationEvent.Type.POD_DELETED, t.node, null,
          "deleted not-Ready pod " + p.ref() + " held by PDB " + pdb + " (policy.unhealthyPodEviction)",
          List.of("pod " + p.ref() + " on " + t.node + ": " + why)));
    }

    private FreezeSignal hostageFreeze(
        NodeTrack t, PodInfo p, PdbInfo pdb, List<PodInfo> sick, Instant now, boolean pIsSick) {
      List<String> evidence = new ArrayList<>();
      evidence.add("PDB " + pdb + " (" + (pdb.minAvailable().isEmpty() ? "maxUnavailable " + pdb.maxUnavailable()
          : "minAvailable " + pdb.minAvailable()) + "): healthy " + pdb.currentHealthy() + " of "
          + pdb.expectedPods() + ", needs " + pdb.desiredHealthy() + ", disruptionsAllowed "
          + pdb.disruptionsAllowed());
      for (PodInfo m : sick) {
        evidence.add("unhealthy pod " + m.ref() + " on " + m.nodeName() + ": not Ready for "
            + seconds(Duration.between(m.notReadySince(), now)) + (m.state().isEmpty() ? "" : ", " + m.state())
            + (m.phase().isEmpty() ? "" : ", phase " + m.phase()));
      }
      evidence.add("blocked eviction: pod " + p.ref() + " on " + t.node + (pIsSick
          ? " (not Ready; outside policy.unhealthyPodEviction's scope)"
          : " (Ready; its budget is used up by the unhealthy pods)"));
      return new FreezeSignal(ReasonCode.PDB_HOSTAGE,
          "PDB " + pdb + " allows no disruption: " + sick.size() + " of its pods have been not Ready for more than "
              + seconds(policy.unhealthyPodEviction().after()) + "; the drain of " + t.node
              + " cannot finish; the node stays cordoned and nothing was forced",
          evidence);
    }

    /** The PDBs with their status, read at most once per round. */
    private List<PdbInfo> roundPdbs() {
      if (roundPdbs == null) {
        roundPdbs = timed(() -> ports.cluster().pdbs());
      }
      return roundPdbs;
    }

    /** The pods a PDB selects, listed at most once per round and PDB; null when the list failed. */
    private List<PodInfo> pdbPods(PdbInfo pdb) {
      return roundPdbPods.computeIfAbsent(pdb.toString(), k -> {
        try {
          return timed(() -> ports.cluster().podsSelectedBy(pdb.namespace(), pdb.selector()));
        } catch (ClusterException e) {
          info("", "could not list the pods of PDB " + pdb + " (retrying on a later refusal): " + e.getMessage());
          return null;
        }
      });
    }

    private FreezeSignal drainTimeout(NodeTrack t, List<PodInfo> remaining) {
      List<PdbInfo> pdbs;
      try {
        pdbs = ports.cluster().pdbs();
      } catch (ClusterException e) {
        pdbs = List.of();
      }
      List<String> evidence = new ArrayList<>();
      for (PodInfo p : remaining) {
        StringBuilder line = new StringBuilder("pod " + p.ref() + (p.terminating() ? " (terminating)" : ""));
        List<PdbInfo> covering = pdbs.stream().filter(pdb -> pdb.covers(p)).toList();
        for (PdbInfo pdb : covering) {
          line.append(" blocked by PDB ").append(pdb).append(" (healthy ").append(pdb.currentHealthy())
              .append(", needs ").append(pdb.desiredHealthy()).append(", disruptionsAllowed ")
              .append(pdb.disruptionsAllowed()).append(')');
        }
        if (covering.isEmpty() && t.blockedBy.containsKey(p.ref())) {
          line.append(" last refused by ").append(t.blockedBy.get(p.ref()));
        }
        evidence.add(line.toString());
      }
      return new FreezeSignal(ReasonCode.DRAIN_TIMEOUT,
          "drain of " + t.node + " did not finish within " + seconds(policy.drainTimeout()) + "; "
              + remaining.size() + " pod(s) left; the node stays cordoned and was not forced",
          evidence);
    }

    private void terminate(NodeTrack t) throws FreezeSignal {
      Instant now = ports.clock().now();
      if (now.isBefore(t.notBefore) || !gateAllows("terminate instance " + t.instance.instanceId())) {
        return;
      }
      String group = t.instance.groupId();
      int outstanding = surgeOutstanding.getOrDefault(group, 0);
      long notYetTerminated = tracks.values().stream()
          .filter(x -> x.instance.groupId().equals(group))
          .filter(x -> x.state == NodeState.PENDING && !noMoreStarts()
              || x.state.inFlight() && x.state != NodeState.TERMINATED)
          .count();
      // The last `surge` nodes of a group give the surge back: terminate them with desired-1, so the group
      // ends at its original size without ever removing a node that runs pods.
      boolean decrement = outstanding > 0 && notYetTerminated <= outstanding;
      try {
        ports.cloud().terminate(t.instance, decrement);
      } catch (CloudException e) {
        if (e.kind() == CloudException.Kind.RETRYABLE) {
          t.stepFailures++;
          t.notBefore = now.plus(evictionBackoff.after(t.stepFailures));
          info(t.node, "terminate failed (retrying): " + e.getMessage());
          if (Duration.between(t.since, now).compareTo(policy.replacementTimeout()) > 0) {
            throw cloudFreeze("terminate " + t.instance.instanceId(), e);
          }
          return;
        }
        throw cloudFreeze("terminate " + t.instance.instanceId(), e);
      }
      t.stepFailures = 0;
      if (decrement) {
        surgeOutstanding.put(group, outstanding - 1);
      } else {
        expectedNew.merge(group, 1, Integer::sum);
      }
      // New nodes are interchangeable: this node is replaced once the group has as many new Ready nodes as it
      // owed up to and including this termination (surge first, then terminations in order).
      t.replacementsOwed = expectedNew.getOrDefault(group, 0);
      transition(t, NodeState.TERMINATED, decrement
          ? "instance terminated (desired capacity decremented: surge given back)"
          : "instance terminated; waiting for its replacement to be Ready");
    }

    private void awaitReplacement(NodeTrack t, Instant now) throws FreezeSignal {
      String group = t.instance.groupId();
      int expected = t.replacementsOwed;
      if (roundNewReady == null) {
        // Once per round for every group: per terminated node it was O(in flight x nodes) each round.
        roundNewReady = new HashMap<>();
        for (NodeInfo n : current.values()) {
          if (!initialNodes.contains(n.name()) && n.ready()) {
            instanceOf(n).ifPresent(r -> roundNewReady.merge(r.groupId(), 1L, Long::sum));
          }
        }
      }
      long ready = roundNewReady.getOrDefault(group, 0L);
      if (ready >= expected) {
        transition(t, NodeState.DONE, "replaced (" + ready + " new Ready node(s) in " + group + ")");
        lastDone = t.since;
        adaptUp();
        ports.notifier().notify(event(RotationEvent.Type.NODE_DONE, t.node, null, "node rotated", List.of()));
        return;
      }
      setDetail(t, "waiting for replacement: " + ready + "/" + expected + " new node(s) Ready in " + group);
      if (Duration.between(t.since, now).compareTo(policy.replacementTimeout()) > 0) {
        throw new FreezeSignal(ReasonCode.REPLACEMENT_NOT_READY,
            "replacement capacity for " + t.node + " not Ready within " + seconds(policy.replacementTimeout()),
            List.of("group " + group + ": " + ready + " new Ready node(s), " + expected + " expected"));
      }
    }

    /** Evaluates the gate once per round, lazily; PASS lets disruptive steps go on this round. */
    private boolean gateAllows(String step) throws FreezeSignal {
      if (roundGate == null) {
        roundGate = ports.gate().evaluate(step);
        if (roundGate.verdict() == GateDecision.Verdict.FAIL) {
          ReasonCode reason = roundGate.reason() == null ? ReasonCode.CLUSTER_UNHEALTHY : roundGate.reason();
          throw new FreezeSignal(reason, "health gate failed before: " + step, roundGate.evidence());
        }
        if (roundGate.verdict() == GateDecision.Verdict.WAIT) {
          List<String> unknown = roundGate.evidence();
          info("", (unknown.isEmpty() ? "gate not yet passed enough consecutive times"
              : "gate holding on unknown check(s) " + unknown) + "; holding: " + step);
        }
      }
      return roundGate.verdict() == GateDecision.Verdict.PASS;
    }

    /** Before the run's first disruptive step: waits (bounded) until the gate passes or fails. */
    private void awaitGate(String step) throws FreezeSignal, InterruptedException {
      for (int i = 0; i < 100; i++) {
        roundGate = null;
        ModeState mode = ports.store().mode();
        if (mode.frozen()) {
          throw new FreezeSignal(reasonOf(mode), "frozen by " + mode.by() + ": " + mode.message(), mode.evidence());
        }
        if (gateAllows(step)) {
          return;
        }
        ports.clock().sleep(policy.pollInterval());
      }
      throw new FreezeSignal(ReasonCode.CLUSTER_UNHEALTHY, "health gate never passed before: " + step, List.of());
    }

    private void stepFailed(NodeTrack t, String step, ClusterException e) throws FreezeSignal {
      if (e.kind() == ClusterException.Kind.PERMANENT) {
        throw new FreezeSignal(ReasonCode.API_UNAVAILABLE, step + " " + t.node + " refused: " + e.getMessage(),
            List.of(e.getMessage()));
      }
      t.stepFailures++;
      t.notBefore = ports.clock().now().plus(evictionBackoff.after(t.stepFailures));
      info(t.node, step + " failed (attempt " + t.stepFailures + "), retrying: " + e.getMessage());
      if (t.stepFailures >= MAX_FAILED_ROUNDS) {
        throw new FreezeSignal(ReasonCode.API_UNAVAILABLE, step + " " + t.node + " kept failing: " + e.getMessage(),
            List.of(e.getMessage()));
      }
    }

    private FreezeSignal cloudFreeze(String what, CloudException e) {
      ReasonCode code = e.kind() == CloudException.Kind.QUOTA ? ReasonCode.CLOUD_QUOTA : ReasonCode.CLOUD_ERROR;
      return new FreezeSignal(code, what + " failed at provider " + ports.cloud().name() + ": " + e.getMessage(),
          List.of(e.kind() + ": " + e.getMessage()));
    }

    private RunResult freeze(FreezeSignal f) {
      if (Thread.currentThread().isInterrupted()) {
        // SIGTERM interrupted a gate check or an API call mid-flight: the failure is the shutdown's, not the
        // cluster's. Persisting a freeze would stop every later run until a human resumes; the next run
        // re-checks everything before its first disruptive step.
        LOG.info("run={} interrupted while {} was failing: not frozen", options.runId(), f.reason);
        return result(RunResult.Outcome.INTERRUPTED, null,
            "interrupted; nodes in flight were left as they are (see status)", List.of());
      }
      String by = "rotator";
      ModeState persisted = null;
      String message = f.getMessage();
      RuntimeException lastError = null;
      // The API may be the very thing that is failing: try a few times before giving up on persisting.
      for (int attempt = 1; attempt <= FREEZE_WRITE_ATTEMPTS && persisted == null; attempt++) {
        try {
          persisted = ports.store().freeze(f.reason.name(), f.getMessage(), f.evidence, by);
        } catch (RuntimeException e) {
          lastError = e;
          if (attempt < FREEZE_WRITE_ATTEMPTS) {
            try {
              ports.clock().sleep(evictionBackoff.after(attempt));
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
              break;
            }
          }
        }
      }
      if (persisted == null && lastError != null) {
        message = message + " (could not persist the freeze: " + lastError.getMessage() + ")";
        LOG.error("run={} could not persist freeze {}: {}", options.runId(), f.reason, lastError.toString());
      }
      boolean ours = persisted == null || persisted.reason().equals(f.reason.name()) && by.equals(persisted.by());
      if (ours) {
        ports.notifier().notify(event(RotationEvent.Type.FROZEN, "", f.reason, message, f.evidence));
      }
      return result(RunResult.Outcome.FROZEN, f.reason, message, f.evidence);
    }

    private void transition(NodeTrack t, NodeState to, String detail) {
      t.state = to;
      if (to != NodeState.PENDING && to != NodeState.CORDONED) {
        t.orderPods = null; // only the start order (pending) and its in-flight load (draining) read it
      }
      t.since = ports.clock().now();
      t.detail = detail;
      dirty = true;
      LOG.info("run={} node={} state={} {}", options.runId(), t.node, to, detail);
      NodeProgress p = t.progress();
      for (EngineListener l : listeners) {
        l.onTransition(p);
      }
    }

    private void info(String node, String message) {
      LOG.info("run={}{} {}", options.runId(), node.isEmpty() ? "" : " node=" + node, message);
      for (EngineListener l : listeners) {
        l.onInfo(node, message);
      }
    }

    private void saveProgress(boolean finalSave) {
      Instant now = ports.clock().now();
      boolean detailDue = detailChanged && Duration.between(lastSave, now).compareTo(DETAIL_SAVE_INTERVAL) >= 0;
      if (!dirty && !finalSave && !detailDue) {
        return;
      }
      lastSave = now;
      detailChanged = false;
      try {
        ports.store().saveProgress(new RotationProgress(options.runId(), started, ports.clock().now(),
            finalSave ? "ENDED" : "RUNNING", originalDesired,
            tracks.values().stream().map(NodeTrack::progress).toList()));
        dirty = false;
      } catch (RuntimeException e) {
        // Progress is informational in this version (the live cluster is re-derived every run); keep rotating.
        LOG.warn("run={} could not save progress: {}", options.runId(), e.toString());
      }
    }

    private String summary() {
      long done = tracks.values().stream().filter(t -> t.state == NodeState.DONE).count();
      long failed = tracks.values().stream().filter(t -> t.state == NodeState.FAILED).count();
      long left = tracks.values().stream().filter(t -> t.state == NodeState.PENDING).count();
      return done + " node(s) rotated" + (failed > 0 ? ", " + failed + " failed" : "")
          + (left > 0 ? ", " + left + " left for the next " + (windowClosed ? "window" : "run") : "") + " in "
          + seconds(Duration.between(started, ports.clock().now())) + "; " + evictionRequests + " eviction request(s)"
          + (unhealthyDeleted > 0 ? ", " + unhealthyDeleted + " not-Ready pod(s) deleted" : "")
          + (surgeRequested > 0 ? "; surge " + surgeRequested + " requested" + surgeLead() : "")
          + (policy.speed().adaptive().enabled() && lowestLimit < policy.maxInFlight()
              ? "; adaptive concurrency went down to " + lowestLimit + " of " + policy.maxInFlight() : "");
    }

    /** How far the surge ran ahead of the drains: the overlap surgeBeforeDrain buys. */
    private String surgeLead() {
      if (surgeRequestedAt == null || firstDrainAt == null) {
        return "";
      }
      return " " + seconds(Duration.between(surgeRequestedAt, firstDrainAt)) + " before the first drain"
          + (firstNewReadyAt == null ? "" : ", first new node Ready "
              + seconds(Duration.between(surgeRequestedAt, firstNewReadyAt)) + " after the request");
    }

    private RotationEvent event(RotationEvent.Type type, String node, ReasonCode reason, String msg, List<String> ev) {
      return new RotationEvent(type, options.runId(), node, reason == null ? "" : reason.name(), msg, ev,
          ports.clock().now());
    }

    private RunResult result(RunResult.Outcome o, ReasonCode reason, String msg, List<String> evidence) {
      return new RunResult(o, reason, msg, evidence,
          tracks.values().stream().map(NodeTrack::progress).toList(),
          Duration.between(started, ports.clock().now()));
    }
  }

  private static ReasonCode reasonOf(ModeState mode) {
    try {
      return ReasonCode.valueOf(mode.reason());
    } catch (IllegalArgumentException e) {
      return ReasonCode.MANUAL;
    }
  }

  private static String seconds(Duration d) {
    return d.toSeconds() + "s";
  }
}
