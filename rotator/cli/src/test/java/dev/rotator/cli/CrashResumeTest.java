package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.cli.CrashingPorts.Crash;
import dev.rotator.cli.CrashingPorts.CrashingCloud;
import dev.rotator.cli.CrashingPorts.CrashingCluster;
import dev.rotator.cli.CrashingPorts.CrashingStore;
import dev.rotator.cli.CrashingPorts.KillSwitch;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.EngineListener;
import dev.rotator.core.engine.NodeProgress;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.provider.fake.InstanceState;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 5, "resume after a crash at any point": the real engine, wired as in production (fabric8 over HTTP,
 * ConfigMap state store, the scenario's gates), is killed at a step boundary against the simulator, then a
 * fresh rotator starts against the same cluster and the same persisted state. The kill is a process death:
 * from that moment no call of the first run reaches the cluster, the cloud or the state store, its finally
 * blocks included (see {@link CrashingPorts}). Everything asserted comes from the simulator's own record, the
 * live API and the fake cloud, never from the rotator's claims.
 */
class CrashResumeTest {
  private static final String SCENARIO = "tight-pdb";
  /**
   * Random kill points are drawn among the first this many mutating calls: a full run of the scenario makes about
   * 120 (taints, cordons, evictions, Node deletions, terminations, progress saves; measured with `rotator sim
   * --builtin tight-pdb`: 111 mutating API requests plus the cloud's calls). It made about 180 before PDB-aware
   * evictions stopped sending the evictions a PDB's status already refuses.
   */
  private static final int RANDOM_RANGE = 100;

  /**
   * Where to kill the first run: after its n-th mutating call, after the first mutating call matching a regex
   * ({@link CrashingPorts} describes calls as {@code "terminate i-00003 decrement=true"}), or right after the first
   * node reaches a state.
   */
  record KillPoint(String name, int afterMutation, String afterCall, NodeState afterTransition) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> killPoints() {
    List<KillPoint> points = new ArrayList<>();
    points.add(new KillPoint("after the surge (setDesiredCapacity)", 0, "setDesiredCapacity .*", null));
    points.add(new KillPoint("after the first cordon", 0, null, NodeState.CORDONED));
    points.add(new KillPoint("mid-drain, after the first accepted or refused eviction", 0, "evict .*", null));
    points.add(new KillPoint("after the first node DRAINED", 0, null, NodeState.DRAINED));
    points.add(new KillPoint("after the first Node DELETED, before its instance is terminated", 0, null,
        NodeState.DELETED));
    points.add(new KillPoint("after the first instance TERMINATED", 0, null, NodeState.TERMINATED));
    points.add(new KillPoint("after the first node DONE", 0, null, NodeState.DONE));
    points.add(new KillPoint("after the first terminate giving the surge back (decrement)", 0,
        "terminate .* decrement=true", null));
    for (long seed = 1; seed <= 5; seed++) {
      int k = 1 + new Random(seed).nextInt(RANDOM_RANGE);
      points.add(new KillPoint("seed " + seed + ": after mutating call #" + k, k, null, null));
    }
    return points.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "killed {0}")
  @MethodSource("killPoints")
  @DisplayName("a rotator killed at a step boundary is resumed by the next run: every outdated node rotated once,"
      + " no PDB violated, nothing left cordoned, group sizes restored")
  void killedThenResumed(KillPoint point) throws Exception {
    Scenario scenario = Scenario.builtin(SCENARIO);
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    try (Simulator sim = Simulator.start(scenario)) {
      RotatorConfig config = SimRunner.configOf(scenario, sim);
      Set<String> originalInstances = sim.cloud().instances().stream().map(FakeInstance::id)
          .collect(Collectors.toSet());
      Map<String, String> targetOf = new LinkedHashMap<>();
      scenario.nodeGroups().forEach(g -> targetOf.put(g.name(), g.targetVersion()));
      Set<String> outdatedInstances = sim.cloud().instances().stream()
          .filter(i -> !i.version().equals(targetOf.get(i.groupId())))
          .map(FakeInstance::id).collect(Collectors.toSet());

      // Run 1: killed.
      KillSwitch kill = new KillSwitch(point.afterMutation(), point.afterCall(), calls);
      try (Session s1 = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
        RotationEngine engine = engine(s1, kill);
        if (point.afterTransition() != null) {
          engine.addListener(new EngineListener() {
            @Override
            public void onTransition(NodeProgress node) {
              if (node.state() == point.afterTransition()) {
                kill.kill("after " + node.node() + " became " + node.state());
              }
            }
          });
        }
        Crash crash = assertThrows(Crash.class, () -> engine.run(new RunOptions("crashing", false, false, "test")),
            "the first run was killed " + point + " (" + kill.mutations() + " mutating calls made)");
        assertNotNull(kill.killedAt(), crash.getMessage());
      }
      int callsOfFirstRun = calls.size();
      String persistedAtCrash;
      try (Session peek = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
        persistedAtCrash = peek.store.progress()
            .map(p -> p.outcome() + " originalDesired=" + p.originalDesired() + " " + p.nodes().stream()
                .filter(n -> n.state() != NodeState.PENDING).map(n -> n.node() + ":" + n.state()).toList())
            .orElse("nothing");
      }

      // Run 2: a fresh process, same cluster, same persisted state.
      RunResult second;
      RotationProgress persisted;
      KillSwitch never = new KillSwitch(0, null, calls);
      try (Session s2 = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock())) {
        second = engine(s2, never).run(new RunOptions("resumed", false, false, "test"));
        persisted = s2.store.progress().orElseThrow();
      }
      String context = point + ", killed " + kill.killedAt() + "; persisted at the kill: " + persistedAtCrash
          + "; second run: " + second.outcome() + " "
          + second.reason() + " " + second.message() + " " + second.evidence() + "\nfirst run's mutating calls: "
          + calls.subList(0, callsOfFirstRun) + "\nsecond run's: " + calls.subList(callsOfFirstRun, calls.size());

      assertTrue(sim.awaitQuiet(Duration.ofMinutes(10)), "the cluster settles; " + context);
      SimReport report = sim.report();
      context = context + "\nsimulator: " + report.toJson();

      // Killed after its last termination (the replacements still coming), the first run left nothing outdated:
      // the second has nothing to do. The simulator's record below still checks that every node was rotated.
      assertTrue(second.outcome() == RunResult.Outcome.COMPLETED || second.outcome() == RunResult.Outcome.NOTHING_TO_DO,
          context);
      assertEquals("ENDED", persisted.outcome(), "the second run recorded its end; " + context);

      // The simulator's own record.
      assertTrue(report.nodesOutdatedAtStart() > 0, context);
      assertEquals(report.nodesOutdatedAtStart(), report.nodesRotated(), "every outdated node rotated; " + context);
      assertTrue(report.rotationComplete(), context);
      assertEquals(0, report.pdbViolations(), "PDB violations " + report.pdbViolationDetails() + "; " + context);
      assertEquals(0, report.podsLost(), "pods lost " + report.podsLostDetails() + "; " + context);
      assertEquals(0, report.podDeleteRequests(), context);
      assertEquals(List.of(), report.invariantViolations(), context);
      assertEquals(List.of(), report.freezes(), context);

      // The live cluster: no Node left cordoned.
      try (var client = dev.rotator.kubernetes.KubeClients.forUrl(sim.apiUrl())) {
        List<String> cordoned = client.nodes().list().getItems().stream()
            .filter(n -> Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
            .map(n -> n.getMetadata().getName()).toList();
        assertEquals(List.of(), cordoned, "nodes left cordoned; " + context);
        List<String> names = client.nodes().list().getItems().stream().map((Node n) -> n.getMetadata().getName())
            .toList();
        assertEquals(scenario.nodeGroups().stream().mapToInt(Scenario.NodeGroupSpec::size).sum(), names.size(),
            "as many Nodes as at the start: " + names + "; " + context);
      }

      // The cloud: sizes restored, each outdated instance terminated, no new instance rotated, no extra launch.
      for (Scenario.NodeGroupSpec g : scenario.nodeGroups()) {
        assertEquals(g.size(), sim.cloud().peekGroup(g.name()).desired(),
            "group " + g.name() + " desired capacity back to its original size; " + context);
        assertEquals(g.size(), sim.cloud().liveInstances(g.name()).size(), "group " + g.name() + "; " + context);
      }
      Map<String, FakeInstance> byId = sim.cloud().instances().stream()
          .collect(Collectors.toMap(FakeInstance::id, Function.identity()));
      for (String id : outdatedInstances) {
        assertEquals(InstanceState.TERMINATED, byId.get(id).state(), "outdated instance " + id + "; " + context);
      }
      List<String> newTerminated = byId.values().stream()
          .filter(i -> !originalInstances.contains(i.id()) && i.state() == InstanceState.TERMINATED)
          .map(FakeInstance::id).toList();
      assertEquals(List.of(), newTerminated, "no replacement instance was rotated again; " + context);
      long launched = byId.keySet().stream().filter(id -> !originalInstances.contains(id)).count();
      assertEquals(outdatedInstances.size(), launched,
          "one new instance per outdated node: no double surge, no extra replacement; " + context);

      // Every group whose rotation began (ASG processes suspended) was ended after its last begin.
      Map<String, String> lastBeginOrEnd = new LinkedHashMap<>();
      synchronized (calls) {
        for (String c : calls) {
          if (c.startsWith("beginRotation ") || c.startsWith("endRotation ")) {
            String[] parts = c.split(" ");
            lastBeginOrEnd.put(parts[1], parts[0]);
          }
        }
      }
      for (Map.Entry<String, String> e : lastBeginOrEnd.entrySet()) {
        assertEquals("endRotation", e.getValue(), "group " + e.getKey() + " left in rotation; " + context);
      }
      assertFalse(lastBeginOrEnd.isEmpty(), "the rotation began its groups; " + context);
    }
  }

  /** The production wiring of {@link Session#engine()}, with the cluster, cloud and store behind the switch. */
  private static RotationEngine engine(Session s, KillSwitch kill) {
    Ports ports = new Ports(new CrashingCluster(s.cluster, kill), new CrashingCloud(s.cloud, kill),
        new CrashingStore(s.store, kill), s.gate, s.notifier, s.clock);
    return new RotationEngine(ports, s.config.policy(), s.selector());
  }
}
