package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.Gate;
import dev.rotator.core.engine.GateDecision;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.kubernetes.KubeClients;
import dev.rotator.kubernetes.LeaseLock;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rotator run and the Lease rotator-lock, against a simulated cluster reached through a kubeconfig, with
 * provider.type sim (the simulator's cloud and clock): a provider that can rotate, so run gets as far as the
 * lock. (provider.type fake is refused before any request: {@link RefusedConfigTest}.)
 */
class LockTest {
  private static final String NS = "rotator-system";

  @TempDir static Path tmp;
  static Simulator sim;
  static Path kubeconfig;
  static Path config;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    sim = Simulator.start(Scenario.builtin("demo"));
    kubeconfig = tmp.resolve("kubeconfig");
    sim.writeKubeconfig(kubeconfig);
    config = tmp.resolve("rotator.yaml");
    java.nio.file.Files.writeString(config, TwoRotatorsTest.CONFIG);
    client = KubeClients.forUrl(sim.apiUrl());
  }

  /** {@code rotator <command> <args> --config <sim provider> --kubeconfig <the simulator>}. */
  private static Cli.Result cli(String command, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(command));
    all.addAll(List.of(args));
    all.addAll(List.of("--config", config.toString(), "--kubeconfig", kubeconfig.toString()));
    return Cli.run(all.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    client.close();
    sim.close();
  }

  @BeforeEach
  void noLease() {
    client.leases().inNamespace(NS).withName(LeaseLock.NAME).delete();
  }

  /** A Lease held by someone else, last renewed at {@code renewed} (wall time: the CLI runs on the system clock). */
  private static void heldBySomeoneElse(Instant renewed) {
    client.leases().inNamespace(NS).resource(new LeaseBuilder()
        .withNewMetadata().withName(LeaseLock.NAME).withNamespace(NS).endMetadata()
        .withNewSpec().withHolderIdentity("someone-else").withLeaseDurationSeconds(60).withLeaseTransitions(0)
        .withRenewTime(renewed.atZone(ZoneOffset.UTC)).endSpec().build()).create();
  }

  private static Lease lease() {
    return client.leases().inNamespace(NS).withName(LeaseLock.NAME).get();
  }

  @Test
  @DisplayName("run exits 4 naming the holder while another rotator's fresh Lease is held, and leaves it alone")
  void heldExits4() {
    heldBySomeoneElse(Instant.now());
    String rv = lease().getMetadata().getResourceVersion();
    Cli.Result r = cli("run");
    assertEquals(ExitCodes.LOCKED, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("rotator: another rotator holds the lock: someone-else (until "), r.err());
    assertTrue(r.err().contains("exit 4"), r.err());
    assertEquals(rv, lease().getMetadata().getResourceVersion(), "the holder's Lease was not written");
  }

  @Test
  @DisplayName("run --wait --wait-timeout 2s waits about 2 s for the holder, then exits 4")
  void waitThenExit4() {
    heldBySomeoneElse(Instant.now());
    long t0 = System.nanoTime();
    Cli.Result r = cli("run", "--wait", "--wait-timeout", "2s");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertEquals(ExitCodes.LOCKED, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("waiting up to 2s"), r.err());
    assertTrue(r.err().contains("someone-else"), r.err());
    assertTrue(took.compareTo(Duration.ofMillis(1900)) >= 0 && took.compareTo(Duration.ofSeconds(10)) < 0,
        "took " + took);
  }

  @Test
  @DisplayName("a stale Lease (holder died 10 min ago, more than 60 s + lock.maxClockSkew 2m) is taken over by a "
      + "one-shot run: it gets past the lock to its next check (frozen: exit 3), then releases it")
  void staleTakenOverAndReleased() {
    heldBySomeoneElse(Instant.now().minus(Duration.ofMinutes(10)));
    Cli.Result f = cli("freeze", "--reason", "LockTest: stop the run right after the lock");
    assertEquals(ExitCodes.OK, f.exit(), f.out() + f.err());
    try {
      Cli.Result r = cli("run");
      // Past the lock: the engine reads the persisted mode and refuses to rotate while frozen.
      assertEquals(ExitCodes.FROZEN, r.exit(), r.out() + r.err());
      assertTrue((r.out() + r.err()).contains("frozen"), r.out() + r.err());
      Lease l = lease();
      assertEquals(1, l.getSpec().getLeaseTransitions(), "taken over once");
      assertNull(l.getSpec().getHolderIdentity(), "released on exit");
    } finally {
      Cli.Result u = cli("resume");
      assertEquals(ExitCodes.OK, u.exit(), u.out() + u.err());
    }
  }

  @Test
  @DisplayName("a Lease renewed 90 s ago by its holder's clock is not taken by a one-shot run (within 60 s + "
      + "lock.maxClockSkew): exit 4; a smaller lock.maxClockSkew lets it through")
  void withinSkewAllowanceHeld() throws Exception {
    heldBySomeoneElse(Instant.now().minus(Duration.ofSeconds(90)));
    String rv = lease().getMetadata().getResourceVersion();
    Cli.Result r = cli("run");
    assertEquals(ExitCodes.LOCKED, r.exit(), r.out() + r.err());
    assertEquals(rv, lease().getMetadata().getResourceVersion(), "the holder's Lease was not written");
    Path tight = tmp.resolve("tight.yaml");
    java.nio.file.Files.writeString(tight, TwoRotatorsTest.CONFIG + "lock:\n  maxClockSkew: 10s\n");
    Cli.Result f = cli("freeze", "--reason", "LockTest: stop the run right after the lock");
    assertEquals(ExitCodes.OK, f.exit(), f.out() + f.err());
    try {
      Cli.Result t = Cli.run("run", "--config", tight.toString(), "--kubeconfig", kubeconfig.toString());
      assertEquals(ExitCodes.FROZEN, t.exit(), t.out() + t.err());
      assertEquals(1, lease().getSpec().getLeaseTransitions(), "90 s > 60 s + 10 s: taken over");
    } finally {
      assertEquals(ExitCodes.OK, cli("resume").exit());
    }
  }

  @Test
  @DisplayName("a dry run takes no lock: it plans even while another rotator holds it")
  void dryRunTakesNoLock() {
    heldBySomeoneElse(Instant.now());
    Cli.Result r = cli("run", "--dry-run");
    assertEquals(ExitCodes.OK, r.exit(), r.out() + r.err());
    assertEquals("someone-else", lease().getSpec().getHolderIdentity());
  }

  @Test
  @DisplayName("a bad --wait-timeout is a usage error (exit 2) naming the expected syntax")
  void badWaitTimeout() {
    Cli.Result r = cli("run", "--wait", "--wait-timeout", "soon");
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("duration like"), r.err());
  }

  @Test
  @DisplayName("the lock gate FAILs with API_UNAVAILABLE and names who took the lease once it is lost; "
      + "while held it answers what the health gate answers")
  void lockGate() {
    AtomicBoolean held = new AtomicBoolean(true);
    GateDecision wait = new GateDecision(GateDecision.Verdict.WAIT, null, List.of());
    Gate health = step -> wait;
    LockGate gate = new LockGate(health, held::get, () -> "lost the rotator-lock lease to host-b/run-2");
    assertSame(wait, gate.evaluate("cordon node-1"));
    held.set(false);
    GateDecision d = gate.evaluate("cordon node-1");
    assertEquals(GateDecision.Verdict.FAIL, d.verdict());
    assertEquals(ReasonCode.API_UNAVAILABLE, d.reason());
    assertTrue(d.evidence().get(0).contains("lost the rotator-lock lease to host-b/run-2"), d.evidence().toString());
  }

  @Test
  @DisplayName("the lock gate FAILs when the lease is lost while the health checks run")
  void lockLostDuringChecks() {
    AtomicBoolean held = new AtomicBoolean(true);
    Gate health = step -> {
      held.set(false);
      return GateDecision.pass(List.of());
    };
    GateDecision d = new LockGate(health, held::get, () -> "lost the rotator-lock lease to expiry").evaluate("x");
    assertEquals(GateDecision.Verdict.FAIL, d.verdict());
  }
}
