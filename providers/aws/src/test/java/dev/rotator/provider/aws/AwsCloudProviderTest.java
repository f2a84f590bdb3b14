package dev.rotator.provider.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.fake.ManualClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import dev.rotator.provider.aws.FakeAwsServer.GroupView;
import dev.rotator.provider.aws.FakeAwsServer.InstanceView;
import dev.rotator.provider.aws.FakeAwsServer.QuotasMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The real AutoScaling/EC2/ServiceQuotas clients against {@link FakeAwsServer}. */
class AwsCloudProviderTest {
  static final String SECRET = "test-secret-key-never-logged";
  static final List<String> ZONES = List.of("us-east-1a", "us-east-1b");

  FakeAwsServer aws;
  ManualClock clock;
  final List<AwsCloudProvider> opened = new ArrayList<>();
  String lt;

  @BeforeEach
  void start() throws Exception {
    aws = FakeAwsServer.start();
    clock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    lt = aws.addLaunchTemplate("workers", "m5.xlarge");
  }

  @AfterEach
  void stop() {
    opened.forEach(AwsCloudProvider::close);
    aws.close();
  }

  AwsCloudProvider provider(Consumer<AwsSettings.Builder> tweak) {
    AwsSettings.Builder b =
        AwsSettings.builder()
            .region("us-east-1")
            .groupNames(List.of("ng-a"))
            .endpoints(AwsSettings.Endpoints.all(aws.endpoint()))
            .maxAttempts(3)
            .backoffInitial(Duration.ofMillis(200))
            .backoffMax(Duration.ofSeconds(2));
    tweak.accept(b);
    AwsSettings s = b.build();
    // Dummy static credentials in tests only; production uses the SDK's default chain.
    AwsClients clients =
        AwsClients.create(s, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTESTONLY", SECRET)));
    AwsCloudProvider p = new AwsCloudProvider(s, clock, clients);
    opened.add(p);
    return p;
  }

  AwsCloudProvider provider() {
    return provider(b -> {});
  }

  InstanceRef ref(AwsCloudProvider p, InstanceView i) {
    return p.instanceOf(aws.providerId(i.id())).orElseThrow();
  }

  // ------------------------------------------------------------------------------------------ mapping

  @Test
  @DisplayName("instanceOf maps aws:///<zone>/<id> to its managed group; foreign IDs and unmanaged groups map to nothing")
  void mapsProviderIdToGroup() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "$Latest", ZONES);
    aws.addGroup("ng-other", 1, 1, 2, lt, "$Latest", ZONES);
    AwsCloudProvider p = provider();
    InstanceView i = aws.group("ng-a").live().get(0);

    Optional<InstanceRef> ref = p.instanceOf(aws.providerId(i.id()));

    assertEquals(Optional.of(new InstanceRef(i.id(), "ng-a", i.zone())), ref);
    String other = aws.group("ng-other").live().get(0).id();
    assertEquals(Optional.empty(), p.instanceOf(aws.providerId(other)), "a group rotator does not manage");
    assertEquals(Optional.empty(), p.instanceOf("gce://project/us-central1-a/node-1"));
    assertEquals(Optional.empty(), p.instanceOf("aws:///us-east-1a/fargate-ip-10-0-0-1"));
    assertEquals(Optional.empty(), p.instanceOf(""));
    assertEquals(Optional.empty(), p.instanceOf(null));
    String loose = aws.addStandaloneInstance("m5.large", false);
    assertEquals(Optional.empty(), p.instanceOf(aws.providerId(loose)), "an instance in no group");

    long before = aws.count("DescribeAutoScalingInstances");
    p.instanceOf(aws.providerId(i.id()));
    assertEquals(before, aws.count("DescribeAutoScalingInstances"), "membership is cached");
  }

  @Test
  @DisplayName("groups are selected by name plus by tags, a tagged group needing every tag")
  void selectsGroupsByNameAndTags() {
    aws.addGroup("ng-a", 1, 1, 3, lt, "1", ZONES);
    aws.addGroup("ng-b", 0, 2, 5, lt, "$Latest", ZONES);
    aws.addGroup("ng-c", 0, 1, 5, lt, "$Latest", ZONES);
    aws.tag("ng-b", "kubernetes.io/cluster/prod", "owned");
    aws.tag("ng-b", "rotator.dev/enabled", "true");
    aws.tag("ng-c", "kubernetes.io/cluster/prod", "owned");
    AwsCloudProvider p =
        provider(b -> b.groupTags(Map.of("kubernetes.io/cluster/prod", "owned", "rotator.dev/enabled", "true")));

    List<NodeGroup> groups = p.nodeGroups();

    assertEquals(List.of("ng-a", "ng-b"), groups.stream().map(NodeGroup::id).sorted().toList());
    NodeGroup b = groups.stream().filter(g -> g.id().equals("ng-b")).findFirst().orElseThrow();
    assertEquals(new NodeGroup("ng-b", 2, 0, 5, lt + ":$Latest"), b);
    assertEquals(new NodeGroup("ng-a", 1, 1, 3, lt + ":1"), p.nodeGroup("ng-a"));
  }

  @Test
  @DisplayName("a configured group that does not exist, or a group rotator does not manage, is PERMANENT")
  void missingGroupIsPermanent() {
    aws.addGroup("ng-other", 1, 1, 2, lt, "1", ZONES);
    AwsCloudProvider p = provider(b -> b.groupNames(List.of("ng-a")));

    CloudException e = assertThrows(CloudException.class, p::nodeGroups);
    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertTrue(e.getMessage().contains("DescribeAutoScalingGroups") && e.getMessage().contains("ng-a"), e.getMessage());

    aws.addGroup("ng-a", 1, 1, 2, lt, "1", ZONES);
    CloudException e2 = assertThrows(CloudException.class, () -> p.setDesiredCapacity("ng-other", 2));
    assertEquals(CloudException.Kind.PERMANENT, e2.kind());
    assertTrue(e2.getMessage().contains("ng-other") && e2.getMessage().contains("not managed"), e2.getMessage());
    assertEquals(1, aws.group("ng-other").desired(), "nothing changed");
  }

  // ------------------------------------------------------------------------------------------ outdated

  @Test
  @DisplayName("with $Latest, instances of an older template version are outdated (version from DescribeLaunchTemplates and the instance's EC2 tag)")
  void outdatedByLatestTemplateVersion() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "$Latest", ZONES);
    AwsCloudProvider p = provider();
    InstanceView old = aws.group("ng-a").live().get(0);
    assertEquals("$Latest", old.reportedVersion(), "the ASG API reports the symbolic version");
    assertEquals(Optional.of(false), p.isOutdated(ref(p, old)));

    aws.addLaunchTemplateVersion(lt, "m5.xlarge");
    clock.advance(AwsCloudProvider.SNAPSHOT_TTL);
    assertEquals(Optional.of(true), p.isOutdated(ref(p, old)));

    p.terminate(ref(p, old), false);
    aws.clearRequests();
    InstanceView fresh = aws.group("ng-a").live().stream().filter(i -> i.version() == 2).findFirst().orElseThrow();
    clock.advance(AwsCloudProvider.SNAPSHOT_TTL);
    assertEquals(Optional.of(false), p.isOutdated(ref(p, fresh)));
  }

  @Test
  @DisplayName("with a pinned version or $Default, an instance of another version is outdated; a mixed instances policy is read too")
  void outdatedByPinnedAndDefaultVersion() {
    aws.addGroup("ng-a", 1, 1, 4, lt, "1", ZONES);
    aws.addMixedGroup("ng-m", 1, 1, 4, lt, "$Default", ZONES);
    AwsCloudProvider p = provider(b -> b.groupNames(List.of("ng-a", "ng-m")));
    InstanceView a = aws.group("ng-a").live().get(0);
    InstanceView m = aws.group("ng-m").live().get(0);
    assertEquals(Optional.of(false), p.isOutdated(ref(p, a)));
    assertEquals(Optional.of(false), p.isOutdated(ref(p, m)));

    int v2 = aws.addLaunchTemplateVersion(lt, "m5.xlarge");
    aws.setGroupTemplateVersion("ng-a", Integer.toString(v2));
    aws.setDefaultVersion(lt, v2);
    clock.advance(AwsCloudProvider.SNAPSHOT_TTL);

    assertEquals(Optional.of(true), p.isOutdated(ref(p, a)));
    assertEquals(Optional.of(true), p.isOutdated(ref(p, m)));
  }

  @Test
  @DisplayName("launch configuration groups: an instance of another configuration is outdated")
  void outdatedByLaunchConfiguration() {
    aws.addLaunchConfiguration("lc-1", "m5.large");
    aws.addLaunchConfiguration("lc-2", "m5.large");
    aws.addLaunchConfigurationGroup("ng-a", 1, 2, 3, "lc-1", ZONES);
    AwsCloudProvider p = provider();
    InstanceView i = aws.group("ng-a").live().get(0);
    assertEquals(Optional.of(false), p.isOutdated(ref(p, i)));

    aws.setGroupLaunchConfiguration("ng-a", "lc-2");
    clock.advance(AwsCloudProvider.SNAPSHOT_TTL);

    assertEquals(Optional.of(true), p.isOutdated(ref(p, i)));
    assertEquals("lc:lc-2", p.nodeGroup("ng-a").targetVersion());
  }

  // ------------------------------------------------------------------------------------------ surge cycle

  @Test
  @DisplayName("surge, terminate without decrement (replaced), terminate with decrement (surge given back): the group ends at its size, all new")
  void surgeTerminateReplaceScaleBack() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "$Latest", ZONES);
    List<InstanceView> old = aws.group("ng-a").live();
    aws.addLaunchTemplateVersion(lt, "m5.xlarge");
    AwsCloudProvider p = provider();
    assertEquals(2, p.headroom("ng-a"));

    p.setDesiredCapacity("ng-a", 3);
    assertEquals(3, aws.group("ng-a").desired());
    assertEquals(3, aws.group("ng-a").live().size(), "the surge instance was launched");

    p.terminate(ref(p, old.get(0)), false);
    GroupView afterFirst = aws.group("ng-a");
    assertEquals(3, afterFirst.desired(), "no decrement: the group replaces the instance");
    assertEquals(3, afterFirst.live().size());
    assertFalse(afterFirst.live().stream().anyMatch(i -> i.id().equals(old.get(0).id())));

    p.terminate(ref(p, old.get(1)), true);
    GroupView end = aws.group("ng-a");
    assertEquals(2, end.desired(), "decrement gives the surge back");
    aws.tick();
    List<InstanceView> live = aws.group("ng-a").live();
    assertEquals(2, live.size());
    assertTrue(live.stream().allMatch(i -> i.version() == 2), "only instances of the new version remain: " + live);
    assertEquals(1, aws.count("SetDesiredCapacity"));
    assertEquals(2, aws.count("TerminateInstanceInAutoScalingGroup"));
  }

  @Test
  @DisplayName("terminating an instance that is gone or already terminating succeeds, and desired capacity is decremented only once")
  void terminateIsIdempotent() {
    aws.addGroup("ng-a", 1, 3, 4, lt, "1", ZONES);
    AwsCloudProvider p = provider();
    List<InstanceView> live = aws.group("ng-a").live();
    InstanceRef first = ref(p, live.get(0));
    InstanceRef second = ref(p, live.get(1));

    aws.vanish(first.instanceId());
    p.terminate(first, true);
    assertEquals(0, aws.count("TerminateInstanceInAutoScalingGroup"), "nothing to terminate");
    assertEquals(3, aws.group("ng-a").desired());

    aws.holdTerminating(true);
    p.terminate(second, true);
    assertEquals("Terminating", aws.instance(second.instanceId()).lifecycle());
    p.terminate(second, true);
    assertEquals(2, aws.group("ng-a").desired(), "decremented once");
    assertEquals(1, aws.count("TerminateInstanceInAutoScalingGroup"), "a terminating instance is not terminated again");

    aws.holdTerminating(false);
    aws.tick();
    p.terminate(second, true);
    assertEquals(1, aws.count("TerminateInstanceInAutoScalingGroup"), "gone from the group: done");

    InstanceRef third = ref(p, live.get(2));
    aws.beforeNext("TerminateInstanceInAutoScalingGroup", () -> aws.vanish(third.instanceId()));
    p.terminate(third, true);
    assertEquals(2, aws.count("TerminateInstanceInAutoScalingGroup"), "the race: 'Instance Id not found' answered");
    assertEquals(2, aws.group("ng-a").desired(), "and taken as done");
  }

  @Test
  @DisplayName("a desired capacity above max without raiseMaxForSurge, or below min, is PERMANENT and changes nothing")
  void desiredOutsideBoundsIsPermanent() {
    aws.addGroup("ng-a", 2, 3, 3, lt, "1", ZONES);
    AwsCloudProvider p = provider();

    CloudException above = assertThrows(CloudException.class, () -> p.setDesiredCapacity("ng-a", 4));
    assertEquals(CloudException.Kind.PERMANENT, above.kind());
    assertTrue(above.getMessage().contains("SetDesiredCapacity group ng-a") && above.getMessage().contains("raiseMaxForSurge"),
        above.getMessage());
    CloudException below = assertThrows(CloudException.class, () -> p.setDesiredCapacity("ng-a", 1));
    assertEquals(CloudException.Kind.PERMANENT, below.kind());
    assertEquals(0, aws.count("SetDesiredCapacity"));
    assertEquals(0, aws.count("UpdateAutoScalingGroup"));
    assertEquals(0, p.headroom("ng-a"), "at max: no headroom without raiseMaxForSurge");
  }

  // ------------------------------------------------------------------------------------------ rotation scope

  @Test
  @DisplayName("beginRotation suspends the configured processes (recorded in a tag first); endRotation resumes exactly those, not an operator's")
  void suspendAndResumeProcesses() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "1", ZONES);
    aws.suspend("ng-a", "ReplaceUnhealthy");
    AwsCloudProvider p = provider(b -> b.suspendProcesses(List.of("AZRebalance", "ReplaceUnhealthy")));

    p.beginRotation("ng-a");
    GroupView during = aws.group("ng-a");
    assertEquals(Set.of("AZRebalance", "ReplaceUnhealthy"), during.suspended());
    assertEquals("AZRebalance", during.tags().get(AwsCloudProvider.SUSPENDED_TAG));
    List<String> order = aws.requests();
    assertTrue(order.indexOf("autoscaling:CreateOrUpdateTags") < order.indexOf("autoscaling:SuspendProcesses"),
        "record before acting: " + order);
    p.beginRotation("ng-a");
    assertEquals("AZRebalance", aws.group("ng-a").tags().get(AwsCloudProvider.SUSPENDED_TAG), "idempotent");

    p.endRotation("ng-a");
    GroupView after = aws.group("ng-a");
    assertEquals(Set.of("ReplaceUnhealthy"), after.suspended(), "the operator's suspension stays");
    assertFalse(after.tags().containsKey(AwsCloudProvider.SUSPENDED_TAG));

    long resumes = aws.count("ResumeProcesses");
    p.endRotation("ng-a");
    assertEquals(resumes, aws.count("ResumeProcesses"), "a second endRotation has nothing to undo");
  }

  @Test
  @DisplayName("a crashed run's suspension is resumed by a new provider's endRotation, from the tag")
  void suspensionSurvivesCrash() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "1", ZONES);
    provider().beginRotation("ng-a");
    assertEquals(Set.of("AZRebalance"), aws.group("ng-a").suspended());

    provider().endRotation("ng-a");

    assertEquals(Set.of(), aws.group("ng-a").suspended());
  }

  @Test
  @DisplayName("raiseMaxForSurge: the original max is tagged before MaxSize is raised, and endRotation restores it")
  void raiseMaxAndRestore() {
    aws.addGroup("ng-a", 1, 3, 3, lt, "1", ZONES);
    AwsCloudProvider p = provider(b -> b.raiseMaxForSurge(true));
    assertTrue(p.headroom("ng-a") >= 2, "max is not a limit when it may be raised");

    p.setDesiredCapacity("ng-a", 5);

    GroupView surged = aws.group("ng-a");
    assertEquals(5, surged.max());
    assertEquals(5, surged.desired());
    assertEquals("3", surged.tags().get(AwsCloudProvider.ORIGINAL_MAX_TAG));
    List<String> order = aws.requests();
    assertTrue(order.indexOf("autoscaling:CreateOrUpdateTags") < order.indexOf("autoscaling:UpdateAutoScalingGroup"),
        "the durable record comes first: " + order);

    List<InstanceView> live = aws.group("ng-a").live();
    p.terminate(ref(p, live.get(0)), true);
    p.terminate(ref(p, live.get(1)), true);
    p.endRotation("ng-a");

    GroupView end = aws.group("ng-a");
    assertEquals(3, end.max());
    assertEquals(3, end.desired());
    assertFalse(end.tags().containsKey(AwsCloudProvider.ORIGINAL_MAX_TAG));
  }

  @Test
  @DisplayName("after a crash with the max raised, a new provider's endRotation restores it from the tag (keeping it above a surge not yet given back)")
  void raisedMaxRestoredAfterCrash() {
    aws.addGroup("ng-a", 1, 2, 2, lt, "1", ZONES);
    AwsCloudProvider crashed = provider(b -> b.raiseMaxForSurge(true));
    crashed.setDesiredCapacity("ng-a", 3);
    assertEquals(3, aws.group("ng-a").max());
    // The process dies here: no endRotation from it.

    AwsCloudProvider next = provider(b -> b.raiseMaxForSurge(true));
    next.endRotation("ng-a");
    GroupView stillSurged = aws.group("ng-a");
    assertEquals(3, stillSurged.max(), "desired is still 3: the max cannot go below it yet");
    assertEquals("2", stillSurged.tags().get(AwsCloudProvider.ORIGINAL_MAX_TAG), "the record stays");

    // The next run raises again on top of the leftover surge: the original stays the earliest one.
    next.setDesiredCapacity("ng-a", 4);
    assertEquals("2", aws.group("ng-a").tags().get(AwsCloudProvider.ORIGINAL_MAX_TAG));
    List<InstanceView> live = aws.group("ng-a").live();
    next.terminate(ref(next, live.get(0)), true);
    next.terminate(ref(next, live.get(1)), true);
    next.endRotation("ng-a");

    GroupView end = aws.group("ng-a");
    assertEquals(2, end.max());
    assertEquals(2, end.desired());
    assertFalse(end.tags().containsKey(AwsCloudProvider.ORIGINAL_MAX_TAG));
  }

  // ------------------------------------------------------------------------------------------ errors

  @Test
  @DisplayName("throttling is retried with growing, jittered waits on the injected clock, then succeeds")
  void throttlingRetriedThenSuccess() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "1", ZONES);
    AwsCloudProvider p = provider();
    p.nodeGroup("ng-a");
    aws.throttleNext("SetDesiredCapacity", 2);
    Instant before = clock.now();
    long sleeps = clock.sleeps();

    p.setDesiredCapacity("ng-a", 3);

    assertEquals(3, aws.group("ng-a").desired());
    assertEquals(3, aws.count("SetDesiredCapacity"), "2 throttled + 1 successful request");
    assertEquals(2, clock.sleeps() - sleeps);
    Duration waited = Duration.between(before, clock.now());
    // 200 ms then 400 ms, each ±50%: at least 100 + 200 ms, at most 300 + 600 ms.
    assertTrue(waited.compareTo(Duration.ofMillis(300)) >= 0 && waited.compareTo(Duration.ofMillis(900)) <= 0,
        "waited " + waited);
  }

  @Test
  @DisplayName("persistent throttling or 503 ends in RETRYABLE after exactly maxAttempts requests (SDK retries off)")
  void persistentThrottlingIsRetryable() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "1", ZONES);
    AwsCloudProvider p = provider();
    p.nodeGroup("ng-a");
    InstanceRef victim = ref(p, aws.group("ng-a").live().get(0));
    aws.throttleNext("TerminateInstanceInAutoScalingGroup", 10);

    CloudException e = assertThrows(CloudException.class, () -> p.terminate(victim, false));

    assertEquals(CloudException.Kind.RETRYABLE, e.kind());
    assertEquals(3, aws.count("TerminateInstanceInAutoScalingGroup"));
    assertTrue(e.getMessage().contains("TerminateInstanceInAutoScalingGroup instance " + victim.instanceId())
        && e.getMessage().contains("Throttling") && e.getMessage().contains("3 attempts"), e.getMessage());

    aws.unavailableNext("DescribeInstanceTypes", 10);
    CloudException e2 = assertThrows(CloudException.class, () -> p.headroom("ng-a"));
    assertEquals(CloudException.Kind.RETRYABLE, e2.kind());
    assertEquals(3, aws.count("DescribeInstanceTypes"));
    assertTrue(e2.getMessage().contains("DescribeInstanceTypes") && e2.getMessage().contains("ng-a"), e2.getMessage());
  }

  @Test
  @DisplayName("AccessDenied is PERMANENT at once (no retry), names the call and group, and never shows a credential")
  void accessDeniedIsPermanent() {
    aws.addGroup("ng-a", 1, 2, 4, lt, "1", ZONES);
    aws.deny("SetDesiredCapacity");
    AwsCloudProvider p = provider();

    CloudException e = assertThrows(CloudException.class, () -> p.setDesiredCapacity("ng-a", 3));

    assertEquals(CloudException.Kind.PERMANENT, e.kind());
    assertEquals(1, aws.count("SetDesiredCapacity"));
    assertTrue(e.getMessage().contains("SetDesiredCapacity group ng-a") && e.getMessage().contains("AccessDenied"),
        e.getMessage());
    assertFalse(e.getMessage().contains(SECRET) || e.getMessage().contains("AKIDTESTONLY"));
    aws.deny("DescribeInstances");
    CloudException ec2 = assertThrows(CloudException.class, () -> p.headroom("ng-a"));
    assertEquals(CloudException.Kind.PERMANENT, ec2.kind());
    assertTrue(ec2.getMessage().contains("UnauthorizedOperation"), ec2.getMessage());
  }

  // ------------------------------------------------------------------------------------------ headroom

  @Test
  @DisplayName("headroom = min(max - desired, vCPU quota room), counting On-Demand instances of the quota's families only")
  void headroomFromServiceQuotas() {
    aws.addGroup("ng-a", 1, 2, 10, lt, "1", ZONES); // 2 × m5.xlarge = 8 vCPUs
    aws.addStandaloneInstance("m5.large", false); // +2 vCPUs, standard family
    aws.addStandaloneInstance("m5.large", true); // spot: another quota
    aws.addStandaloneInstance("p3.2xlarge", false); // P family: another quota
    aws.setQuota(AwsSettings.STANDARD_ON_DEMAND_QUOTA, 21);
    AwsCloudProvider p = provider();

    assertEquals(2, p.headroom("ng-a"), "(21 - 10) / 4 = 2 instances, below max - desired = 8");

    CloudException e = assertThrows(CloudException.class, () -> p.setDesiredCapacity("ng-a", 5));
    assertEquals(CloudException.Kind.QUOTA, e.kind());
    assertTrue(e.getMessage().contains("ng-a") && e.getMessage().contains("L-1216C47A"), e.getMessage());
    assertEquals(0, aws.count("SetDesiredCapacity"));

    aws.setQuota(AwsSettings.STANDARD_ON_DEMAND_QUOTA, 1000);
    assertEquals(2, p.headroom("ng-a"), "the quota value is cached");
    clock.advance(Duration.ofMinutes(6));
    assertEquals(8, p.headroom("ng-a"), "re-read after cacheTtl: max - desired limits now");
  }

  @Test
  @DisplayName("Service Quotas denied or down: headroom falls back to max - desired, without retrying Service Quotas on every call")
  void serviceQuotasUnavailableFallsBack() {
    aws.addGroup("ng-a", 1, 2, 10, lt, "1", ZONES);
    aws.setQuota(AwsSettings.STANDARD_ON_DEMAND_QUOTA, 4);
    aws.serviceQuotas(QuotasMode.ACCESS_DENIED);
    AwsCloudProvider denied = provider();

    assertEquals(8, denied.headroom("ng-a"));
    assertEquals(8, denied.headroom("ng-a"));
    assertEquals(1, aws.count("GetServiceQuota"), "denied is not retried, and remembered for cacheTtl");

    aws.serviceQuotas(QuotasMode.DOWN);
    aws.clearRequests();
    AwsCloudProvider down = provider();
    assertEquals(8, down.headroom("ng-a"));
    assertEquals(3, aws.count("GetServiceQuota"), "5xx retried up to maxAttempts, then the fallback");
    down.setDesiredCapacity("ng-a", 5);
    assertEquals(5, aws.group("ng-a").desired(), "no quota known: the surge is not refused");
  }

  @Test
  @DisplayName("a quota never applied to the account (NoSuchResource) is read from the AWS default")
  void defaultQuota() {
    aws.addGroup("ng-a", 1, 2, 10, lt, "1", ZONES);
    aws.setQuota(AwsSettings.STANDARD_ON_DEMAND_QUOTA, 16);
    aws.serviceQuotas(QuotasMode.DEFAULT_ONLY);
    AwsCloudProvider p = provider();

    assertEquals(2, p.headroom("ng-a"), "(16 - 8) / 4");
    assertEquals(1, aws.count("GetAWSDefaultServiceQuota"));
  }
}
