package dev.rotator.sim;

import dev.rotator.core.ScaledClock;
import dev.rotator.core.engine.KubeVersion;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.fake.FakeGroupSpec;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.sim.Scenario.NodeGroupSpec;
import dev.rotator.sim.api.ApiFaults;
import dev.rotator.sim.api.ApiServer;
import dev.rotator.sim.api.ApiStats;
import dev.rotator.sim.cluster.Disruption;
import dev.rotator.sim.cluster.Kubelet;
import dev.rotator.sim.cluster.Names;
import dev.rotator.sim.cluster.NodeLifecycle;
import dev.rotator.sim.cluster.PdbStatusController;
import dev.rotator.sim.cluster.PdbTracker;
import dev.rotator.sim.cluster.Scheduler;
import dev.rotator.sim.cluster.WorkloadController;
import dev.rotator.sim.fault.FakeEtcd;
import dev.rotator.sim.fault.FakePrometheus;
import dev.rotator.sim.fault.FaultInjector;
import dev.rotator.sim.fault.FaultReport;
import dev.rotator.sim.record.Observations;
import dev.rotator.sim.record.Recorder;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A simulated cluster, kwok-style, that rotator drives through the real fabric8 client over HTTP:
 *
 * <ul>
 *   <li>an API server on 127.0.0.1 ({@link ApiServer}) over an indexed in-memory store;
 *   <li>a fake cloud ({@link #cloud()}) whose node groups launch instances after a provisioning delay;
 *   <li>simulated controllers (node lifecycle, workloads, scheduler, kubelet, PDB status) ticking once per
 *       simulated second on a {@link ScaledClock} shared with rotator;
 *   <li>a {@link Recorder} of what really happened, reported by {@link #report()};
 *   <li>when the scenario asks for them, a fake etcd cluster and a fake Prometheus on 127.0.0.1, and a
 *       {@link FaultInjector} that switches the scenario's faults on and off mid-rotation.
 * </ul>
 *
 * {@link #start} returns once the initial pods are Running and Ready; {@link #close} stops everything.
 */
public final class Simulator implements AutoCloseable {
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration CLOUD_NODE_DELETE_DELAY = Duration.ofSeconds(5);
  private static final int BOOTSTRAP_ROUNDS = 10;
  private static final int MAX_LATE_DETAILS = 20;

  private final Scenario scenario;
  private final ScaledClock clock;
  private final ClusterStore store;
  private final FakeCloud cloud;
  private final dev.rotator.provider.fake.FakeNodePools nodePools;
  private final Recorder recorder;
  private final NodeLifecycle nodes;
  private final Scheduler scheduler;
  private final Kubelet kubelet;
  private final PdbStatusController pdbStatus;
  private final PdbTracker pdbs;
  private final ApiServer api;
  private final ApiFaults apiFaults = new ApiFaults();
  private FakeEtcd etcd;
  private FakePrometheus prometheus;
  private FaultInjector faults;
  private WorkloadController workloads;
  private Thread ticker;
  private Instant readyAt;
  private volatile boolean stopping;
  private volatile Throwable failure;
  private volatile LowerBound.Result lowerBound;

  private Simulator(Scenario scenario) {
    this.scenario = scenario;
    this.lowerBound = LowerBound.of(scenario);
    this.clock = new ScaledClock(scenario.clock().start(), scenario.clock().scale());
    this.store = new ClusterStore(clock);
    this.cloud = new FakeCloud(clock);
    this.nodePools = new dev.rotator.provider.fake.FakeNodePools(cloud);
    this.pdbs = new PdbTracker(store);
    this.recorder =
        new Recorder(
            store, cloud, pdbs, scenario.clock().start(),
            scenario.nodeGroups().stream().map(NodeGroupSpec::name).toList(),
            scenario.timing().grace(), scenario.unhealthyPodDeletes());
    Map<String, Duration> readyDelay = new HashMap<>();
    scenario.nodeGroups().forEach(g -> readyDelay.put(g.name(), Duration.ofSeconds(g.readySeconds())));
    this.nodes = new NodeLifecycle(store, g -> readyDelay.getOrDefault(g, Duration.ZERO), CLOUD_NODE_DELETE_DELAY);
    this.scheduler = new Scheduler(store);
    this.kubelet = new Kubelet(store);
    this.pdbStatus = new PdbStatusController(store, pdbs);
    this.api = new ApiServer(store, recorder, pdbs, KubeVersion.parse(scenario.controlPlaneVersion()).toString(), apiFaults);
  }

  /** Builds the cluster, starts the API and the controllers; returns when the initial pods are Ready. */
  public static Simulator start(Scenario scenario) {
    Simulator sim = new Simulator(scenario);
    try {
      sim.boot();
    } catch (RuntimeException e) {
      sim.close();
      throw e;
    }
    return sim;
  }

  private void boot() {
    if (scenario.hasEtcd()) {
      etcd = FakeEtcd.start(scenario.etcd().members(), scenario.seed());
    }
    if (scenario.hasPrometheus()) {
      prometheus = FakePrometheus.start(clock, scenario.prometheus().queries());
    }
    faults = new FaultInjector(scenario, store, cloud, recorder, nodes, apiFaults, etcd, prometheus);
    nodes.registration(faults);
    nodes.nodePools(nodePools);
    workloads = new WorkloadController(store, new Names(scenario.seed()), ClusterBootstrap.staticPods(scenario));
    // Listener order: controllers, then the PDB status, then the recorder. Each sees every event in order.
    store.addListener(pdbs);
    store.addListener(scheduler);
    store.addListener(kubelet);
    store.addListener(nodes);
    store.addListener(workloads);
    store.addListener(pdbStatus);
    store.addListener(recorder);
    ClusterBootstrap.namespaces(store, scenario);
    for (NodeGroupSpec g : scenario.nodeGroups()) {
      cloud.addGroup(
          new FakeGroupSpec(
              g.name(), g.zones(), g.size(), g.minSize(), g.maxSize(), g.quota(), g.targetVersion(),
              g.instanceType(), g.cpuMillis(), g.memoryMi(), Duration.ofSeconds(g.provisioningSeconds()),
              g.flavor()));
      for (int i = 0; i < g.size(); i++) {
        FakeInstance inst = cloud.addRunningInstance(g.name(), g.zones().get(i % g.zones().size()), g.kubeletVersion());
        nodes.registerReady(inst);
      }
    }
    cloud.addListener(recorder);
    cloud.addListener(nodes);
    ClusterBootstrap.workloads(store, scenario);
    settle();
    api.control(new SimControl(this, cloud));
    api.start();
    recorder.arm();
    readyAt = clock.now();
    ticker = new Thread(this::tickLoop, "sim-controllers");
    ticker.setDaemon(true);
    ticker.start();
  }

  /** Runs the controllers until the initial pods are bound and Ready (the cluster was running before). */
  private void settle() {
    for (int round = 0; round < BOOTSTRAP_ROUNDS; round++) {
      Instant now = clock.now();
      workloads.tick(now);
      scheduler.tick(now);
      kubelet.startAllNow(now);
      workloads.tick(now);
      if (!scheduler.hasPending() && !kubelet.busy()) {
        return;
      }
    }
    List<String> stuck =
        store.podsOnNode("").stream()
            .limit(5)
            .map(p -> ClusterStore.key(p) + " (" + unschedulableMessage(p) + ")")
            .toList();
    if (!stuck.isEmpty()) {
      throw new ScenarioException(
          scenario.name(),
          "workloads",
          store.podsOnNode("").size() + " pod(s) do not fit on the nodes at start, e.g. " + String.join("; ", stuck));
    }
  }

  private static String unschedulableMessage(Pod p) {
    return p.getStatus() == null || p.getStatus().getConditions() == null
        ? "pending"
        : p.getStatus().getConditions().stream()
            .filter(c -> "PodScheduled".equals(c.getType()))
            .map(c -> c.getMessage())
            .findFirst()
            .orElse("pending");
  }

  private void tickLoop() {
    try {
      while (!stopping) {
        Instant now = clock.now();
        cloud.reconcile(now);
        nodes.tick(now);
        workloads.tick(now);
        scheduler.tick(now);
        kubelet.tick(now);
        recorder.observeCloud();
        faults.tick(now);
        api.dropRequestLog();
        clock.sleep(TICK);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      // Stop simulating rather than run on in a broken state; report() and awaitQuiet() surface it.
      failure = e;
    }
  }

  // ---------------------------------------------------------------- public API

  public Scenario scenario() {
    return scenario;
  }

  /** The API server's base URL, {@code http://127.0.0.1:<port>}. */
  public String apiUrl() {
    return api.url();
  }

  /**
   * The client URLs of the fake etcd members ({@code http://127.0.0.1:<port>}), for rotator's {@code
   * gates.etcd.endpoints}; empty when the scenario has no etcd.
   */
  public List<String> etcdEndpoints() {
    return etcd == null ? List.of() : etcd.endpoints();
  }

  /** The fake Prometheus' base URL, for rotator's {@code gates.prometheus.url}; empty when there is none. */
  public Optional<String> prometheusUrl() {
    return Optional.ofNullable(prometheus).map(FakePrometheus::url);
  }

  /** The fake etcd cluster, when the scenario has one (tests inspect it). */
  public Optional<FakeEtcd> etcd() {
    return Optional.ofNullable(etcd);
  }

  /** The simulated clock; give it to rotator so both count time the same way. */
  public ScaledClock clock() {
    return clock;
  }

  /** The fake cloud behind the nodes; rotator uses it as its CloudProvider. */
  public FakeCloud cloud() {
    return cloud;
  }

  /** Whole node pools on {@link #cloud()}: what a node-pool switch creates and deletes pools through. */
  public dev.rotator.provider.fake.FakeNodePools nodePools() {
    return nodePools;
  }

  /** Why the controllers stopped, if they did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** Writes a kubeconfig pointing at the simulated API (context {@code rotator-sim}). */
  public void writeKubeconfig(Path file) {
    String yaml =
        "apiVersion: v1\n"
            + "kind: Config\n"
            + "clusters:\n"
            + "- name: rotator-sim\n"
            + "  cluster:\n"
            + "    server: " + apiUrl() + "\n"
            + "contexts:\n"
            + "- name: rotator-sim\n"
            + "  context:\n"
            + "    cluster: rotator-sim\n"
            + "    user: rotator-sim\n"
            + "    namespace: default\n"
            + "current-context: rotator-sim\n"
            + "users:\n"
            + "- name: rotator-sim\n"
            + "  user:\n"
            + "    token: simulated\n";
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write kubeconfig " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits, on the simulated clock, until nothing is in transition: no pod Pending, starting or terminating,
   * no instance provisioning, no Node waiting to become Ready or be deleted, no fault on that is scheduled
   * to end. Pods waiting for a NotReady node's kubelet do not count (a fault may hold the node NotReady).
   *
   * @return false when {@code simTimeout} of simulated time passed first
   */
  public boolean awaitQuiet(Duration simTimeout) {
    Instant deadline = clock.now().plus(simTimeout);
    while (true) {
      throwIfFailed();
      if (quiet()) {
        return true;
      }
      if (!clock.now().isBefore(deadline)) {
        return false;
      }
      try {
        clock.sleep(TICK);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * The cloud first (its changes reach the store through listeners after its own lock is released, and
   * settled() stays false until they have), then the store's side in one consistent look.
   */
  private boolean quiet() {
    if (!cloud.settled() || faults.busy()) {
      return false;
    }
    return store.read(() -> !scheduler.hasPending() && !kubelet.busy() && !workloads.busy() && !nodes.busy());
  }

  /**
   * Whether every node outdated at the start was rotated, nothing is left to launch and every live instance
   * has a Ready Node (the recorder's view, as {@link SimReport#rotationComplete()}).
   */
  public boolean rotationComplete() {
    throwIfFailed();
    return recorder.snapshot().rotationComplete();
  }

  /** A snapshot of what the simulator observed so far. */
  public SimReport report() {
    throwIfFailed();
    Observations o = recorder.snapshot();
    ApiStats stats = api.stats();
    double wall = Duration.between(readyAt, clock.now()).toMillis() / 1000.0 / clock.scale();
    List<FaultReport> faultReports = faults == null ? List.of() : faults.report();
    Double firstOnset = faultReports.stream().map(FaultReport::onsetSeconds).filter(java.util.Objects::nonNull)
        .min(Double::compare).orElse(null);
    Double firstDeadline = faultReports.stream().map(FaultReport::deadlineSeconds)
        .filter(java.util.Objects::nonNull).min(Double::compare).orElse(null);
    Double reaction = null;
    if (firstOnset != null) {
      for (Observations.Freeze f : o.freezes()) {
        if (f.atSeconds() >= firstOnset) {
          reaction = round(f.atSeconds() - firstOnset);
          break;
        }
      }
    }
    List<String> late = new java.util.ArrayList<>();
    if (firstDeadline != null) {
      for (Observations.Action a : o.disruptiveActions()) {
        if (a.atSeconds() > firstDeadline) {
          late.add(String.format(java.util.Locale.ROOT, "%.1fs: %s", a.atSeconds(), a.what()));
        }
      }
    }
    return new SimReport(
        scenario.name(),
        o.nodesAtStart(),
        o.nodesOutdatedAtStart(),
        o.nodesRotated(),
        o.rotationComplete(),
        o.makespanSeconds(),
        Math.round(wall * 1000) / 1000.0,
        o.pdbViolations().size(),
        o.pdbViolations(),
        o.minHealthyByPdb(),
        o.maxNodesUnavailable(),
        o.podsLost(),
        o.podsLostDetails(),
        o.podsLostToOthers().size(),
        o.podsLostToOthers(),
        o.actionsByOthers(),
        o.podDeleteRequests(),
        o.unhealthyPodDeletes().size(),
        o.unhealthyPodDeletes(),
        o.invariantViolations(),
        o.evictionsAccepted(),
        o.evictionsRefused(),
        stats.total(),
        stats.byVerb(),
        stats.byClient(),
        stats.byResource(),
        o.freezes(),
        round(scenario.timing().grace().toMillis() / 1000.0),
        faultReports,
        reaction,
        o.disruptiveActions().size(),
        late.size(),
        late.stream().limit(MAX_LATE_DETAILS).toList(),
        o.disruptiveActionsAfterFreeze().size(),
        o.disruptiveActionsAfterFreeze().stream().limit(MAX_LATE_DETAILS).toList(),
        o.rollbackActions().size(),
        o.rollbackActions().stream().limit(MAX_LATE_DETAILS)
            .map(a -> String.format(java.util.Locale.ROOT, "%.1fs: %s", a.atSeconds(), a.what())).toList(),
        cloudFlavors(),
        cloudZones(),
        cloud.instances().stream()
            .map(i -> new SimReport.CloudInstance(
                i.groupId(), i.zone(), i.id(), i.providerId(), i.nodeName(), i.version(), i.state().name()))
            .toList(),
        lowerBound,
        lowerBound.ratio(o.makespanSeconds()));
  }

  /**
   * Judges the makespan against the lower bound of this policy instead of the scenario's {@code rotator:}
   * section (a rotator in another process, or a benchmark that runs another policy).
   */
  public void assumePolicy(int maxUnavailable, int maxSurge) {
    this.lowerBound = LowerBound.of(scenario, maxUnavailable, maxSurge);
  }

  private java.util.Map<String, String> cloudFlavors() {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (NodeGroupSpec g : scenario.nodeGroups()) {
      out.put(g.name(), g.flavor().kind().name().toLowerCase(java.util.Locale.ROOT));
    }
    return out;
  }

  private java.util.Map<String, java.util.Map<String, Integer>> cloudZones() {
    java.util.Map<String, java.util.Map<String, Integer>> out = new java.util.LinkedHashMap<>();
    for (NodeGroupSpec g : scenario.nodeGroups()) {
      java.util.Map<String, Integer> live = new java.util.LinkedHashMap<>();
      g.zones().forEach(z -> live.put(z, 0));
      cloud.liveInstances(g.name()).forEach(i -> live.merge(i.zone(), 1, Integer::sum));
      out.put(g.name(), live);
    }
    return out;
  }

  private static double round(double seconds) {
    return Math.round(seconds * 1000) / 1000.0;
  }

  private void throwIfFailed() {
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException("the simulated controllers failed: " + f, f);
    }
  }

  /**
   * Self-check of the simulator's incremental bookkeeping against a recomputation from scratch: every PDB's
   * stored status and tracked numbers must equal a full scan. Empty when consistent; for tests.
   */
  public List<String> consistencyProblems() {
    return store.read(
        () -> {
          List<String> problems = new java.util.ArrayList<>();
          for (PodDisruptionBudget pdb : store.list(ResourceTypes.PDBS, null, PodDisruptionBudget.class)) {
            Disruption.Health scanned = Disruption.compute(store, pdb);
            Disruption.Health tracked = pdbs.health(pdb);
            if (!scanned.equals(tracked)) {
              problems.add("PDB " + ClusterStore.key(pdb) + ": tracked " + tracked + " but a scan gives " + scanned);
            }
            var st = pdb.getStatus();
            if (st == null
                || st.getCurrentHealthy() != scanned.currentHealthy()
                || st.getDesiredHealthy() != scanned.desiredHealthy()
                || st.getExpectedPods() != scanned.expectedPods()
                || st.getDisruptionsAllowed() != scanned.disruptionsAllowed()) {
              problems.add("PDB " + ClusterStore.key(pdb) + ": status " + st + " but a scan gives " + scanned);
            }
          }
          return problems;
        });
  }

  /** Number of pods in the cluster now (all namespaces). */
  public int podCount() {
    return store.count(ResourceTypes.PODS);
  }

  @Override
  public void close() {
    stopping = true;
    Thread t = ticker;
    if (t != null) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    api.close();
    if (etcd != null) {
      etcd.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
  }
}
