package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster-facing commands against a simulated cluster reached through a kubeconfig, as a user would. */
class CommandsTest {
  @TempDir static Path tmp;
  static Simulator sim;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    sim = Simulator.start(Scenario.builtin("demo"));
    kubeconfig = tmp.resolve("kubeconfig");
    sim.writeKubeconfig(kubeconfig);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  @DisplayName("freeze, status, resume: the mode persists in the cluster and status exits 3 while frozen")
  void freezeResume() {
    Cli.Result f = Cli.run("freeze", "--reason", "incident 42", "--kubeconfig", kubeconfig.toString());
    assertEquals(0, f.exit(), f.err());
    Cli.Result s = Cli.run("status", "--kubeconfig", kubeconfig.toString());
    assertEquals(ExitCodes.FROZEN, s.exit(), s.out() + s.err());
    assertTrue(s.out().contains("FREEZE") && s.out().contains("incident 42"), s.out());
    assertTrue(s.out().contains("maintenance window: none configured"), s.out());
    Cli.Result j = Cli.run("status", "-o", "json", "--kubeconfig", kubeconfig.toString());
    assertTrue(j.out().contains("\"mode\" : \"FREEZE\""), j.out());
    Cli.Result r = Cli.run("resume", "--kubeconfig", kubeconfig.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(0, Cli.run("status", "--kubeconfig", kubeconfig.toString()).exit());
  }

  @Test
  @DisplayName("plan lists the outdated nodes in batches and changes nothing")
  void plan() throws Exception {
    Path config = tmp.resolve("rotator.yaml");
    Files.writeString(config, "selector:\n  kubeletVersionBelow: v1.99.0\npolicy:\n  maxUnavailable: 2\n  maxSurge: 0\n");
    Cli.Result p = Cli.run("plan", "--config", config.toString(), "--kubeconfig", kubeconfig.toString());
    assertEquals(0, p.exit(), p.out() + p.err());
    assertTrue(p.out().contains("BATCH"), p.out());
    long before = sim.report().apiRequestsByVerb().getOrDefault("PATCH", 0L);
    Cli.run("run", "--dry-run", "--config", config.toString(), "--kubeconfig", kubeconfig.toString());
    assertEquals(before, sim.report().apiRequestsByVerb().getOrDefault("PATCH", 0L), "dry run patches nothing");
  }

  @Test
  @DisplayName("run refuses with exit 2 when no cloud can replace instances (outside the simulator)")
  void runNeedsCloud() {
    Cli.Result r = Cli.run("run", "--kubeconfig", kubeconfig.toString());
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("cannot replace instances"), r.err());
  }

  @Test
  @DisplayName("a bad config exits 2 naming the key, before any request reaches the cluster")
  void badConfig() throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, "policy:\n  maxUnavailable: -1\n");
    long before = sim.report().apiRequests();
    Cli.Result r = Cli.run("plan", "--config", config.toString(), "--kubeconfig", kubeconfig.toString());
    assertEquals(ExitCodes.USAGE, r.exit());
    assertTrue(r.err().contains("policy.maxUnavailable"), r.err());
    assertEquals(before, sim.report().apiRequests(), "no request for a bad config");
  }

  @Test
  @DisplayName("unknown options and subcommands exit 2; --help documents the exit codes")
  void usage() {
    assertEquals(2, Cli.run("run", "--bogus").exit());
    assertEquals(2, Cli.run("nosuchcommand").exit());
    Cli.Result h = Cli.run("run", "--help");
    assertEquals(0, h.exit());
    assertTrue(h.out().contains("Exit codes"), h.out());
  }

  @Test
  @DisplayName("an unreachable cluster is a clear runtime error (exit 1), not a stack trace")
  void unreachable() throws Exception {
    Path kc = tmp.resolve("dead-kubeconfig");
    Files.writeString(kc, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: dead
          cluster: {server: "http://127.0.0.1:1"}
        contexts:
        - name: dead
          context: {cluster: dead, user: u}
        current-context: dead
        users:
        - name: u
          user: {}
        """);
    Cli.Result r = Cli.run("status", "--kubeconfig", kc.toString());
    assertEquals(ExitCodes.RUNTIME, r.exit(), r.out() + r.err());
    assertTrue(r.err().startsWith("rotator:"), r.err());
    assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
  }
}
