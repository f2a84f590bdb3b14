package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.config.RotatorConfig;
import dev.rotator.core.SystemClock;
import dev.rotator.kubernetes.KubeClients;
import dev.rotator.kubernetes.KubernetesEventRecorder;
import dev.rotator.kubernetes.LeaseLock;
import dev.rotator.observability.RotationMetrics;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rotator serve against the simulator, wired as ServeCommand wires it (Session, Lease, metrics, Events, HTTP
 * server), with the simulator's clock pacing the passes and wall time for the Lease.
 */
class ServeTest {
  /** Six outdated nodes, batches of two (maxUnavailable 1 + maxSurge 1): at least three passes. */
  static final String SCENARIO = """
      name: serve-small
      clock:
        scale: 200
      nodeGroups:
        - name: workers
          zones: [sim-a, sim-b]
          size: 6
          minSize: 2
          maxSize: 10
          quota: 10
          cpu: 4
          memoryMi: 16384
          kubeletVersion: v1.30.6
          targetVersion: v1.31.2
          provisioningSeconds: 60
          readySeconds: 10
      workloads:
        - kind: Deployment
          namespace: shop
          name: web
          replicas: 4
          cpu: 500m
          memoryMi: 512
          startupSeconds: 10
          pdb: {maxUnavailable: 1}
      rotator:
        selector:
          kubeletVersionBelow: v1.31.2
        policy:
          maxUnavailable: 1
          maxSurge: 1
          drainTimeout: 30m
        gates:
          apiserver:
            enabled: false
      faults: []
      """;
  private static final Duration WALL_LIMIT = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One serve replica: its loop on its own thread, its HTTP server, stopped like SIGTERM stops it. */
  static final class Replica implements AutoCloseable {
    final Session session;
    final RotationMetrics metrics = new RotationMetrics();
    final KubernetesEventRecorder events;
    final ServeLoop loop;
    final ServeServer server;
    final Thread thread;
    final ShutdownGuard guard;
    volatile Throwable died;

    Replica(Simulator sim, RotatorConfig config, String identity) {
      session = Session.forSimulator(config, sim.apiUrl(), sim.cloud(), sim.clock());
      events = new KubernetesEventRecorder(session.client, session.clock, config.cluster().stateNamespace(),
          config.cluster().stateConfigMap(), identity);
      metrics.eventFailures(events::failures);
      // The simulator's minute passes in 0.3 wall seconds: a few passes per second of wall time.
      loop = new ServeLoop(session, SystemClock.INSTANCE, Duration.ofMinutes(1), Duration.ofMillis(200), metrics,
          events, identity);
      server = ServeServer.start("127.0.0.1", 0, metrics, loop::alive, loop::ready);
      thread = new Thread(() -> {
        try {
          loop.run(Long.MAX_VALUE);
        } catch (RuntimeException | Error e) {
          died = e;
          throw e;
        } finally {
          stopped();
        }
      }, "serve-" + identity);
      guard = new ShutdownGuard(thread, Duration.ofSeconds(20));
      thread.start();
    }

    private void stopped() {
      guard.done();
    }

    /** What the JVM's shutdown hook does on SIGTERM: interrupt the loop and wait for its cleanup. */
    void sigterm() throws InterruptedException {
      Thread hook = guard.hook();
      hook.start();
      hook.join(Duration.ofSeconds(30).toMillis());
      thread.join(Duration.ofSeconds(5).toMillis());
    }

    String get(String path) throws Exception {
      return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
    }

    int status(String path) throws Exception {
      return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private HttpRequest request(String path) {
      return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
          .timeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public void close() throws Exception {
      if (thread.isAlive()) {
        sigterm();
      }
      server.close();
      session.close();
    }
  }

  static double sample(String scrape, String nameAndLabels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WALL_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WALL_LIMIT.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  static Lease lease(KubernetesClient client) {
    return client.leases().inNamespace("rotator-system").withName(LeaseLock.NAME).get();
  }

  private static boolean idle(Replica r) {
    if (r.died != null) {
      throw new AssertionError("the serve loop died", r.died);
    }
    return sample(r.metrics.scrape(), RotationMetrics.RUNS + "{outcome=\"NOTHING_TO_DO\"}") >= 1;
  }

  @Test
  @DisplayName("serve rotates a cluster over several passes; /metrics, /healthz, /readyz and Events show it;"
      + " SIGTERM releases the Lease")
  void rotatesOverSeveralPasses() throws Exception {
    Scenario scenario = Scenario.parse(SCENARIO, "serve-small");
    try (Simulator sim = Simulator.start(scenario);
        KubernetesClient client = KubeClients.forUrl(sim.apiUrl());
        Replica a = new Replica(sim, SimRunner.configOf(scenario, sim), "pod-a/serve-1")) {
      await("a pass with nothing left to do", () -> idle(a));
      SimReport report = sim.report();
      assertEquals(6, report.nodesRotated(), report.toJson());
      assertEquals(0, report.pdbViolations(), report.toJson());
      assertEquals(0, report.podsLost(), report.toJson());
      assertTrue(a.loop.passes() >= 4, "3 batches + the idle pass, one per interval: " + a.loop.passes());

      String m = a.get("/metrics");
      assertTrue(sample(m, RotationMetrics.RUNS + "{outcome=\"COMPLETED\"}") >= 3, m);
      assertEquals(0, sample(m, RotationMetrics.RUNS + "{outcome=\"FROZEN\"}"), m);
      assertEquals(1, sample(m, RotationMetrics.LEADER), m);
      assertEquals(0, sample(m, RotationMetrics.MODE), m);
      assertEquals(0, sample(m, RotationMetrics.NODES_OUTDATED), m);
      assertEquals(0, sample(m, RotationMetrics.NODES_ROTATING), m);
      assertTrue(sample(m, RotationMetrics.LAST_SUCCESS) > 1.0e9, m);
      for (String step : List.of("drain", "delete", "terminate", "replacement")) {
        assertEquals(6, sample(m, RotationMetrics.STEP_DURATION + "_count{step=\"" + step + "\"}"), step + "\n" + m);
      }
      assertTrue(sample(m, RotationMetrics.GATE_RESULTS + "{check=\"cluster-state\",status=\"HEALTHY\"}") > 0, m);
      assertEquals(0, sample(m, RotationMetrics.EVENTS_FAILED), m);
      assertEquals(200, a.status("/healthz"));
      assertEquals(200, a.status("/readyz"));

      List<Event> nodeEvents = client.v1().events().inNamespace("default").list().getItems();
      Set<String> cordoned = nodeEvents.stream().filter(e -> e.getReason().equals("RotatorCordoned"))
          .map(e -> e.getInvolvedObject().getName()).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(6, cordoned.size(), "a RotatorCordoned Event on each rotated Node: " + cordoned);
      assertEquals(6, nodeEvents.stream().filter(e -> e.getReason().equals("RotatorNodeReplaced")).count());
      List<Event> runEvents = client.v1().events().inNamespace("rotator-system").list().getItems();
      assertTrue(runEvents.stream().filter(e -> e.getReason().equals("RotatorRunStarted")).count() >= 3);
      assertTrue(runEvents.stream().allMatch(e -> e.getInvolvedObject().getName().equals("rotator-state")));

      assertEquals("pod-a/serve-1", lease(client).getSpec().getHolderIdentity());
      a.sigterm();
      assertFalse(a.thread.isAlive(), "the loop ended");
      assertNull(lease(client).getSpec().getHolderIdentity(), "the Lease was released on the way out");
      assertEquals(503, a.status("/healthz"), "the loop is gone");
      assertEquals(0, sample(a.get("/metrics"), RotationMetrics.LEADER));
    }
  }

  @Test
  @DisplayName("two serve replicas on one cluster: only the leader rotates; the follower takes over when it stops;"
      + " a CLI run meanwhile exits 4 naming the leader")
  void oneLeader(@TempDir Path tmp) throws Exception {
    Scenario scenario = Scenario.parse(SCENARIO, "serve-small");
    try (Simulator sim = Simulator.start(scenario);
        KubernetesClient client = KubeClients.forUrl(sim.apiUrl())) {
      RotatorConfig config = SimRunner.configOf(scenario, sim);
      try (Replica a = new Replica(sim, config, "pod-a/serve-1")) {
        await("a leads", a.loop::leader);
        try (Replica b = new Replica(sim, config, "pod-b/serve-2")) {
          await("b has asked for the lease", b.loop::ready);
          Path kubeconfig = tmp.resolve("kubeconfig");
          sim.writeKubeconfig(kubeconfig);
          Path cfg = java.nio.file.Files.writeString(tmp.resolve("rotator.yaml"), TwoRotatorsTest.CONFIG);
          Cli.Result run = Cli.run("run", "--kubeconfig", kubeconfig.toString(), "--config", cfg.toString());
          assertEquals(ExitCodes.LOCKED, run.exit(), run.out() + run.err());
          assertTrue(run.err().contains("pod-a/serve-1"), run.err());

          await("a pass with nothing left to do", () -> idle(a));
          assertEquals(6, sim.report().nodesRotated());
          assertEquals(0, sim.report().pdbViolations());
          assertEquals(0, b.loop.passes(), "the follower never ran a pass");
          String bm = b.get("/metrics");
          assertEquals(0, sample(bm, RotationMetrics.LEADER), bm);
          assertEquals(0, sample(bm, RotationMetrics.RUNS + "{outcome=\"COMPLETED\"}"), bm);
          assertEquals(200, b.status("/readyz"), "a follower is ready (it serves /metrics and Slack)");

          a.sigterm();
          await("b takes over the released lease", b.loop::leader);
          await("b runs a pass", () -> b.loop.passes() >= 1);
          assertEquals("pod-b/serve-2", lease(client).getSpec().getHolderIdentity());
          assertEquals(6, sim.report().nodesRotated(), "nothing rotated twice");
        }
      }
    }
  }

  @Test
  @DisplayName("serve refuses a bad --listen (exit 2), and like run refuses to rotate with the fake provider")
  void usageErrors(@TempDir Path tmp) throws Exception {
    Cli.Result r = Cli.run("serve", "--listen", "nowhere");
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("host:port"), r.err());
    r = Cli.run("serve", "--interval", "1s");
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("--interval: expected 10s..1d"), r.err());
    try (Simulator sim = Simulator.start(Scenario.parse(SCENARIO, "serve-small"))) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      sim.writeKubeconfig(kubeconfig);
      r = Cli.run("serve", "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig.toString());
      assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
      assertTrue(r.err().contains("cannot replace instances"), r.err());
    }
  }
}
