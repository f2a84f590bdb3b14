package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.fake.InMemoryStateStore;
import dev.rotator.core.fake.ManualClock;
import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.RotationEvent;
import dev.rotator.provider.gke.FakeGke;
import dev.rotator.provider.gke.GkeCloudProvider;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import dev.rotator.provider.gke.GkeNativeUpgrade.OnStop;
import dev.rotator.provider.gke.GkeNativeUpgrade.Spec;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * rotator run's native strategy: the real {@link GkeNativeUpgrade} and Google clients against providers/gke's
 * FakeGcp (in-process gRPC), with an in-memory state store, a scripted gate and a recording notifier.
 */
class NativeUpgradeRunTest {
  static final String V_OLD = "1.30.9-gke.1000";
  static final String V_NEW = "1.31.4-gke.1000";
  static final Duration GATE_RETRY = Duration.ofSeconds(5);

  FakeGke gke;
  ManualClock clock;
  InMemoryStateStore store;
  RecordingNotifier notifier;
  GkeCloudProvider provider;
  StringWriter out;

  @BeforeEach
  void setUp() throws Exception {
    gke = new FakeGke(V_NEW);
    gke.addPool("default-pool", V_OLD, 1);
    gke.addPool("batch-pool", V_OLD, 1);
    clock = new ManualClock();
    store = new InMemoryStateStore(clock);
    notifier = new RecordingNotifier();
    provider = gke.provider(clock);
    out = new StringWriter();
  }

  @AfterEach
  void tearDown() {
    provider.close();
    gke.close();
  }

  /** Answers verdicts in order, repeating the last; records every step it was asked about. */
  static final class ScriptedGate implements Gate {
    final List<GateDecision.Verdict> script;
    final List<String> asked = new ArrayList<>();

    ScriptedGate(GateDecision.Verdict... script) {
      this.script = List.of(script);
    }

    @Override
    public synchronized GateDecision evaluate(String step) {
      asked.add(step);
      GateDecision.Verdict v = script.get(Math.min(asked.size() - 1, script.size() - 1));
      return switch (v) {
        case PASS -> GateDecision.pass(List.of(CheckResult.healthy("etcd", "quorum", Map.of())));
        case WAIT -> new GateDecision(GateDecision.Verdict.WAIT, null,
            List.of(CheckResult.healthy("etcd", "quorum", Map.of())));
        case FAIL -> new GateDecision(GateDecision.Verdict.FAIL, ReasonCode.ETCD_QUORUM,
            List.of(CheckResult.unhealthy("etcd", "no leader", Map.of("leaders", "0"))));
      };
    }
  }

  NativeUpgradeRun run(String target, Spec spec, Gate gate) {
    return new NativeUpgradeRun(gke.nativeUpgrade(clock), provider, target, spec, store, gate, notifier, clock,
        GATE_RETRY, "run-test");
  }

  static Spec surge(OnStop onStop) {
    return Spec.surge(1, 0, onStop);
  }

  @Test
  @DisplayName("every managed pool behind the target is upgraded by GKE, one pool after the other: exit 0")
  void upgradesToCompletion() {
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run("", surge(OnStop.CANCEL), Gate.open())) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(NativeUpgradeRun.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(ExitCodes.OK, r.exitCode());
    assertEquals(V_NEW, gke.version("default-pool"), "empty target = the control plane's version");
    assertEquals(V_NEW, gke.version("batch-pool"));
    assertEquals(List.of("default-pool", "default-pool", "batch-pool", "batch-pool"), gke.updatedPools(),
        "settings then version, pool by pool, never interleaved");
    assertEquals(2, r.pools().size());
    assertFalse(store.mode().frozen());
    assertEquals(1, notifier.ofType(RotationEvent.Type.FINISHED).size());
    assertTrue(out.toString().contains("default-pool") && out.toString().contains("STARTING")
        && out.toString().contains("COMPLETED"), out.toString());
    assertTrue(Output.json(r).contains("\"outcome\" : \"COMPLETED\""), "-o json prints the result object");
  }

  @Test
  @DisplayName("gate FAIL mid-upgrade: freeze persisted with the gate's reason and evidence, alert, rollback, exit 3")
  void gateFailsMidUpgradeRollsBack() {
    // 1: before the start (run), 2: before the start (GkeNativeUpgrade), 3: first poll, 4: second poll.
    ScriptedGate gate = new ScriptedGate(GateDecision.Verdict.PASS, GateDecision.Verdict.PASS,
        GateDecision.Verdict.PASS, GateDecision.Verdict.FAIL);
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.ROLLBACK), gate)) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(NativeUpgradeRun.Outcome.FROZEN, r.outcome(), r.message());
    assertEquals(ExitCodes.FROZEN, r.exitCode());
    assertEquals(ReasonCode.ETCD_QUORUM, r.reason());
    ModeState mode = store.mode();
    assertTrue(mode.frozen());
    assertEquals("ETCD_QUORUM", mode.reason());
    assertEquals("rotator", mode.by());
    assertTrue(mode.evidence().stream().anyMatch(e -> e.contains("no leader")), mode.evidence().toString());
    List<RotationEvent> frozen = notifier.ofType(RotationEvent.Type.FROZEN);
    assertEquals(1, frozen.size());
    assertEquals("ETCD_QUORUM", frozen.get(0).reason());
    assertEquals(1, gke.count("cancelOperation"));
    assertEquals(1, gke.count("rollbackNodePoolUpgrade"));
    assertEquals(V_OLD, gke.version("default-pool"));
    assertEquals(GkeNativeUpgrade.Outcome.ROLLED_BACK, r.pools().get(0).outcome());
    assertEquals(List.of("default-pool", "default-pool"), gke.updatedPools(), "the next pool is not started");
  }

  @Test
  @DisplayName("gate FAIL mid-upgrade with onStop=cancel: GKE's operation is cancelled, nothing rolled back, exit 3")
  void gateFailsMidUpgradeCancels() {
    ScriptedGate gate = new ScriptedGate(GateDecision.Verdict.PASS, GateDecision.Verdict.PASS,
        GateDecision.Verdict.FAIL);
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), gate)) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(ExitCodes.FROZEN, r.exitCode());
    assertEquals(GkeNativeUpgrade.Outcome.CANCELLED, r.pools().get(0).outcome());
    assertEquals(1, gke.count("cancelOperation"));
    assertEquals(0, gke.count("rollbackNodePoolUpgrade"));
    assertEquals("ETCD_QUORUM", store.mode().reason());
  }

  @Test
  @DisplayName("already frozen: exit 3 with the freeze's reason, and no UpdateNodePool call")
  void alreadyFrozen() {
    store.freeze("MANUAL", "maintenance window", List.of(), "cli:alice");
    ScriptedGate gate = new ScriptedGate(GateDecision.Verdict.PASS);
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), gate)) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(ExitCodes.FROZEN, r.exitCode());
    assertEquals(ReasonCode.MANUAL, r.reason());
    assertEquals(0, gke.count("updateNodePool"));
    assertEquals(List.of(), gate.asked, "a frozen rotator does not even ask the gate");
    assertEquals(V_OLD, gke.version("default-pool"));
  }

  @Test
  @DisplayName("a human freeze seen mid-upgrade stops it (onStop), exit 3, and is not re-alerted as rotator's")
  void humanFreezeMidUpgrade() {
    Gate gate = step -> {
      if (step.startsWith("continue")) {
        store.freeze("MANUAL", "stop now", List.of(), "cli:bob");
      }
      return GateDecision.pass(List.of());
    };
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), gate)) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(ExitCodes.FROZEN, r.exitCode());
    assertEquals(ReasonCode.MANUAL, r.reason());
    assertEquals(GkeNativeUpgrade.Outcome.CANCELLED, r.pools().get(0).outcome());
    assertEquals("cli:bob", store.mode().by());
    assertEquals(List.of(), notifier.ofType(RotationEvent.Type.FROZEN));
  }

  @Test
  @DisplayName("every pool already at the target (explicit, or the control plane's): nothing to do, exit 0")
  void nothingToDo() {
    gke.setVersion("default-pool", V_NEW);
    gke.setVersion("batch-pool", V_NEW);
    NativeUpgradeRun.Result explicit;
    NativeUpgradeRun.Result controlPlane;
    try (NativeUpgradeRun n = run("1.31.4", surge(OnStop.CANCEL), Gate.open())) {
      explicit = n.run(false, new PrintWriter(out, true));
      assertEquals(List.of(), n.plan());
    }
    try (NativeUpgradeRun n = run("", surge(OnStop.CANCEL), Gate.open())) {
      controlPlane = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(NativeUpgradeRun.Outcome.NOTHING_TO_DO, explicit.outcome(), explicit.message());
    assertEquals(NativeUpgradeRun.Outcome.NOTHING_TO_DO, controlPlane.outcome(), controlPlane.message());
    assertEquals(ExitCodes.OK, controlPlane.exitCode());
    assertEquals(0, gke.count("updateNodePool"));
    assertEquals(List.of(), notifier.events());
  }

  @Test
  @DisplayName("WAIT holds a pool's start (bounded, on the clock) but not a running upgrade: GKE goes on")
  void waitHoldsStartOnly() {
    ScriptedGate gate = new ScriptedGate(GateDecision.Verdict.WAIT, GateDecision.Verdict.WAIT,
        GateDecision.Verdict.PASS, GateDecision.Verdict.WAIT);
    long sleepsBefore = clock.sleeps();
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), gate)) {
      r = n.run(true, new PrintWriter(out, true));
    }

    assertEquals(NativeUpgradeRun.Outcome.COMPLETED, r.outcome(), r.message());
    assertTrue(clock.sleeps() - sleepsBefore >= 2, "waited on the clock before the start");
    assertTrue(gate.asked.get(0).startsWith("start") && gate.asked.get(2).startsWith("start"), gate.asked.toString());
    assertTrue(gate.asked.stream().anyMatch(s -> s.startsWith("continue")), "asked between polls");
    assertEquals(0, gke.count("cancelOperation"), "WAIT mid-upgrade does not stop GKE");
    assertFalse(store.mode().frozen());
  }

  @Test
  @DisplayName("a maintenance window that closes during a pool's upgrade lets it finish and starts no other pool")
  void windowClosesBetweenPools() {
    NativeUpgradeRun.Result r;
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), Gate.open())
        .startingOnlyWhile(() -> asked.incrementAndGet() < 1)) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(NativeUpgradeRun.Outcome.COMPLETED, r.outcome(), r.message());
    assertEquals(V_NEW, gke.version("default-pool"), "the pool in progress finished");
    assertEquals(V_OLD, gke.version("batch-pool"), "no pool started after the window closed");
    assertTrue(r.message().contains("maintenance window closed"), r.message());
  }

  @Test
  @DisplayName("--once upgrades one pool and leaves the next for the next run")
  void once() {
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), Gate.open())) {
      r = n.run(true, new PrintWriter(out, true));
    }

    assertEquals(NativeUpgradeRun.Outcome.COMPLETED, r.outcome());
    assertEquals(V_NEW, gke.version("default-pool"));
    assertEquals(V_OLD, gke.version("batch-pool"));
    assertEquals(1, r.pools().size());
  }

  @Test
  @DisplayName("a quota error from GKE's upgrade freezes with CLOUD_QUOTA (the engine's cloud policy), exit 3")
  void quotaFreezes() {
    gke.failNextOperation("upgradeNodePool", Status.Code.RESOURCE_EXHAUSTED,
        "Insufficient quota to satisfy the request: CPUS quota exceeded");
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.CANCEL), Gate.open())) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(ExitCodes.FROZEN, r.exitCode());
    assertEquals(ReasonCode.CLOUD_QUOTA, r.reason());
    assertEquals("CLOUD_QUOTA", store.mode().reason());
    assertTrue(store.mode().message().contains("CPUS quota exceeded"), store.mode().message());
    assertEquals(1, notifier.ofType(RotationEvent.Type.FROZEN).size());
    assertEquals(List.of("default-pool", "default-pool"), gke.updatedPools(), "the next pool is not started");
  }

  @Test
  @DisplayName("gate FAIL before a pool's start: freeze persisted and alerted, no UpdateNodePool call, exit 3")
  void gateFailsBeforeStart() {
    ScriptedGate gate = new ScriptedGate(GateDecision.Verdict.FAIL);
    NativeUpgradeRun.Result r;
    try (NativeUpgradeRun n = run(V_NEW, surge(OnStop.ROLLBACK), gate)) {
      r = n.run(false, new PrintWriter(out, true));
    }

    assertEquals(ExitCodes.FROZEN, r.exitCode());
    assertEquals("ETCD_QUORUM", store.mode().reason());
    assertEquals(0, gke.count("updateNodePool"));
    assertEquals(1, notifier.ofType(RotationEvent.Type.FROZEN).size());
  }

  @Test
  @DisplayName("dry-run plan: one line per pool behind the target with its version, the target and the strategy")
  void planLines() {
    gke.setVersion("batch-pool", V_NEW);
    List<NativeUpgradeRun.PlannedPool> plan;
    try (NativeUpgradeRun n = run(V_NEW, Spec.blueGreen(1, Duration.ZERO, Duration.ofHours(1), OnStop.CANCEL,
        false), Gate.open())) {
      plan = n.plan();
    }
    NativeUpgradeRun.printPlan(new PrintWriter(out, true), plan, false);

    assertEquals(List.of(new NativeUpgradeRun.PlannedPool("default-pool", V_OLD, V_NEW, "BLUE_GREEN")), plan);
    assertTrue(out.toString().contains("default-pool") && out.toString().contains(V_OLD + " -> " + V_NEW)
        && out.toString().contains("BLUE_GREEN"), out.toString());
    assertEquals(0, gke.count("updateNodePool"));
  }
}
