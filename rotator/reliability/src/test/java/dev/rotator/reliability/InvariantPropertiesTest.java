package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.config.ConfigLoader;
import dev.rotator.config.RotatorConfig;
import dev.rotator.core.engine.CompositeGate;
import dev.rotator.core.engine.NodeState;
import dev.rotator.core.engine.Ports;
import dev.rotator.core.engine.RotationEngine;
import dev.rotator.core.engine.RotationPolicy;
import dev.rotator.core.engine.RunOptions;
import dev.rotator.core.engine.RunResult;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.model.OwnerKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Property-based: {@value #CASES} random small clusters and policies (seeded: the same cases every run), each
 * rotated by the real engine on the in-memory model ({@link ModelWorld}), whose wrappers check the invariants
 * before and after every disruptive call. Some cases freeze the run by hand at a random moment; some start
 * with NotReady nodes, skip-annotated nodes, a PDB that can never allow a disruption, or a bare pod.
 */
@Order(1)
class InvariantPropertiesTest {
  static final int CASES = 300;
  static final long SEED = 20261122L;
  private static final Results RESULTS = new Results("properties");
  private static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  static void write() {
    RESULTS.write();
  }

  @Test
  @DisplayName("for every generated cluster and policy: no PDB violated, no pod lost, maxUnavailable kept, nothing"
      + " terminated or deleted undrained, nothing disruptive after a freeze, skipped nodes untouched")
  void invariantsHold() throws Exception {
    List<String> failures = new ArrayList<>();
    String only = System.getProperty("rotator.propertySeed");
    for (int c = 0; c < CASES; c++) {
      long seed = SEED + c;
      if (only != null && Long.parseLong(only) != seed) {
        continue;
      }
      String failure = runCase(seed);
      if (failure != null) {
        failures.add("seed " + seed + ": " + failure);
      }
    }
    assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " failing case(s)");
  }

  /** One case; a description of what went wrong, or null. */
  private String runCase(long seed) throws Exception {
    Random r = new Random(seed);
    ModelWorld w = new ModelWorld(r);
    int nodes = 1 + r.nextInt(12);
    int groups = nodes >= 4 && r.nextBoolean() ? 2 : 1;
    List<String> zones = List.of("z-a", "z-b", "z-c").subList(0, 1 + r.nextInt(3));
    boolean atMax = r.nextInt(8) == 0;
    for (int g = 0; g < groups; g++) {
      int size = g == 0 ? nodes - nodes / 2 * (groups - 1) : nodes / 2;
      w.group("g" + g, zones, size, atMax ? size : size + 3);
    }
    String kind = "random cluster";
    int workloads = 1 + r.nextInt(4);
    boolean hostage = false;
    for (int i = 0; i < workloads; i++) {
      int replicas = 1 + r.nextInt(8);
      OwnerKind owner = r.nextInt(4) == 0 ? OwnerKind.STATEFUL_SET : OwnerKind.REPLICA_SET;
      String min = null;
      String max = null;
      switch (r.nextInt(5)) {
        case 0 -> max = "1";
        case 1 -> min = "50%";
        case 2 -> max = "25%";
        case 3 -> {
          if (r.nextInt(3) == 0) {
            min = Integer.toString(replicas); // can never allow a disruption
            hostage = true;
          }
        }
        default -> {}
      }
      w.workload("ns" + (i % 2), "app" + i, owner, replicas, min, max);
    }
    if (r.nextBoolean()) {
      w.daemonSet("kube-system", "agent");
    }
    boolean bare = r.nextInt(10) == 0;
    if (bare) {
      w.workload("ns0", "bare", OwnerKind.NONE, 1, null, null);
    }
    List<NodeInfo> all = w.inner.nodes();
    String skipped = null;
    if (all.size() > 1 && r.nextInt(6) == 0) {
      skipped = all.get(r.nextInt(all.size())).name();
      w.annotate(skipped, RotationPolicy.SKIP_ANNOTATION, "true");
      kind = "skip-annotated node";
    }
    String notReady = null;
    if (all.size() > 2 && r.nextInt(6) == 0) {
      notReady = all.get(r.nextInt(all.size())).name();
      if (!notReady.equals(skipped)) {
        w.setReady(notReady, false);
        kind = "node NotReady at start";
      } else {
        notReady = null;
      }
    }
    if (r.nextInt(5) == 0) {
      w.freezeAt = w.clock.now().plusSeconds(30 + r.nextInt(600));
      kind = "manual freeze mid-rotation";
    }
    if (hostage && kind.equals("random cluster")) {
      kind = "PDB allowing no disruption";
    }
    if (atMax && kind.equals("random cluster")) {
      kind = "group at max size (no surge)";
    }
    int maxUnavailable = 1 + r.nextInt(3);
    int maxSurge = r.nextInt(3);
    ObjectNode tree = JSON.createObjectNode();
    tree.putObject("selector").put("kubeletVersionBelow", ModelWorld.NEW);
    ObjectNode policy = tree.putObject("policy");
    policy.put("maxUnavailable", maxUnavailable);
    policy.put("maxSurge", maxSurge);
    policy.put("drainTimeout", (5 + r.nextInt(20)) + "m");
    policy.put("pollInterval", "5s");
    RotatorConfig config = ConfigLoader.fromTree(tree, "property case " + seed);
    w.start(maxUnavailable);

    RecordingNotifier notifier = new RecordingNotifier();
    CompositeGate gate = new CompositeGate(List.of(), 1, Duration.ofSeconds(10));
    Ports ports = new Ports(w.cluster(), w.cloud(), w.store, gate, notifier, w.clock);
    RotationEngine engine = new RotationEngine(ports, config.policy(), config.selector().toSelector(w.cloud(), w.clock));
    RunResult result = engine.run(new RunOptions("prop-" + seed, false, false, "test"));

    List<String> problems = new ArrayList<>(w.violations);
    if (skipped != null) {
      String s = skipped;
      boolean touched = w.inner.calls().stream()
          .anyMatch(call -> (call.startsWith("cordon ") || call.startsWith("delete ")) && call.split(" ")[1].equals(s));
      if (touched) {
        problems.add("skip-annotated node " + s + " was touched");
      }
    }
    if (notReady != null && result.outcome() == RunResult.Outcome.COMPLETED) {
      String first = w.inner.calls().stream().filter(call -> call.startsWith("cordon ")).findFirst().orElse("");
      if (!first.equals("cordon " + notReady)) {
        problems.add("NotReady node " + notReady + " was not rotated first (first: " + first + ")");
      }
    }
    String outcome = result.outcome() == RunResult.Outcome.FROZEN
        ? "froze " + result.reason()
        : result.outcome().name().toLowerCase(java.util.Locale.ROOT);
    if (result.outcome() == RunResult.Outcome.COMPLETED && result.count(NodeState.DONE) == 0 && nodes > 0
        && skipped == null) {
      problems.add("completed without rotating anything: " + result.message());
    }
    RESULTS.add("property", kind, outcome, problems.size());
    if (!problems.isEmpty()) {
      return kind + ", " + outcome + ": " + problems;
    }
    assertTrue(result.outcome() == RunResult.Outcome.COMPLETED || result.outcome() == RunResult.Outcome.FROZEN,
        "seed " + seed + ": " + result);
    return null;
  }
}
