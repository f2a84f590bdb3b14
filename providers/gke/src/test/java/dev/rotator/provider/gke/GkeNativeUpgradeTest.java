package dev.rotator.provider.gke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.container.v1.BlueGreenSettings;
import com.google.container.v1.NodePool;
import com.google.container.v1.NodePoolUpdateStrategy;
import com.google.container.v1.RollbackNodePoolUpgradeRequest;
import com.google.container.v1.UpdateNodePoolRequest;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.gke.GkeNativeUpgrade.OnStop;
import dev.rotator.provider.gke.GkeNativeUpgrade.Outcome;
import dev.rotator.provider.gke.GkeNativeUpgrade.Spec;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link GkeNativeUpgrade} with the real {@code ClusterManagerClient} against {@link FakeGcp}. */
class GkeNativeUpgradeTest {
  static final String V_OLD = "1.30.9-gke.1000";
  static final String V_NEW = "1.31.4-gke.1000";

  FakeGcp gcp;
  ManualClock clock;
  GkeNativeUpgrade upgrade;
  List<String> before;

  @BeforeEach
  void setUp() throws Exception {
    gcp = new FakeGcp();
    gcp.masterVersion = V_NEW;
    clock = new ManualClock();
    gcp.addPool("default-pool", V_OLD, 2, "europe-west1-b", "europe-west1-c");
    before = gcp.instances("default-pool");
    GkeSettings s = gcp.settings();
    upgrade = new GkeNativeUpgrade(s, gcp.clients(s), clock);
  }

  @AfterEach
  void tearDown() {
    gcp.close();
  }

  /** Says yes {@code n} times, then no; counts how often it was asked. */
  static final class Gate implements BooleanSupplier {
    final AtomicInteger asked = new AtomicInteger();
    final int yes;

    Gate(int yes) {
      this.yes = yes;
    }

    @Override
    public boolean getAsBoolean() {
      return asked.incrementAndGet() <= yes;
    }
  }

  @Test
  @DisplayName("blue-green upgrade: settings then version via UpdateNodePool, GKE's phases followed to DONE")
  void blueGreenToCompletion() {
    gcp.soakPolls = 3;
    List<NodePool.UpdateInfo.BlueGreenInfo.Phase> phases = new ArrayList<>();
    BooleanSupplier gate = () -> {
      NodePool.UpdateInfo.BlueGreenInfo.Phase p = gcp.pool("default-pool").phase;
      if (p != null && (phases.isEmpty() || phases.get(phases.size() - 1) != p)) {
        phases.add(p);
      }
      return true;
    };
    Spec spec = Spec.blueGreen(1, Duration.ofMinutes(2), Duration.ofMinutes(10), OnStop.ROLLBACK, false);

    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", "", spec, gate);

    assertEquals(Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(V_NEW, gcp.pool("default-pool").version, "empty version = the control plane's");
    assertNull(gcp.pool("default-pool").phase);
    List<UpdateNodePoolRequest> updates = gcp.requests(UpdateNodePoolRequest.class);
    assertEquals(2, updates.size());
    NodePool.UpgradeSettings us = updates.get(0).getUpgradeSettings();
    assertEquals(NodePoolUpdateStrategy.BLUE_GREEN, us.getStrategy());
    BlueGreenSettings.StandardRolloutPolicy policy = us.getBlueGreenSettings().getStandardRolloutPolicy();
    assertEquals(1, policy.getBatchNodeCount());
    assertEquals(120, policy.getBatchSoakDuration().getSeconds());
    assertEquals(600, us.getBlueGreenSettings().getNodePoolSoakDuration().getSeconds());
    assertEquals("", updates.get(0).getNodeVersion(), "settings and version are separate updates");
    assertEquals(V_NEW, updates.get(1).getNodeVersion());
    assertEquals("COS_CONTAINERD", updates.get(1).getImageType(), "the pool's image type is kept");
    assertEquals(List.of(
        NodePool.UpdateInfo.BlueGreenInfo.Phase.UPDATE_STARTED,
        NodePool.UpdateInfo.BlueGreenInfo.Phase.CREATING_GREEN_POOL,
        NodePool.UpdateInfo.BlueGreenInfo.Phase.CORDONING_BLUE_POOL,
        NodePool.UpdateInfo.BlueGreenInfo.Phase.DRAINING_BLUE_POOL,
        NodePool.UpdateInfo.BlueGreenInfo.Phase.NODE_POOL_SOAKING,
        NodePool.UpdateInfo.BlueGreenInfo.Phase.DELETING_BLUE_POOL), phases);
    assertEquals(0, gcp.count("completeNodePoolUpgrade"), "GKE waits out the soak itself");
    gcp.instances("default-pool").forEach(n -> assertFalse(before.contains(n), "blue node left: " + n));
  }

  @Test
  @DisplayName("gate turns false mid-upgrade with onStop=ROLLBACK: the operation is cancelled, then rolled back")
  void rollbackWhenGateCloses() {
    Gate gate = new Gate(3);

    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", V_NEW,
        Spec.blueGreen(1, Duration.ZERO, Duration.ofMinutes(10), OnStop.ROLLBACK, false), gate);

    assertEquals(Outcome.ROLLED_BACK, r.outcome(), r.message());
    assertEquals(4, gate.asked.get(), "asked before every poll, stopped at the first no");
    assertEquals(1, gcp.count("cancelOperation"));
    List<RollbackNodePoolUpgradeRequest> rb = gcp.requests(RollbackNodePoolUpgradeRequest.class);
    assertEquals(1, rb.size());
    assertTrue(rb.get(0).getRespectPdb());
    assertTrue(gcp.calls().indexOf("cancelOperation") < gcp.calls().indexOf("rollbackNodePoolUpgrade"),
        "GKE rolls back only an aborted upgrade");
    assertEquals(V_OLD, gcp.pool("default-pool").version);
    assertEquals(NodePool.Status.RUNNING, gcp.pool("default-pool").status);
    assertNull(gcp.pool("default-pool").phase);
  }

  @Test
  @DisplayName("onStop=CANCEL stops the upgrade where it is (GKE's pause); onStop=DETACH leaves GKE to finish")
  void cancelAndDetach() {
    GkeNativeUpgrade.Result c = upgrade.upgrade("default-pool", V_NEW, Spec.surge(1, 0, OnStop.CANCEL), new Gate(1));
    assertEquals(Outcome.CANCELLED, c.outcome());
    assertEquals(1, gcp.count("cancelOperation"));
    assertEquals(0, gcp.count("rollbackNodePoolUpgrade"));
    assertEquals(NodePool.Status.RUNNING_WITH_ERROR, gcp.pool("default-pool").status);

    gcp.clearCalls();
    GkeNativeUpgrade.Result d = upgrade.upgrade("default-pool", V_NEW, Spec.surge(1, 0, OnStop.DETACH), new Gate(1));
    assertEquals(Outcome.DETACHED, d.outcome());
    assertEquals(0, gcp.count("cancelOperation"));
    assertEquals(NodePool.Status.RECONCILING, gcp.pool("default-pool").status, "GKE still upgrading");
  }

  @Test
  @DisplayName("blue-green with completeAfterSoak: CompleteNodePoolUpgrade once the pool soaks and the gate passes")
  void completeAfterSoak() {
    gcp.soakPolls = 1_000; // GKE alone would soak far beyond the operation timeout

    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", V_NEW,
        Spec.blueGreen(2, Duration.ZERO, Duration.ofHours(24), OnStop.ROLLBACK, true), () -> true);

    assertEquals(Outcome.COMPLETED, r.outcome());
    assertEquals(1, gcp.count("completeNodePoolUpgrade"));
    assertEquals(V_NEW, gcp.pool("default-pool").version);
  }

  @Test
  @DisplayName("surge upgrade sends SURGE with maxSurge/maxUnavailable and completes")
  void surge() {
    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", V_NEW, Spec.surge(2, 1, OnStop.ROLLBACK), () -> true);
    assertEquals(Outcome.COMPLETED, r.outcome());
    NodePool.UpgradeSettings us = gcp.requests(UpdateNodePoolRequest.class).get(0).getUpgradeSettings();
    assertEquals(NodePoolUpdateStrategy.SURGE, us.getStrategy());
    assertEquals(2, us.getMaxSurge());
    assertEquals(1, us.getMaxUnavailable());
    assertEquals(V_NEW, gcp.pool("default-pool").version);
  }

  @Test
  @DisplayName("a pool already at the target version is not upgraded again (that would recreate every node)")
  void alreadyCurrent() {
    gcp.pool("default-pool").version = V_NEW;
    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", "1.31.4", Spec.surge(1, 0, OnStop.ROLLBACK), () -> true);
    assertEquals(Outcome.COMPLETED, r.outcome());
    assertTrue(r.message().contains("already runs"), r.message());
    assertEquals(0, gcp.count("updateNodePool"));
  }

  @Test
  @DisplayName("a closed gate before the start changes nothing")
  void notStarted() {
    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", V_NEW, Spec.surge(1, 0, OnStop.ROLLBACK), () -> false);
    assertEquals(Outcome.NOT_STARTED, r.outcome());
    assertEquals(List.of(), gcp.calls());
  }

  @Test
  @DisplayName("an upgrade operation that fails is a CloudException with GKE's message")
  void upgradeFails() {
    gcp.failNextOperation("upgradeNodePool", Status.Code.RESOURCE_EXHAUSTED,
        "Insufficient quota to satisfy the request: CPUS quota exceeded");
    CloudException e = assertThrows(CloudException.class,
        () -> upgrade.upgrade("default-pool", V_NEW, Spec.surge(1, 0, OnStop.ROLLBACK), () -> true));
    assertEquals(CloudException.Kind.QUOTA, e.kind());
    assertTrue(e.getMessage().contains("CPUS quota exceeded"), e.getMessage());

    upgrade.rollback("default-pool");
    assertEquals(V_OLD, gcp.pool("default-pool").version);
  }

  @Test
  @DisplayName("GKE busy with another operation (FAILED_PRECONDITION) is retried, then the upgrade proceeds")
  void busyClusterRetried() {
    gcp.failNext("updateNodePool", Status.FAILED_PRECONDITION.withDescription(
        "Cluster is running incompatible operation operation-123"));
    GkeNativeUpgrade.Result r = upgrade.upgrade("default-pool", V_NEW, Spec.surge(1, 0, OnStop.ROLLBACK), () -> true);
    assertEquals(Outcome.COMPLETED, r.outcome());
  }

  @Test
  @DisplayName("specs are validated: surge needs parallelism, blue-green a batch size")
  void specValidation() {
    assertThrows(IllegalArgumentException.class, () -> Spec.surge(0, 0, OnStop.ROLLBACK));
    assertThrows(IllegalArgumentException.class,
        () -> Spec.blueGreen(0, Duration.ZERO, Duration.ZERO, OnStop.ROLLBACK, false));
    assertThrows(IllegalArgumentException.class, () -> new Spec(GkeNativeUpgrade.Strategy.BLUE_GREEN, 0, 0, 0, 1.5f,
        null, null, OnStop.ROLLBACK, false, true));
    Spec pct = new Spec(GkeNativeUpgrade.Strategy.BLUE_GREEN, 0, 0, 0, 0.25f, null, null, OnStop.ROLLBACK, false, true);
    assertEquals(0.25f, pct.toUpgradeSettings().getBlueGreenSettings().getStandardRolloutPolicy().getBatchPercentage());
  }
}
