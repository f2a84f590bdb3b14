package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, "two rotators started at once against the same simulated cluster: exactly one acts": two real
 * {@code rotator run} command lines, released together, against one simulated cluster reached through a
 * kubeconfig (provider.type sim: the simulator's cloud and clock). What happened is the simulator's record.
 */
class TwoRotatorsTest {
  static final String CONFIG = """
      apiVersion: rotator.dev/v1alpha1
      kind: RotatorConfig
      provider:
        type: sim
      selector:
        kubeletVersionBelow: v1.31.2
      policy:
        maxUnavailable: 1
        maxSurge: 1
        drainTimeout: 30m
      gates:
        apiserver:
          enabled: false
      """;

  /** Starts both command lines at the same instant; returns their results in start order. */
  private static List<Cli.Result> together(String[] a, String[] b) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Cli.Result>> fs = new ArrayList<>();
      for (String[] args : List.of(a, b)) {
        Callable<Cli.Result> c = () -> {
          go.await();
          return Cli.run(args);
        };
        fs.add(pool.submit(c));
      }
      go.countDown();
      List<Cli.Result> out = new ArrayList<>();
      for (Future<Cli.Result> f : fs) {
        out.add(f.get(3, TimeUnit.MINUTES));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void assertRotatedOnceSafely(Simulator sim) {
    SimReport r = sim.report();
    assertEquals(6, r.nodesRotated(), r.toJson());
    assertTrue(r.rotationComplete(), r.toJson());
    assertEquals(0, r.pdbViolations(), r.toJson());
    assertEquals(0, r.podsLost(), r.toJson());
    assertEquals(List.of(), r.invariantViolations(), r.toJson());
  }

  @Test
  @DisplayName("two 'rotator run' at once: exactly one rotates every node, the other exits 4 naming the holder")
  void oneActsOtherExits4(@TempDir Path tmp) throws Exception {
    try (Simulator sim = Simulator.start(Scenario.parse(ServeTest.SCENARIO, "serve-small"))) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      sim.writeKubeconfig(kubeconfig);
      Path config = Files.writeString(tmp.resolve("rotator.yaml"), CONFIG);
      String[] args = {"run", "--kubeconfig", kubeconfig.toString(), "--config", config.toString()};
      List<Cli.Result> rs = together(args, args);
      List<Cli.Result> byExit = rs.stream().sorted(Comparator.comparingInt(Cli.Result::exit)).toList();
      assertEquals(List.of(ExitCodes.OK, ExitCodes.LOCKED), byExit.stream().map(Cli.Result::exit).toList(),
          rs.toString());
      assertTrue(byExit.get(1).err().contains("another rotator holds the lock"), byExit.get(1).err());
      assertTrue(byExit.get(1).out().isEmpty(), "the loser did nothing: " + byExit.get(1).out());
      assertRotatedOnceSafely(sim);
    }
  }

  @Test
  @DisplayName("two 'rotator run --wait' at once: one rotates; the other waits for the lock, then finds nothing"
      + " to do")
  void otherWaitsThenFindsNothing(@TempDir Path tmp) throws Exception {
    try (Simulator sim = Simulator.start(Scenario.parse(ServeTest.SCENARIO, "serve-small"))) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      sim.writeKubeconfig(kubeconfig);
      Path config = Files.writeString(tmp.resolve("rotator.yaml"), CONFIG);
      String[] args = {"run", "--wait", "--wait-timeout", "1d", "--kubeconfig", kubeconfig.toString(),
          "--config", config.toString()};
      List<Cli.Result> rs = together(args, args);
      assertEquals(List.of(ExitCodes.OK, ExitCodes.OK), rs.stream().map(Cli.Result::exit).toList(), rs.toString());
      long waited = rs.stream().filter(r -> r.err().contains("waiting up to")).count();
      assertEquals(1, waited, rs.toString());
      Cli.Result waiter = rs.stream().filter(r -> r.err().contains("waiting up to")).findFirst().orElseThrow();
      assertTrue(waiter.out().contains("no outdated node"), waiter.out());
      assertRotatedOnceSafely(sim);
    }
  }
}
