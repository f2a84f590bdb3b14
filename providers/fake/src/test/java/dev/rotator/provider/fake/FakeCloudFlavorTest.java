package dev.rotator.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.InstanceRef;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fake cloud imitating an Auto Scaling group (aws) and a GKE node pool (gke). */
class FakeCloudFlavorTest {
  private static final List<String> AWS_ZONES = List.of("eu-west-1a", "eu-west-1b", "eu-west-1c");
  private static final List<String> GCE_ZONES = List.of("europe-west1-b", "europe-west1-c", "europe-west1-d");
  private static final Pattern AWS_PROVIDER_ID = Pattern.compile("aws:///(eu-west-1[abc])/(i-[0-9a-f]{17})");
  private static final Pattern AWS_NODE = Pattern.compile("ip-10-(\\d+)-(\\d+)-(\\d+)\\.eu-west-1\\.compute\\.internal");
  private static final Pattern GKE_NAME = Pattern.compile("gke-prod-pool-1-([0-9a-f]{8})-[0-9a-z]{4}");
  private static final Pattern GCE_PROVIDER_ID = Pattern.compile("gce://my-project/(europe-west1-[bcd])/(.+)");

  private final ManualClock clock = new ManualClock();
  private final FakeCloud cloud = new FakeCloud(clock);

  private static FakeGroupSpec spec(String id, List<String> zones, int desired, int max, FakeFlavor flavor) {
    return new FakeGroupSpec(id, zones, desired, 0, max, max, "v1.31.0", "m6i.large", 2000, 8192,
        Duration.ofSeconds(60), flavor);
  }

  private void step() {
    clock.advance(Duration.ofSeconds(61));
    cloud.reconcile(clock.now());
  }

  private static Map<String, Long> byZone(List<FakeInstance> instances) {
    return instances.stream().collect(Collectors.groupingBy(FakeInstance::zone, Collectors.counting()));
  }

  @Test
  @DisplayName("aws: ids are i- plus 17 hex digits, providerID aws:///<zone>/<id>, Node name ip-10-…<region>.compute.internal, EKS labels")
  void awsNaming() {
    cloud.addGroup(spec("workers", AWS_ZONES, 6, 9, FakeFlavor.aws(AWS_ZONES)));
    step();
    Set<String> ids = new HashSet<>();
    Set<String> nodes = new HashSet<>();
    for (FakeInstance i : cloud.liveInstances("workers")) {
      Matcher m = AWS_PROVIDER_ID.matcher(i.providerId());
      assertTrue(m.matches(), i.providerId());
      assertEquals(i.zone(), m.group(1));
      assertEquals(i.id(), m.group(2));
      Matcher n = AWS_NODE.matcher(i.nodeName());
      assertTrue(n.matches(), i.nodeName());
      assertEquals("10." + n.group(1) + "." + n.group(2) + "." + n.group(3), i.privateIp());
      assertEquals("workers", i.labels().get("eks.amazonaws.com/nodegroup"));
      assertEquals("eu-west-1", i.labels().get("topology.kubernetes.io/region"));
      assertTrue(ids.add(i.id()) && nodes.add(i.nodeName()), "unique: " + i);
    }
    assertEquals(6, ids.size());
  }

  @Test
  @DisplayName("aws in us-east-1: Node names end in ec2.internal, as EC2's default DNS names do there")
  void awsUsEast1Domain() {
    List<String> zones = List.of("us-east-1a", "us-east-1b");
    cloud.addGroup(spec("g", zones, 1, 2, FakeFlavor.aws(zones)));
    FakeInstance i = cloud.addRunningInstance("g", "us-east-1b", "v1.30.0");
    assertTrue(i.nodeName().matches("ip-10-2-\\d+-\\d+\\.ec2\\.internal"), i.nodeName());
  }

  @Test
  @DisplayName("aws: a terminated instance is replaced under a new id in the zone with the fewest live instances (AZ balance)")
  void awsReplacementBalancesZones() {
    cloud.addGroup(spec("workers", AWS_ZONES, 6, 9, FakeFlavor.aws(AWS_ZONES)));
    step();
    // Unbalance: eu-west-1a loses both of its instances (no decrement: the ASG must replace them).
    List<FakeInstance> inA = cloud.liveInstances("workers").stream()
        .filter(i -> i.zone().equals("eu-west-1a")).toList();
    assertEquals(2, inA.size());
    cloud.terminate(inA.get(0).ref(), false);
    cloud.terminate(inA.get(1).ref(), false);
    assertEquals(Map.of("eu-west-1b", 2L, "eu-west-1c", 2L), byZone(cloud.liveInstances("workers")));
    step();
    List<FakeInstance> live = cloud.liveInstances("workers");
    assertEquals(Map.of("eu-west-1a", 2L, "eu-west-1b", 2L, "eu-west-1c", 2L), byZone(live));
    assertTrue(live.stream().noneMatch(i -> i.id().equals(inA.get(0).id()) || i.id().equals(inA.get(1).id())),
        "replacements have new ids");
  }

  @Test
  @DisplayName("aws: lowering desired capacity scales in from the zone with the most instances first")
  void awsScaleInBalances() {
    cloud.addGroup(spec("workers", AWS_ZONES, 6, 9, FakeFlavor.aws(AWS_ZONES)));
    step();
    cloud.setDesiredCapacity("workers", 7); // the surge instance lands in eu-west-1a (fewest, first on ties)
    step();
    assertEquals(Map.of("eu-west-1a", 3L, "eu-west-1b", 2L, "eu-west-1c", 2L), byZone(cloud.liveInstances("workers")));
    // An old instance in eu-west-1c goes away without replacement; scaling back to 5 must then take from 1a.
    FakeInstance inC = cloud.liveInstances("workers").stream()
        .filter(i -> i.zone().equals("eu-west-1c")).findFirst().orElseThrow();
    cloud.terminate(inC.ref(), true);
    cloud.setDesiredCapacity("workers", 5);
    step();
    assertEquals(Map.of("eu-west-1a", 2L, "eu-west-1b", 2L, "eu-west-1c", 1L), byZone(cloud.liveInstances("workers")));
  }

  @Test
  @DisplayName("gke: names gke-<cluster>-<pool>-<8 hex of the zone's group>-<4 chars>, providerID gce://<project>/<zone>/<name>, Node name = name")
  void gkeNaming() {
    cloud.addGroup(spec("pool-1", GCE_ZONES, 6, 9, FakeFlavor.gke("my-project", "prod")));
    step();
    Map<String, String> hashOfZone = new LinkedHashMap<>();
    Set<String> names = new HashSet<>();
    for (FakeInstance i : cloud.liveInstances("pool-1")) {
      Matcher n = GKE_NAME.matcher(i.id());
      assertTrue(n.matches(), i.id());
      String before = hashOfZone.putIfAbsent(i.zone(), n.group(1));
      assertEquals(before == null ? n.group(1) : before, n.group(1), "one instance group (hash) per zone");
      Matcher p = GCE_PROVIDER_ID.matcher(i.providerId());
      assertTrue(p.matches(), i.providerId());
      assertEquals(i.zone(), p.group(1));
      assertEquals(i.id(), p.group(2));
      assertEquals(i.id(), i.nodeName());
      assertEquals("pool-1", i.labels().get("cloud.google.com/gke-nodepool"));
      assertEquals("europe-west1", i.labels().get("topology.kubernetes.io/region"));
      assertTrue(names.add(i.id()));
    }
    assertEquals(3, new HashSet<>(hashOfZone.values()).size(), "each zone's group has its own hash");
  }

  @Test
  @DisplayName("gke: desired capacity changes are spread over the zone groups; an uneven change goes to the smallest (growth) / comes off the largest (shrink), first zone on ties")
  void gkeEvenSpread() {
    cloud.addGroup(spec("pool-1", GCE_ZONES, 6, 12, FakeFlavor.gke("my-project", "prod")));
    step();
    assertEquals(Map.of("europe-west1-b", 2, "europe-west1-c", 2, "europe-west1-d", 2), cloud.zoneTargets("pool-1"));
    cloud.setDesiredCapacity("pool-1", 9);
    step();
    assertEquals(Map.of("europe-west1-b", 3L, "europe-west1-c", 3L, "europe-west1-d", 3L),
        byZone(cloud.liveInstances("pool-1")));
    cloud.setDesiredCapacity("pool-1", 11); // +2 does not divide by 3: b and c get one each
    step();
    assertEquals(List.of(4, 4, 3), List.copyOf(cloud.zoneTargets("pool-1").values()));
    assertEquals(Map.of("europe-west1-b", 4L, "europe-west1-c", 4L, "europe-west1-d", 3L),
        byZone(cloud.liveInstances("pool-1")));
    cloud.setDesiredCapacity("pool-1", 7); // −4: off the largest, first zone on ties: b, c, b, c → 2/2/3
    step();
    assertEquals(List.of(2, 2, 3), List.copyOf(cloud.zoneTargets("pool-1").values()));
    assertEquals(Map.of("europe-west1-b", 2L, "europe-west1-c", 2L, "europe-west1-d", 3L),
        byZone(cloud.liveInstances("pool-1")));
    assertEquals(7, cloud.peekGroup("pool-1").desired());
  }

  @Test
  @DisplayName("gke: a deleted instance comes back in its own zone under a new name; with decrement its zone's group shrinks")
  void gkeTerminateStaysInZone() {
    cloud.addGroup(spec("pool-1", GCE_ZONES, 6, 9, FakeFlavor.gke("my-project", "prod")));
    step();
    FakeInstance victim = cloud.liveInstances("pool-1").stream()
        .filter(i -> i.zone().equals("europe-west1-d")).findFirst().orElseThrow();
    cloud.terminate(victim.ref(), false);
    step();
    assertEquals(Map.of("europe-west1-b", 2L, "europe-west1-c", 2L, "europe-west1-d", 2L),
        byZone(cloud.liveInstances("pool-1")));
    assertTrue(cloud.liveInstances("pool-1").stream().noneMatch(i -> i.id().equals(victim.id())));
    FakeInstance other = cloud.liveInstances("pool-1").stream()
        .filter(i -> i.zone().equals("europe-west1-b")).findFirst().orElseThrow();
    cloud.terminate(other.ref(), true);
    step();
    assertEquals(List.of(1, 2, 2), List.copyOf(cloud.zoneTargets("pool-1").values()));
    assertEquals(Map.of("europe-west1-b", 1L, "europe-west1-c", 2L, "europe-west1-d", 2L),
        byZone(cloud.liveInstances("pool-1")));
  }

  @Test
  @DisplayName("instanceOf round-trips the providerIDs of all three flavours, terminated instances included; other IDs are empty")
  void instanceOfRoundTrip() {
    cloud.addGroup(spec("plain", List.of("z-a"), 1, 2, null));
    cloud.addGroup(spec("workers", AWS_ZONES, 2, 3, FakeFlavor.aws(AWS_ZONES)));
    cloud.addGroup(spec("pool-1", GCE_ZONES, 2, 3, FakeFlavor.gke("my-project", "prod")));
    step();
    List<FakeInstance> all = cloud.instances();
    assertEquals(5, all.size());
    for (FakeInstance i : all) {
      assertEquals(Optional.of(new InstanceRef(i.id(), i.groupId(), i.zone())), cloud.instanceOf(i.providerId()),
          i.providerId());
    }
    FakeInstance aws = cloud.liveInstances("workers").get(0);
    FakeInstance gke = cloud.liveInstances("pool-1").get(0);
    cloud.terminate(aws.ref(), false);
    assertEquals(Optional.of(aws.ref()), cloud.instanceOf(aws.providerId()), "a terminated instance is still ours");
    String otherZone = aws.zone().equals("eu-west-1a") ? "eu-west-1b" : "eu-west-1a";
    for (String foreign : List.of(
        "aws:///eu-west-1a/i-0123456789abcdef0",
        "aws:///" + otherZone + "/" + aws.id(),
        "aws:///" + aws.zone() + "/" + aws.id() + "/x",
        "gce://other-project/" + gke.zone() + "/" + gke.id(),
        "gce://my-project/" + gke.zone() + "/gke-prod-pool-1-00000000-abcd",
        "gce://my-project/" + gke.zone(),
        "azure:///subscriptions/x")) {
      assertEquals(Optional.empty(), cloud.instanceOf(foreign), foreign);
    }
    assertEquals(Optional.empty(), cloud.instanceOf(null));
    assertEquals(cloud.instanceByProviderId(gke.providerId()).orElseThrow().id(), gke.id());
    assertEquals(14, cloud.calls("instanceOf").size(), "every instanceOf call is recorded");
    assertEquals(Optional.of(gke.ref()), cloud.peekInstanceOf(gke.providerId()));
    assertEquals(14, cloud.calls("instanceOf").size(), "peekInstanceOf records nothing");
  }

  @Test
  @DisplayName("flavour settings are checked: zones must fit the cloud, GKE names must fit 63 characters")
  void flavourValidation() {
    assertThrows(IllegalArgumentException.class, () -> FakeFlavor.aws(List.of("sim-a")));
    assertThrows(IllegalArgumentException.class, () -> FakeFlavor.aws(List.of("eu-west-1a", "us-east-1a")));
    assertThrows(IllegalArgumentException.class,
        () -> spec("g", List.of("sim-a"), 1, 2, FakeFlavor.gke("my-project", "prod")));
    assertThrows(IllegalArgumentException.class,
        () -> spec("g", List.of("europe-west1-b", "europe-west1-b"), 1, 2, FakeFlavor.gke("my-project", "prod")));
    assertThrows(IllegalArgumentException.class, () -> FakeFlavor.gke("x", "prod"), "project too short");
    String longPool = "p".repeat(40);
    assertThrows(IllegalArgumentException.class,
        () -> spec(longPool, GCE_ZONES, 1, 2, FakeFlavor.gke("my-project", "cluster-name")));
    assertNotEquals(FakeFlavor.FAKE, FakeFlavor.gke("my-project", "prod"));
  }
}
