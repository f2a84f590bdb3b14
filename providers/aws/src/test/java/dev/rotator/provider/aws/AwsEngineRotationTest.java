package dev.rotator.provider.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.OutdatedSelector;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.fake.InMemoryCluster;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.provider.aws.FakeAwsServer.GroupView;
import dev.rotator.provider.aws.FakeAwsServer.InstanceView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The real {@link RotationEngine} rotating an Auto Scaling group through {@link AwsCloudProvider} and the
 * real SDK clients, against {@link FakeAwsServer}: every instance the fake runs becomes a Ready Node once
 * it is InService (the kubelet registering), so the engine sees replacements arrive as it would in a
 * cluster.
 */
class AwsEngineRotationTest {
  FakeAwsServer aws;
  ManualClock clock;
  InMemoryCluster cluster;
  InMemoryStateStore store;
  final Set<String> registered = new HashSet<>();
  final List<AwsCloudProvider> opened = new ArrayList<>();
  String lt;

  @BeforeEach
  void start() throws Exception {
    aws = FakeAwsServer.start();
    clock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    cluster = new InMemoryCluster();
    store = new InMemoryStateStore(clock);
    lt = aws.addLaunchTemplate("workers", "m5.xlarge");
    clock.onAdvance(now -> {
      aws.tick();
      registerNodes(now);
    });
  }

  @AfterEach
  void stop() {
    opened.forEach(AwsCloudProvider::close);
    aws.close();
  }

  /** The kubelet of every InService instance registers its Node once (a deleted Node does not come back). */
  void registerNodes(Instant now) {
    for (InstanceView i : aws.group("ng-a").live()) {
      if (i.lifecycle().equals("InService") && registered.add(i.id())) {
        cluster.addNode(new NodeInfo("ip-" + i.id(), Map.of("topology.kubernetes.io/zone", i.zone()), Map.of(),
            "v1.31.0", aws.providerId(i.id()), true, false, now, List.of()));
      }
    }
  }

  AwsCloudProvider provider(boolean raiseMax) {
    AwsSettings s = AwsSettings.builder()
        .region("us-east-1")
        .groupNames(List.of("ng-a"))
        .raiseMaxForSurge(raiseMax)
        .endpoints(AwsSettings.Endpoints.all(aws.endpoint()))
        .build();
    AwsCloudProvider p = new AwsCloudProvider(s, clock,
        AwsClients.create(s, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTESTONLY", "test"))));
    opened.add(p);
    return p;
  }

  RunResult run(AwsCloudProvider p, Gate gate, String id) throws InterruptedException {
    Ports ports = new Ports(cluster, p, store, gate, new RecordingNotifier(), clock);
    RotationPolicy policy = RotationPolicy.defaults().withMaxUnavailable(1).withMaxSurge(1);
    return new RotationEngine(ports, policy, OutdatedSelector.providerSays(p)).run(RunOptions.defaults(id));
  }

  void assertRotated(GroupView g, int size) {
    assertEquals(size, g.desired());
    List<InstanceView> live = g.live();
    assertEquals(size, live.size());
    assertTrue(live.stream().allMatch(i -> i.version() == 2), "every instance on the new template version: " + live);
    assertEquals(size, cluster.nodes().size(), "one Node per instance: " + cluster.nodes());
  }

  @Test
  @DisplayName("the engine rotates a group to the new template version: surge, replacements, surge given back, processes resumed")
  void rotatesGroup() throws Exception {
    aws.addGroup("ng-a", 1, 3, 5, lt, "$Latest", List.of("us-east-1a", "us-east-1b"));
    registerNodes(clock.now());
    aws.addLaunchTemplateVersion(lt, "m5.xlarge");

    RunResult r = run(provider(false), Gate.open(), "run-1");

    assertEquals(RunResult.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(3, r.nodes().size());
    GroupView g = aws.group("ng-a");
    assertRotated(g, 3);
    assertEquals(5, g.max());
    assertEquals(Set.of(), g.suspended(), "AZRebalance resumed at the end");
    assertFalse(g.tags().containsKey(AwsCloudProvider.SUSPENDED_TAG));
    assertTrue(aws.count("SuspendProcesses") >= 1 && aws.count("ResumeProcesses") >= 1);
  }

  @Test
  @DisplayName("a run frozen with the surge and a raised max in place is finished by the next run, which restores desired and max")
  void frozenRunFinishedByNextRun() throws Exception {
    aws.addGroup("ng-a", 1, 3, 3, lt, "$Latest", List.of("us-east-1a", "us-east-1b"));
    registerNodes(clock.now());
    aws.addLaunchTemplateVersion(lt, "m5.xlarge");
    AtomicBoolean failAfterFirstTerminate = new AtomicBoolean(true);
    Gate gate = step -> failAfterFirstTerminate.get() && aws.count("TerminateInstanceInAutoScalingGroup") >= 1
        ? new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.CLUSTER_UNHEALTHY, List.of())
        : GateDecision.pass(List.of());

    RunResult first = run(provider(true), gate, "run-1");

    assertEquals(RunResult.Outcome.FROZEN, first.outcome(), first.message());
    GroupView frozen = aws.group("ng-a");
    assertEquals(4, frozen.desired(), "the surge is still in place");
    assertEquals(4, frozen.max(), "the max cannot go below desired yet");
    assertEquals("3", frozen.tags().get(AwsCloudProvider.ORIGINAL_MAX_TAG), "the durable record of the max");
    assertEquals(Set.of(), frozen.suspended(), "processes resumed even on freeze");

    store.resume("test");
    failAfterFirstTerminate.set(false);
    RunResult second = run(provider(true), gate, "run-2");

    assertEquals(RunResult.Outcome.COMPLETED, second.outcome(), second.message());
    GroupView end = aws.group("ng-a");
    assertRotated(end, 3);
    assertEquals(3, end.max(), "original max restored from the tag");
    assertFalse(end.tags().containsKey(AwsCloudProvider.ORIGINAL_MAX_TAG));
    assertEquals(1, aws.count("SetDesiredCapacity"), "the second run reused the first run's surge");
  }
}
