package dev.rotator.provider.gke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.container.v1.CreateNodePoolRequest;
import com.google.container.v1.NodeTaint;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.NodePool;
import dev.rotator.provider.PoolChanges;
import dev.rotator.provider.PoolTaint;
import dev.rotator.provider.QuotaHeadroom;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The node-pool switch's GKE calls ({@code CreateNodePool}, {@code DeleteNodePool}, operations followed to DONE)
 * through the real {@code ClusterManagerClient} on the in-process gRPC fake, and the Compute REST client on
 * loopback for sizes, instances and quotas.
 */
class GkeNodePoolsTest {
  static final String V_OLD = "1.30.9-gke.1000";
  static final String V_NEW = "1.31.4-gke.1000";
  private static final PoolChanges TO_NEW =
      new PoolChanges(Optional.of(V_NEW), Optional.empty(), Optional.of("e2-standard-8"), Optional.empty());

  FakeGcp gcp;
  ManualClock clock;
  GkeCloudProvider provider;

  @BeforeEach
  void setUp() throws Exception {
    gcp = new FakeGcp();
    clock = new ManualClock();
    FakeGcp.Pool web = gcp.addPool("web-a", V_OLD, 2, "europe-west1-b", "europe-west1-c");
    web.labels.put("workload", "web");
    web.taints.add(NodeTaint.newBuilder().setKey("dedicated").setValue("web").setEffect(NodeTaint.Effect.NO_SCHEDULE)
        .build());
    provider = gcp.provider(gcp.settings(), clock);
  }

  @AfterEach
  void tearDown() {
    gcp.close();
  }

  @Test
  @DisplayName("a pool is described with its version, machine type, labels, taints, size and zones")
  void describes() {
    NodePool p = provider.pool("web-a").orElseThrow();

    assertEquals(V_OLD, p.version());
    assertEquals("e2-standard-4", p.machineType());
    assertEquals(Map.of("workload", "web"), p.labels());
    assertEquals(List.of(new PoolTaint("dedicated", "web", "NoSchedule")), p.taints());
    assertEquals(4, p.size());
    assertEquals(List.of("europe-west1-b", "europe-west1-c"), p.zones());
    assertEquals(Optional.empty(), provider.pool("nope"));
  }

  @Test
  @DisplayName("CreateNodePool copies the old pool's config with the changes, follows the operation, and is idempotent")
  void createsFromTemplate() {
    NodePool old = provider.pool("web-a").orElseThrow();

    provider.createPool(old.derive("web-b", TO_NEW, 4), old);
    provider.createPool(old.derive("web-b", TO_NEW, 4), old);

    CreateNodePoolRequest req = gcp.requests(CreateNodePoolRequest.class).get(0);
    assertEquals(1, gcp.requests(CreateNodePoolRequest.class).size(), "the second create found the pool");
    assertEquals(V_NEW, req.getNodePool().getVersion());
    assertEquals("e2-standard-8", req.getNodePool().getConfig().getMachineType());
    assertEquals(Map.of("workload", "web"), req.getNodePool().getConfig().getLabelsMap());
    assertEquals(2, req.getNodePool().getInitialNodeCount(), "GKE's count is per zone: 4 over 2 zones");
    assertTrue(gcp.count("getOperation") >= 1, "the create operation was followed to DONE");
    NodePool created = provider.pool("web-b").orElseThrow();
    assertEquals(4, created.size());
    assertEquals(List.of(new PoolTaint("dedicated", "web", "NoSchedule")), created.taints());
    assertEquals(4, provider.poolInstances("web-b").size());
    assertTrue(provider.poolInstances("web-b").stream().allMatch(i -> i.groupId().equals("web-b")));
    String node = provider.poolInstances("web-b").get(0).instanceId();
    assertEquals("web-b", provider.instanceOf("gce://" + FakeGcp.PROJECT + "/" + gcp.zoneOf(node) + "/" + node)
        .orElseThrow().groupId(), "the new pool's nodes map to it at once");
  }

  @Test
  @DisplayName("a failed create operation is a typed error (quota → QUOTA)")
  void createFails() {
    NodePool old = provider.pool("web-a").orElseThrow();
    gcp.failNextOperation("createNodePool", Status.Code.RESOURCE_EXHAUSTED, "Quota 'CPUS' exceeded");

    CloudException e = assertThrows(CloudException.class, () -> provider.createPool(old.derive("web-b", TO_NEW, 4), old));

    assertEquals(CloudException.Kind.QUOTA, e.kind(), e.getMessage());
  }

  @Test
  @DisplayName("DeleteNodePool removes the pool and its instances; deleting a gone pool is success")
  void deletes() {
    assertTrue(provider.deletePool("web-a"));
    assertFalse(provider.pool("web-a").isPresent());
    assertTrue(provider.poolInstances("web-a").isEmpty());
    assertEquals(1, gcp.count("deleteNodePool"));

    assertTrue(provider.deletePool("web-a"));
    assertEquals(1, gcp.count("deleteNodePool"), "no second DeleteNodePool for a gone pool");
  }

  @Test
  @DisplayName("quota for the whole new pool in regional CPUs, with the numbers")
  void quota() {
    NodePool old = provider.pool("web-a").orElseThrow();
    gcp.quota("E2_CPUS", 100, 80);
    gcp.machineCpus.put("e2-standard-8", 8);

    QuotaHeadroom q = provider.quotaFor(old.derive("web-b", TO_NEW, 4), old, 4);

    assertEquals("CPUs", q.unit());
    assertEquals(32, q.needed(), "4 x e2-standard-8");
    assertEquals(20, q.available());
    assertFalse(q.sufficient());
    assertTrue(q.detail().contains("E2_CPUS limit 100, usage 80"), q.detail());
  }
}
