package dev.rotator.provider.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.NodePool;
import dev.rotator.provider.PoolChanges;
import dev.rotator.provider.PoolTaint;
import dev.rotator.provider.QuotaHeadroom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The node-pool switch's AWS calls ({@code CreateAutoScalingGroup} from the old group's launch template at a new
 * version, {@code DeleteAutoScalingGroup} without ForceDelete once the group is empty) through the real SDK
 * clients against the wire-level {@link FakeAwsServer}.
 */
class AwsNodePoolsTest {
  static final List<String> ZONES = List.of("us-east-1a", "us-east-1b");
  FakeAwsServer aws;
  ManualClock clock;
  AwsCloudProvider provider;
  String lt;

  @BeforeEach
  void start() throws Exception {
    aws = FakeAwsServer.start();
    clock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    lt = aws.addLaunchTemplate("workers", "m5.xlarge");
    aws.addLaunchTemplateVersion(lt, "m5.xlarge");
    aws.addGroup("workers-a", 1, 3, 6, lt, "1", ZONES);
    aws.tag("workers-a", "kubernetes.io/cluster/prod", "owned");
    aws.tag("workers-a", "rotator.dev/managed", "true");
    aws.tag("workers-a", AwsCloudProvider.LABEL_TAG + "workload", "web");
    aws.tag("workers-a", AwsCloudProvider.TAINT_TAG + "dedicated", "web:NoSchedule");
    AwsSettings s = AwsSettings.builder()
        .region("us-east-1")
        .groupTags(Map.of("rotator.dev/managed", "true"))
        .endpoints(AwsSettings.Endpoints.all(aws.endpoint()))
        .maxAttempts(2)
        .backoffInitial(Duration.ofMillis(50))
        .backoffMax(Duration.ofMillis(100))
        .build();
    provider = new AwsCloudProvider(s, clock,
        AwsClients.create(s, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTESTONLY", "x"))));
  }

  @AfterEach
  void stop() {
    provider.close();
    aws.close();
  }

  private static PoolChanges version(String v) {
    return new PoolChanges(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(v));
  }

  @Test
  @DisplayName("a group is described as a pool: template version, instance type, node-template labels and taints")
  void describes() {
    NodePool p = provider.pool("workers-a").orElseThrow();

    assertEquals(lt, p.launchTemplate());
    assertEquals("1", p.launchTemplateVersion());
    assertEquals("m5.xlarge", p.machineType());
    assertEquals(Map.of("workload", "web"), p.labels());
    assertEquals(List.of(new PoolTaint("dedicated", "web", "NoSchedule")), p.taints());
    assertEquals(3, p.size());
    assertEquals(ZONES, p.zones());
    assertEquals(Optional.empty(), provider.pool("nope"));
  }

  @Test
  @DisplayName("CreateAutoScalingGroup copies the template at the new version, zones, size and tags; again = no-op")
  void creates() {
    NodePool old = provider.pool("workers-a").orElseThrow();

    provider.createPool(old.derive("workers-b", version("2"), 3), old);
    provider.createPool(old.derive("workers-b", version("2"), 3), old);

    assertEquals(1, aws.count("CreateAutoScalingGroup"), "the second create found the group");
    Map<String, String> req = aws.createRequests().get(0);
    assertEquals(lt, req.get("LaunchTemplate.LaunchTemplateId"));
    assertEquals("2", req.get("LaunchTemplate.Version"));
    assertEquals("3", req.get("DesiredCapacity"));
    var created = aws.group("workers-b");
    assertEquals("web:NoSchedule", created.tags().get(AwsCloudProvider.TAINT_TAG + "dedicated"));
    assertEquals("owned", created.tags().get("kubernetes.io/cluster/prod"));
    aws.tick();
    assertEquals(3, created.desired());
    assertEquals(3, provider.poolInstances("workers-b").size());
    String id = provider.poolInstances("workers-b").get(0).instanceId();
    assertEquals("workers-b", provider.instanceOf(aws.providerId(id)).orElseThrow().groupId(),
        "the new group is managed (its tags match provider.aws.groupTags)");
  }

  @Test
  @DisplayName("a machineType change is refused on AWS: the launch template version decides the instance type")
  void machineTypeRefused() {
    NodePool old = provider.pool("workers-a").orElseThrow();
    PoolChanges bigger = new PoolChanges(Optional.empty(), Optional.empty(), Optional.of("c5.2xlarge"), Optional.empty());

    CloudException e = assertThrows(CloudException.class, () -> provider.createPool(old.derive("workers-b", bigger, 3), old));

    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("launchTemplateVersion"), e.getMessage());
    assertEquals(0, aws.count("CreateAutoScalingGroup"));
  }

  @Test
  @DisplayName("delete scales to zero first and calls DeleteAutoScalingGroup (ForceDelete false) only once empty")
  void deletesOnceEmpty() {
    assertFalse(provider.deletePool("workers-a"), "scaled to zero, instances still there");
    assertEquals(0, aws.group("workers-a").desired());
    assertEquals(0, aws.count("DeleteAutoScalingGroup"));
    aws.tick(); // scale-in: Terminating
    aws.tick(); // gone
    assertTrue(provider.deletePool("workers-a"));
    assertEquals(1, aws.count("DeleteAutoScalingGroup"));
    assertFalse(aws.hasGroup("workers-a"));
    assertTrue(provider.deletePool("workers-a"), "a gone group is success");
    assertEquals(1, aws.count("DeleteAutoScalingGroup"));
  }

  @Test
  @DisplayName("quota for the new group in instances, from the EC2 vCPU quota (the room headroom uses)")
  void quota() {
    NodePool old = provider.pool("workers-a").orElseThrow();

    QuotaHeadroom q = provider.quotaFor(old.derive("workers-b", version("2"), 3), old, 3);

    assertEquals("instances", q.unit());
    assertEquals(3, q.needed());
    assertEquals(provider.headroom("workers-a") >= 0 ? q.available() : -1, q.available());
    assertTrue(q.available() > 3 && q.available() < Long.MAX_VALUE, q.toString());
    assertTrue(q.sufficient());
  }
}
