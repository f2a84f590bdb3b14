package dev.rotator.cli;

import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.LogNotifier;
import dev.rotator.core.SystemClock;
import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.OutdatedSelector;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Notifier;
import dev.rotator.kubernetes.ConfigMapStateStore;
import dev.rotator.kubernetes.KubeClients;
import dev.rotator.kubernetes.KubernetesCluster;
import dev.rotator.provider.CloudProvider;
import dev.rotator.config.ProviderSettings;
import dev.rotator.provider.aws.AwsCloudProvider;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.provider.gke.GkeCloudProvider;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.rotator.core.port.HealthCheck;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything one command needs, wired from the configuration: the cluster, the state store, the cloud, the
 * gate, the clock. Built the same way for a real cluster and for the simulator, so what the simulator tests is
 * what runs in production.
 */
final class Session implements AutoCloseable {
  final RotatorConfig config;
  final KubernetesClient client;
  final KubernetesCluster cluster;
  final ConfigMapStateStore store;
  final CloudProvider cloud;
  final Clock clock;
  final CompositeGate gate;
  final Notifier notifier;
  /** True when the cloud can really replace instances (the simulator's, or a real provider). */
  final boolean cloudAttached;
  /** Configured checks left out of this session's gate, and why. */
  final List<String> skippedChecks;

  private Session(RotatorConfig config, KubernetesClient client, CloudProvider cloud, Clock clock, boolean attached) {
    this.config = config;
    this.client = client;
    this.clock = clock;
    this.cloud = cloud;
    this.cloudAttached = attached;
    // Backoff between retries on the session's clock: scaled in the simulator, real against a cluster.
    this.cluster = new KubernetesCluster(client, clock);
    this.store = new ConfigMapStateStore(
        client, clock, config.cluster().stateNamespace(), config.cluster().stateConfigMap());
    List<HealthCheck> checks = GateFactory.checks(config.gates(), config, cluster, client, cloud, clock,
        this::rotationStart, this::surgeInPlace);
    List<String> skipped = new ArrayList<>();
    if (!attached) {
      // Without a cloud provider there are no groups to measure: the quota check could only say UNKNOWN.
      checks = checks.stream().filter(c -> {
        boolean quota = c.name().equals("quota");
        if (quota) {
          skipped.add("quota: no cloud provider attached to this command");
        }
        return !quota;
      }).toList();
    }
    this.skippedChecks = List.copyOf(skipped);
    this.gate = new CompositeGate(checks, config.gates().consecutivePasses(), config.gates().checkTimeout(),
        config.gates().unknownGrace(), clock);
    Notifier log = new LogNotifier();
    this.notifier = event -> {
      log.notify(event);
      for (Notifier n : alertSinks) {
        n.notify(event);
      }
    };
  }

  /** Alert destinations beside the log (Slack), added by the commands that rotate; each must not throw. */
  private final List<Notifier> alertSinks = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Closed (flushed) with the session, before the clients. */
  private final List<AutoCloseable> closeFirst = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Sends this session's alerts to Slack too, when {@code slack.enabled} and {@code slack.alerts.enabled}: queued
   * and posted by a background thread, flushed (10 s at most) when the session closes. A bot token that cannot
   * be read (unset variable, missing file) is a configuration error: exit 2 before anything is touched.
   */
  void attachSlackAlerts() {
    try {
      dev.rotator.slack.SlackRuntime.notifier(config.slack(), System::getenv, clock).ifPresent(n -> {
        alertSinks.add(n);
        closeFirst.add(n::close);
      });
    } catch (IllegalStateException e) {
      throw new UsageException("slack: " + e.getMessage());
    }
  }

  /** Adds an alert destination (e.g. serve's Slack runtime notifier); the caller closes it. */
  void addAlertSink(Notifier n) {
    alertSinks.add(java.util.Objects.requireNonNull(n, "notifier"));
  }

  /** Loads the configuration only: validation happens before any connection is made. */
  static RotatorConfig loadConfig(GlobalOptions g) {
    return g.config == null ? ConfigLoader.defaults() : ConfigLoader.load(g.config);
  }

  /** A session against the cluster the kubeconfig points at, with the configured cloud provider. */
  static Session open(GlobalOptions g) {
    return open(g, true);
  }

  /**
   * A session for a command that changes the cluster (run, rollback, serve). A configuration that cannot do
   * that ({@code provider.type: fake} outside the simulator) is refused here, from the file alone: exit 2
   * before any client is built, so a refused configuration sends no request to the cluster.
   */
  static Session openToRotate(GlobalOptions g) {
    RotatorConfig config = loadConfig(g);
    if (config.provider().type() == ProviderSettings.Type.FAKE) {
      throw fakeProviderRefused();
    }
    return open(g, config, true);
  }

  /**
   * A session for commands that only read or write the persisted state (status, freeze, resume): no cloud
   * client is built, so they work from a laptop without cloud credentials, and in an incident when the cloud
   * API is the thing that is down.
   */
  static Session openStateOnly(GlobalOptions g) {
    return open(g, false);
  }

  private static Session open(GlobalOptions g, boolean withCloud) {
    return open(g, loadConfig(g), withCloud);
  }

  private static Session open(GlobalOptions g, RotatorConfig config, boolean withCloud) {
    Optional<Path> kubeconfig =
        Optional.ofNullable(g.kubeconfig).or(() -> config.cluster().kubeconfig().map(Path::of));
    Optional<String> context = Optional.ofNullable(g.context).or(() -> config.cluster().context());
    CloudProvider cloud = withCloud ? cloudFor(config) : new FakeCloud(SystemClock.INSTANCE);
    KubernetesClient client;
    try {
      client = KubeClients.create(kubeconfig, context);
    } catch (RuntimeException e) {
      closeQuietly(cloud);
      throw e;
    }
    // The fake cloud outside the simulator manages nothing and replaces nothing: plan/status/check/freeze/resume
    // work, run refuses (see requireCloud). GKE's native strategy is attached too: run drives GKE's upgrade.
    boolean attached = withCloud && config.provider().type() != ProviderSettings.Type.FAKE;
    Clock clock = SystemClock.INSTANCE;
    if (config.provider().type() == ProviderSettings.Type.SIM) {
      // A simulator in another process (rotator sim serve): its cloud and its clock, on the API server's address.
      try {
        SimCloudClient sim = SimCloudClient.connect(client.getMasterUrl().toString());
        clock = sim.clock();
        closeQuietly(cloud);
        cloud = sim;
      } catch (RuntimeException e) {
        client.close();
        closeQuietly(cloud);
        throw e;
      }
    }
    return new Session(config, client, cloud, clock, attached);
  }

  /** The configured cloud provider; its credentials come from the SDK's default chain, never from config. */
  static CloudProvider cloudFor(RotatorConfig config) {
    ProviderSettings p = config.provider();
    switch (p.type()) {
      case AWS:
        return AwsCloudProvider.create(p.aws().orElseThrow(), SystemClock.INSTANCE);
      case GKE:
        try {
          return new GkeCloudProvider(p.gke().orElseThrow(), SystemClock.INSTANCE);
        } catch (java.io.UncheckedIOException e) {
          throw new UsageException("provider.gke: cannot set up Google credentials from the default chain"
              + " (Workload Identity, GOOGLE_APPLICATION_CREDENTIALS, gcloud): " + e.getMessage());
        }
      default:
        return new FakeCloud(SystemClock.INSTANCE);
    }
  }

  private static void closeQuietly(Object o) {
    if (o instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // Closing a client that never made a call; nothing to report.
      }
    }
  }

  /** A session against a simulator running in this JVM. */
  static Session forSimulator(RotatorConfig config, String apiUrl, CloudProvider cloud, Clock clock) {
    return new Session(config, KubeClients.forUrl(apiUrl), cloud, clock, true);
  }

  /** The Lease rotator-lock for {@code identity}, on {@code lockClock}, with {@code lock.maxClockSkew}. */
  dev.rotator.kubernetes.LeaseLock lock(Clock lockClock, String identity) {
    return new dev.rotator.kubernetes.LeaseLock(client, lockClock, config.cluster().stateNamespace(), identity,
        config.lock().maxClockSkew());
  }

  /** Defence in depth: {@link #openToRotate} has already refused such a configuration before any request. */
  void requireCloud() {
    if (cloudAttached) {
      return;
    }
    throw fakeProviderRefused();
  }

  private static UsageException fakeProviderRefused() {
    return new UsageException("provider.type 'fake' cannot replace instances of a real cluster; set provider.type"
        + " to aws or gke in rotator.yaml (docs/configuration.md). Use 'rotator sim' or 'rotator demo' to rotate a"
        + " simulated cluster.");
  }

  /** When the rotation in progress started (version-skew judges nodes created since), or null. */
  private Instant rotationStart() {
    return store.progress().filter(p -> "RUNNING".equals(p.outcome())).map(p -> p.startedAt()).orElse(null);
  }

  /** Instances a rotation's surge added to a group and has not given back (desired above the recorded size). */
  private int surgeInPlace(String group) {
    Integer original = store.progress().map(p -> p.originalDesired().get(group)).orElse(null);
    return original == null ? 0 : Math.max(0, cloud.nodeGroup(group).desired() - original);
  }

  /** Whether run hands the upgrade to GKE ({@code provider.gke.strategy: native}) instead of the engine. */
  boolean nativeUpgrade() {
    return config.provider().gkeStrategy() == ProviderSettings.GkeStrategy.NATIVE;
  }

  /**
   * GKE's native upgrade of the managed pools, gated by {@code gate} (run wraps the session's gate in its
   * lock), alerting through this session's notifier. The caller closes it ({@link NativeUpgradeRun#close}).
   */
  NativeUpgradeRun nativeUpgradeRun(dev.rotator.core.engine.Gate gate, String runId) {
    ProviderSettings p = config.provider();
    GkeNativeUpgrade upgrade;
    try {
      upgrade = new GkeNativeUpgrade(p.gke().orElseThrow(), clock);
    } catch (java.io.UncheckedIOException e) {
      throw new UsageException("provider.gke: cannot set up Google credentials from the default chain"
          + " (Workload Identity, GOOGLE_APPLICATION_CREDENTIALS, gcloud): " + e.getMessage());
    }
    return new NativeUpgradeRun(upgrade, cloud, p.gke().orElseThrow().targetVersion(),
        p.gkeNativeUpgrade().orElseThrow(), store, gate, notifier, clock, config.policy().pollInterval(), runId)
        .startingOnlyWhile(() -> dev.rotator.core.engine.MaintenanceWindow.allows(
            config.policy().maintenanceWindows(), clock.now()));
  }

  OutdatedSelector selector() {
    return config.selector().toSelector(cloud, clock);
  }

  RotationEngine engine() {
    Ports ports = new Ports(cluster, cloud, store, gate, notifier, clock);
    return new RotationEngine(ports, config.policy(), selector());
  }

  /** Set by the simulator's wiring: the fake cloud's pools (the FakeCloud itself manages groups only). */
  private dev.rotator.provider.NodePoolProvider nodePools;

  Session withNodePools(dev.rotator.provider.NodePoolProvider pools) {
    this.nodePools = pools;
    return this;
  }

  /** Whether run switches a whole node pool ({@code strategy: nodePool}) instead of rotating nodes. */
  boolean poolSwitch() {
    return config.nodePool().poolSwitch();
  }

  /** The cloud's whole-pool operations; a usage error when the provider has none. */
  dev.rotator.provider.NodePoolProvider nodePools() {
    if (nodePools != null) {
      return nodePools;
    }
    if (cloud instanceof dev.rotator.provider.NodePoolProvider p) {
      return p;
    }
    throw new UsageException("strategy nodePool: provider " + cloud.name() + " cannot create or delete node pools"
        + " here; use provider.type aws or gke, or 'rotator sim' with a scenario");
  }

  /** The node-pool switch of {@code nodePool}, gated by {@code gate} (run wraps the session's in its lock). */
  dev.rotator.core.pool.PoolSwitch poolSwitchOf(dev.rotator.core.engine.Gate gate) {
    return new dev.rotator.core.pool.PoolSwitch(new Ports(cluster, cloud, store, gate, notifier, clock), nodePools(),
        config.policy(), config.nodePool().spec().orElseThrow(() -> new UsageException(
            "no node-pool switch is configured: set strategy: nodePool and nodePool in rotator.yaml"
                + " (docs/configuration.md)")));
  }

  @Override
  public void close() {
    closeFirst.forEach(Session::closeQuietly);
    gate.close();
    cluster.close();
    client.close();
    closeQuietly(cloud);
  }
}
