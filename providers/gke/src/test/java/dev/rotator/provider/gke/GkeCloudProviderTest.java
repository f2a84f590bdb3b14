package dev.rotator.provider.gke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.compute.v1.InstanceGroupManagersDeleteInstancesRequest;
import com.google.container.v1.NodePool;
import com.google.container.v1.NodePoolAutoscaling;
import com.google.container.v1.SetNodePoolSizeRequest;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link GkeCloudProvider} with the real {@code ClusterManagerClient} (in-process gRPC) and the real Compute
 * clients (HTTP on 127.0.0.1) against {@link FakeGcp}.
 *
 * <p>The fake cluster: {@code default-pool} spans three zones with two nodes each and autoscaling 1–4 per
 * zone; {@code batch} is a single-zone pool of three nodes without autoscaling.
 */
class GkeCloudProviderTest {
  static final String V_OLD = "1.30.9-gke.1000";
  static final String V_NEW = "1.31.4-gke.1000";

  FakeGcp gcp;
  ManualClock clock;
  GkeSettings settings;
  GkeCloudProvider provider;

  @BeforeEach
  void setUp() throws Exception {
    gcp = new FakeGcp();
    clock = new ManualClock();
    FakeGcp.Pool def = gcp.addPool("default-pool", V_NEW, 2, "europe-west1-b", "europe-west1-c", "europe-west1-d");
    def.autoscaling = NodePoolAutoscaling.newBuilder().setEnabled(true).setMinNodeCount(1).setMaxNodeCount(4).build();
    gcp.addPool("batch", V_NEW, 3, "europe-west1-b");
    settings = gcp.settings();
    provider = gcp.provider(settings, clock);
  }

  @AfterEach
  void tearDown() {
    gcp.close();
  }

  private String providerId(String instance) {
    return "gce://" + FakeGcp.PROJECT + "/" + gcp.zoneOf(instance) + "/" + instance;
  }

  private InstanceRef ref(String instance) {
    return provider.instanceOf(providerId(instance)).orElseThrow();
  }

  // ------------------------------------------------------------------------------------------ groups

  @Test
  @DisplayName("nodeGroups lists every pool: desired = sum of its MIG sizes, min/max from autoscaling × zones")
  void listsPools() {
    List<NodeGroup> groups = provider.nodeGroups();

    assertEquals(List.of(
        new NodeGroup("default-pool", 6, 3, 12, V_NEW),
        new NodeGroup("batch", 3, 0, 3, V_NEW)), groups);
  }

  @Test
  @DisplayName("autoscaling total limits win over per-zone limits; maxPoolSize sets the max of a fixed-size pool")
  void totalLimitsAndMaxPoolSize() {
    gcp.pool("default-pool").autoscaling = NodePoolAutoscaling.newBuilder().setEnabled(true)
        .setTotalMinNodeCount(2).setTotalMaxNodeCount(9).build();
    GkeCloudProvider p = gcp.provider(settings.withMaxPoolSize(5), clock);

    assertEquals(new NodeGroup("default-pool", 6, 2, 9, V_NEW), p.nodeGroup("default-pool"));
    assertEquals(new NodeGroup("batch", 3, 0, 5, V_NEW), p.nodeGroup("batch"));
  }

  @Test
  @DisplayName("only the configured pools are managed; a configured pool that does not exist is PERMANENT")
  void configuredPools() {
    GkeCloudProvider onlyBatch = gcp.provider(settings.withNodePools(List.of("batch")), clock);
    assertEquals(List.of("batch"), onlyBatch.nodeGroups().stream().map(NodeGroup::id).toList());
    String node = gcp.instances("default-pool").get(0);
    assertEquals(Optional.empty(), onlyBatch.instanceOf(providerId(node)));
    assertEquals(CloudException.Kind.PERMANENT,
        assertThrows(CloudException.class, () -> onlyBatch.nodeGroup("default-pool")).kind());

    GkeCloudProvider missing = gcp.provider(settings.withNodePools(List.of("batch", "gpu")), clock);
    CloudException e = assertThrows(CloudException.class, missing::nodeGroups);
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("[gpu]"), e.getMessage());
  }

  @Test
  @DisplayName("a node pool that does not exist is PERMANENT (NOT_FOUND from GKE)")
  void unknownPool() {
    CloudException e = assertThrows(CloudException.class, () -> provider.nodeGroup("nope"));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("NOT_FOUND"), e.getMessage());
  }

  @Test
  @DisplayName("endpoint override + plaintext: the clients GkeClients builds from settings alone reach a loopback server")
  void endpointOverride() throws Exception {
    GkeSettings s = settings.withEndpoints(gcp.serveGrpcOnLoopback(), settings.computeEndpoint(), true);
    try (GkeClients clients = GkeClients.create(s)) {
      GkeCloudProvider p = new GkeCloudProvider(s, clients, clock);
      assertEquals(List.of("default-pool", "batch"), p.nodeGroups().stream().map(NodeGroup::id).toList());
    }
  }

  // ------------------------------------------------------------------------------------------ instanceOf

  @Test
  @DisplayName("instanceOf maps gce://project/zone/name to the pool whose MIG prefix and zone match")
  void mapsInstances() {
    for (String pool : List.of("default-pool", "batch")) {
      for (String inst : gcp.instances(pool)) {
        assertEquals(Optional.of(new InstanceRef(inst, pool, gcp.zoneOf(inst))), provider.instanceOf(providerId(inst)));
      }
    }
    String inst = gcp.instances("batch").get(0);
    assertEquals(Optional.empty(), provider.instanceOf("aws:///eu-west-1a/i-0123456789abcdef0"));
    assertEquals(Optional.empty(), provider.instanceOf("gce://other-project/europe-west1-b/" + inst));
    assertEquals(Optional.empty(), provider.instanceOf("gce://" + FakeGcp.PROJECT + "/europe-west1-c/" + inst),
        "same name in another zone is not that group's instance");
    assertEquals(Optional.empty(), provider.instanceOf(""));
    assertEquals(Optional.empty(), provider.instanceOf(null));
  }

  @Test
  @DisplayName("instanceOf reads the cluster once, then again on a miss only when the cached map is older than the TTL")
  void instanceOfCaches() {
    for (String inst : gcp.instances("default-pool")) {
      provider.instanceOf(providerId(inst));
    }
    assertEquals(1, gcp.count("getCluster"));

    String stranger = "gce://" + FakeGcp.PROJECT + "/europe-west1-b/gke-prod-other-abcd-x1y2";
    assertEquals(Optional.empty(), provider.instanceOf(stranger));
    assertEquals(1, gcp.count("getCluster"), "a miss within the TTL does not read again");

    gcp.addPool("late", V_NEW, 1, "europe-west1-b");
    String late = gcp.instances("late").get(0);
    clock.advance(settings.cacheTtl());
    assertEquals("late", provider.instanceOf(providerId(late)).orElseThrow().groupId());
    assertEquals(2, gcp.count("getCluster"));
  }

  // ------------------------------------------------------------------------------------------ capacity

  @Test
  @DisplayName("setDesiredCapacity on a single-zone pool is SetNodePoolSize, followed by GetOperation until DONE")
  void setNodePoolSize() {
    GkeCloudProvider p = gcp.provider(settings.withMaxPoolSize(6), clock);
    gcp.clearCalls();

    p.setDesiredCapacity("batch", 5);

    assertEquals(List.of(5), gcp.sizes("batch"));
    assertEquals(5, gcp.instances("batch").size());
    assertEquals(List.of(5), gcp.requests(SetNodePoolSizeRequest.class).stream()
        .map(SetNodePoolSizeRequest::getNodeCount).toList());
    assertEquals(gcp.opPolls, gcp.count("getOperation"), "polled until DONE, not beyond");
    assertEquals(Duration.ofSeconds(5).multipliedBy(gcp.opPolls),
        Duration.between(java.time.Instant.parse("2026-01-01T00:00:00Z"), clock.now()), "waited on the clock");
    assertEquals(5, p.nodeGroup("batch").desired());
  }

  @Test
  @DisplayName("+1 on a three-zone pool resizes only the smallest MIG through Compute; +3 is SetNodePoolSize 3 per zone")
  void multiZoneSpread() {
    provider.setDesiredCapacity("default-pool", 7);
    assertEquals(List.of(3, 2, 2), gcp.sizes("default-pool"));
    assertEquals(0, gcp.count("setNodePoolSize"));
    assertEquals(1, gcp.count("igm.resize"));

    provider.setDesiredCapacity("default-pool", 9);
    assertEquals(List.of(3, 3, 3), gcp.sizes("default-pool"));
    assertEquals(List.of(3), gcp.requests(SetNodePoolSizeRequest.class).stream()
        .map(SetNodePoolSizeRequest::getNodeCount).toList());

    provider.setDesiredCapacity("default-pool", 8);
    assertEquals(List.of(2, 3, 3), gcp.sizes("default-pool"), "shrinks the largest first");
    assertEquals(8, provider.nodeGroup("default-pool").desired());
  }

  @Test
  @DisplayName("setDesiredCapacity outside [min, max] is PERMANENT and changes nothing")
  void outsideBounds() {
    CloudException e = assertThrows(CloudException.class, () -> provider.setDesiredCapacity("batch", 4));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertThrows(CloudException.class, () -> provider.setDesiredCapacity("default-pool", 2));
    assertEquals(List.of(3), gcp.sizes("batch"));
    assertEquals(0, gcp.count("setNodePoolSize") + gcp.count("igm.resize"));
  }

  @Test
  @DisplayName("an operation that ends with an error is a CloudException carrying its message; quota text → QUOTA")
  void operationError() {
    GkeCloudProvider p = gcp.provider(settings.withMaxPoolSize(6), clock);
    gcp.failNextOperation("setNodePoolSize", Status.Code.INVALID_ARGUMENT, "node count too large for subnet");
    CloudException e = assertThrows(CloudException.class, () -> p.setDesiredCapacity("batch", 4));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("node count too large for subnet"), e.getMessage());
    assertEquals(List.of(3), gcp.sizes("batch"));

    gcp.failNextOperation("setNodePoolSize", Status.Code.RESOURCE_EXHAUSTED,
        "Insufficient regional quota to satisfy request: resource \"CPUS\"");
    assertEquals(CloudException.Kind.QUOTA,
        assertThrows(CloudException.class, () -> p.setDesiredCapacity("batch", 4)).kind());
  }

  @Test
  @DisplayName("an operation still running after operationTimeout is RETRYABLE, polled a bounded number of times")
  void operationTimeout() {
    gcp.opPolls = 1_000;
    GkeCloudProvider p = gcp.provider(settings.withMaxPoolSize(6)
        .withOperations(Duration.ofMinutes(1), Duration.ofSeconds(5)), clock);
    CloudException e = assertThrows(CloudException.class, () -> p.setDesiredCapacity("batch", 4));
    assertEquals(CloudException.Kind.RETRYABLE, e.kind());
    assertTrue(e.getMessage().contains("still RUNNING"), e.getMessage());
    assertTrue(gcp.count("getOperation") <= 13, "bounded: " + gcp.count("getOperation"));
  }

  @Test
  @DisplayName("UNAVAILABLE twice then success: the call succeeds on the third attempt, after backing off on the clock")
  void retriesThenSucceeds() {
    gcp.failNext("getNodePool", Status.UNAVAILABLE.withDescription("backend down"));
    gcp.failNext("getNodePool", Status.DEADLINE_EXCEEDED);
    java.time.Instant before = clock.now();

    assertEquals(6, provider.nodeGroup("default-pool").desired());

    assertEquals(3, gcp.count("getNodePool"));
    assertTrue(clock.now().isAfter(before), "backed off on the injected clock");
    assertEquals(1, provider.retryMetrics().getNumberOfSuccessfulCallsWithRetryAttempt());
  }

  @Test
  @DisplayName("UNAVAILABLE on every attempt: RETRYABLE after exactly retryAttempts calls")
  void retriesAreBounded() {
    for (int i = 0; i < 10; i++) {
      gcp.failNext("getNodePool", Status.UNAVAILABLE.withDescription("backend down"));
    }
    CloudException e = assertThrows(CloudException.class, () -> provider.nodeGroup("batch"));
    assertEquals(CloudException.Kind.RETRYABLE, e.kind());
    assertTrue(e.getMessage().contains("gave up after 3 attempts"), e.getMessage());
    assertEquals(3, gcp.count("getNodePool"));
  }

  @Test
  @DisplayName("PERMISSION_DENIED is PERMANENT at once, without retries")
  void permissionDenied() {
    gcp.failNext("getNodePool", Status.PERMISSION_DENIED.withDescription("container.clusters.get denied"));
    CloudException e = assertThrows(CloudException.class, () -> provider.nodeGroup("batch"));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertEquals(1, gcp.count("getNodePool"));
  }

  @Test
  @DisplayName("Compute 503 is retried; Compute 429 rate limit is retried too")
  void computeRetries() {
    gcp.failNextHttp("igm.get", 503, "backendError", "Backend Error");
    gcp.failNextHttp("igm.get", 429, "rateLimitExceeded", "Rate Limit Exceeded");
    assertEquals(3, provider.nodeGroup("batch").desired());
    assertEquals(3, gcp.count("igm.get"));
  }

  // ------------------------------------------------------------------------------------------ terminate

  @Test
  @DisplayName("terminate with decrement deletes the instance through its MIG (target size −1); again = success, no call")
  void terminateDecrement() {
    String victim = gcp.instances("default-pool").get(0);
    InstanceRef r = ref(victim);

    provider.terminate(r, true);

    assertFalse(gcp.instances("default-pool").contains(victim));
    assertEquals(List.of(1, 2, 2), gcp.sizes("default-pool"));
    List<InstanceGroupManagersDeleteInstancesRequest> deletes =
        gcp.requests(InstanceGroupManagersDeleteInstancesRequest.class);
    assertEquals(List.of("zones/" + r.zone() + "/instances/" + victim), deletes.get(0).getInstancesList());
    assertTrue(deletes.get(0).getSkipInstancesOnValidationError());

    gcp.clearCalls();
    provider.terminate(r, true);
    assertEquals(0, gcp.count("igm.deleteInstances"), "already gone: nothing deleted twice");
    assertEquals(List.of(1, 2, 2), gcp.sizes("default-pool"));
  }

  @Test
  @DisplayName("terminate without decrement deletes the instance and resizes back: a replacement with a new name")
  void terminateReplace() {
    List<String> before = gcp.instances("batch");
    String victim = before.get(1);

    provider.terminate(ref(victim), false);

    List<String> after = gcp.instances("batch");
    assertEquals(List.of(3), gcp.sizes("batch"));
    assertEquals(3, after.size());
    assertFalse(after.contains(victim));
    List<String> fresh = new ArrayList<>(after);
    fresh.removeAll(before);
    assertEquals(1, fresh.size(), "one new instance: " + after);
    assertEquals("batch", provider.instanceOf(providerId(fresh.get(0))).orElseThrow().groupId(),
        "the replacement maps to the same pool");
  }

  @Test
  @DisplayName("terminate of an instance whose pool is gone, or that is not a member any more, is success")
  void terminateGone() {
    String inst = gcp.instances("batch").get(0);
    InstanceRef r = ref(inst);
    provider.terminate(new InstanceRef("gke-prod-batch-zzzz-9999", "batch", r.zone()), false);
    provider.terminate(new InstanceRef(inst, "deleted-pool", r.zone()), true);
    assertEquals(0, gcp.count("igm.deleteInstances") + gcp.count("igm.resize"));
    assertEquals(3, gcp.instances("batch").size());
  }

  @Test
  @DisplayName("terminate with decrement below the pool's min is PERMANENT and deletes nothing")
  void terminateBelowMin() {
    gcp.pool("batch").autoscaling = NodePoolAutoscaling.newBuilder().setEnabled(true).setMinNodeCount(3)
        .setMaxNodeCount(5).build();
    String inst = gcp.instances("batch").get(0);
    CloudException e = assertThrows(CloudException.class, () -> provider.terminate(ref(inst), true));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(gcp.instances("batch").contains(inst));
  }

  @Test
  @DisplayName("a failed Compute delete operation is a CloudException with the operation's error")
  void terminateOperationError() {
    gcp.failNextComputeOperation("igm.deleteInstances", "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", "in use");
    String inst = gcp.instances("batch").get(0);
    CloudException e = assertThrows(CloudException.class, () -> provider.terminate(ref(inst), true));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: in use"), e.getMessage());
  }

  @Test
  @DisplayName("replace: a resize refused after the delete says which group to resize back, and to what")
  void replaceResizeFails() {
    gcp.failNextHttp("igm.resize", 403, "forbidden", "compute.instanceGroupManagers.update denied");
    String inst = gcp.instances("batch").get(0);
    CloudException e = assertThrows(CloudException.class, () -> provider.terminate(ref(inst), false));
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("resize it to 3 by hand"), e.getMessage());
  }

  // ------------------------------------------------------------------------------------------ outdated

  @Test
  @DisplayName("isOutdated: a pool behind the control plane is outdated; at the control plane, template drift decides")
  void outdated() {
    gcp.addPool("old", V_OLD, 1, "europe-west1-b");
    String oldNode = gcp.instances("old").get(0);
    String current = gcp.instances("batch").get(0);
    String drifted = gcp.instances("batch").get(1);
    gcp.setInstanceTemplate(drifted, FakeGcp.template("1.31.4-gke.900"));

    assertEquals(Optional.of(true), provider.isOutdated(ref(oldNode)));
    assertEquals(Optional.of(false), provider.isOutdated(ref(current)));
    assertEquals(Optional.of(true), provider.isOutdated(ref(drifted)));
    assertEquals(Optional.empty(), provider.isOutdated(new InstanceRef("gke-x-y-zzzz-0000", "nope", "europe-west1-b")));

    gcp.pool("old").version = V_NEW; // GKE moved the pool and its MIG's template on, the VM is still old
    gcp.pool("old").groups.get(0).template = FakeGcp.template(V_NEW);
    assertEquals(Optional.of(true), provider.isOutdated(ref(oldNode)), "cached within the TTL");
    clock.advance(settings.cacheTtl());
    assertEquals(Optional.of(true), provider.isOutdated(ref(oldNode)), "its instance still runs the old template");
    gcp.setInstanceTemplate(oldNode, FakeGcp.template(V_NEW));
    clock.advance(settings.cacheTtl());
    assertEquals(Optional.of(false), provider.isOutdated(ref(oldNode)));

    GkeCloudProvider pinned = gcp.provider(settings.withTargetVersion("1.32.0-gke.1"), clock);
    assertEquals(Optional.of(true), pinned.isOutdated(ref(current)), "a configured target wins over the control plane");
  }

  @Test
  @DisplayName("GKE versions compare by major, minor, patch and gke build; missing parts are not compared")
  void versions() {
    assertTrue(GkeVersion.parse("1.30.9-gke.1000").isBehind(GkeVersion.parse("1.31.4-gke.1000")));
    assertTrue(GkeVersion.parse("1.31.4-gke.999").isBehind(GkeVersion.parse("1.31.4-gke.1000")));
    assertFalse(GkeVersion.parse("1.31.4-gke.1000").isBehind(GkeVersion.parse("1.31.4")));
    assertFalse(GkeVersion.parse("v1.31.4").isBehind(GkeVersion.parse("1.31")));
    assertTrue(GkeVersion.parse("1.30.9").isBehind(GkeVersion.parse("1.31")));
    assertThrows(IllegalArgumentException.class, () -> GkeVersion.parse("latest"));
  }

  // ------------------------------------------------------------------------------------------ headroom

  @Test
  @DisplayName("headroom = autoscaling max − desired, capped by the free regional CPU quota / vCPUs per node")
  void headroom() {
    assertEquals(6, provider.headroom("default-pool"));
    assertEquals(0, provider.headroom("batch"), "fixed-size pool without maxPoolSize: no surge");

    gcp.quota("CPUS", 120, 100); // 20 free vCPUs, e2-standard-4 → 5 nodes
    assertEquals(5, provider.headroom("default-pool"));
    gcp.quota("INSTANCES", 500, 498);
    assertEquals(2, provider.headroom("default-pool"));
    assertEquals(6, gcp.provider(settings.withCheckQuota(false), clock).headroom("default-pool"));
  }

  @Test
  @DisplayName("the CPU quota metric follows the machine family (N2_CPUS) and spot pools (PREEMPTIBLE_CPUS)")
  void quotaMetric() {
    var quotas = Map.of("CPUS", com.google.cloud.compute.v1.Quota.getDefaultInstance(),
        "N2_CPUS", com.google.cloud.compute.v1.Quota.getDefaultInstance(),
        "PREEMPTIBLE_CPUS", com.google.cloud.compute.v1.Quota.getDefaultInstance());
    assertEquals("N2_CPUS", GkeCloudProvider.cpuMetric("n2-standard-8", false, quotas));
    assertEquals("CPUS", GkeCloudProvider.cpuMetric("e2-standard-4", false, quotas));
    assertEquals("PREEMPTIBLE_CPUS", GkeCloudProvider.cpuMetric("n2-standard-8", true, quotas));
  }

  @Test
  @DisplayName("surging beyond the quota headroom is QUOTA and changes nothing")
  void surgeBeyondQuota() {
    gcp.quota("CPUS", 108, 100); // 8 free vCPUs: two e2-standard-4 nodes
    CloudException e = assertThrows(CloudException.class, () -> provider.setDesiredCapacity("default-pool", 9));
    assertEquals(CloudException.Kind.QUOTA, e.kind());
    assertEquals(List.of(2, 2, 2), gcp.sizes("default-pool"));
    provider.setDesiredCapacity("default-pool", 8);
    assertEquals(8, provider.nodeGroup("default-pool").desired());
  }

  // ------------------------------------------------------------------------------------------ rotation

  @Test
  @DisplayName("beginRotation refuses a pool GKE is changing itself (RECONCILING), accepts a RUNNING one")
  void beginRotation() {
    provider.beginRotation("batch");
    gcp.pool("batch").status = NodePool.Status.RECONCILING;
    CloudException e = assertThrows(CloudException.class, () -> provider.beginRotation("batch"));
    assertTrue(e.getMessage().contains("RECONCILING"), e.getMessage());
    provider.endRotation("batch");
  }

  @Test
  @DisplayName("a surge, replacements and a decrementing terminate leave the pool at its original size")
  void surgeRotateScaleBack() {
    List<String> old = gcp.instances("batch");
    GkeCloudProvider p = gcp.provider(settings.withMaxPoolSize(4), clock);
    p.beginRotation("batch");
    assertEquals(1, p.headroom("batch"));
    p.setDesiredCapacity("batch", 4);
    for (int i = 0; i < old.size(); i++) {
      String node = old.get(i);
      p.terminate(p.instanceOf(providerId(node)).orElseThrow(), i == old.size() - 1);
    }
    p.endRotation("batch");

    assertEquals(List.of(3), gcp.sizes("batch"));
    List<String> now = gcp.instances("batch");
    assertEquals(3, now.size());
    now.forEach(n -> assertFalse(old.contains(n), "old instance left: " + n));
    assertNotEquals(old, now);
  }
}
