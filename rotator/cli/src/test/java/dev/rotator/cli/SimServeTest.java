package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotator.core.SystemClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rotator sim serve} as the cluster of other programs: the real kubectl binary and {@code rotator run}
 * with {@code provider.type: sim} drive it through the kubeconfig it writes; every assertion reads the
 * simulator's own record.
 */
class SimServeTest {
  private static final Path KUBECTL = Path.of("/usr/bin/kubectl");

  private static final String SCENARIO =
      """
      name: serve-test
      clock: {scale: 100}
      nodeGroups:
        - {name: workers, zones: [sim-a, sim-b], size: 6, maxSize: 10, cpu: 4, memoryMi: 16384,
           kubeletVersion: v1.30.6, targetVersion: v1.31.2, provisioningSeconds: 30, readySeconds: 5}
      workloads:
        - {namespace: shop, name: web, replicas: 6, cpu: 250m, startupSeconds: 5, terminationGraceSeconds: 5,
           pdb: {maxUnavailable: 1}}
        - {namespace: shop, name: api, replicas: 4, cpu: 250m, startupSeconds: 5, terminationGraceSeconds: 5,
           emptyDir: true, pdb: {minAvailable: 3}}
        - {kind: DaemonSet, namespace: kube-system, name: agent, cpu: 50m, startupSeconds: 2}
      """;

  private static final String ROTATOR_YAML =
      """
      provider:
        type: sim
      selector:
        kubeletVersionBelow: v1.31.2
      policy:
        maxUnavailable: 2
        maxSurge: 2
        deleteEmptyDirData: true
      gates:
        apiserver:
          enabled: false
      """;

  @TempDir Path tmp;

  /** sim serve on a thread of this JVM; interrupting it is what SIGTERM does (ShutdownGuard). */
  private final class Served implements AutoCloseable {
    final Path kubeconfig = tmp.resolve("kubeconfig");
    final Path report = tmp.resolve("report.json");
    final AtomicReference<Cli.Result> result = new AtomicReference<>();
    final Thread thread;

    Served() throws Exception {
      Path scenario = tmp.resolve("scenario.yaml");
      Files.writeString(scenario, SCENARIO);
      thread = new Thread(() -> result.set(Cli.run("sim", "serve", "--scenario", scenario.toString(),
          "--kubeconfig-out", kubeconfig.toString(), "--report", report.toString())), "sim-serve-test");
      thread.start();
      // Bounded: the simulator of 6 nodes starts in well under a minute.
      for (int i = 0; i < 600 && !Files.exists(kubeconfig); i++) {
        SystemClock.INSTANCE.sleep(Duration.ofMillis(100));
      }
      assertTrue(Files.exists(kubeconfig), "sim serve wrote no kubeconfig: " + result.get());
    }

    JsonNode stop() throws Exception {
      thread.interrupt();
      thread.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(thread.isAlive(), "sim serve did not stop when signalled");
      Cli.Result r = result.get();
      assertTrue(r.out().contains("stopped (signalled)"), r.out() + r.err());
      return new ObjectMapper().readTree(Files.readString(report));
    }

    @Override
    public void close() throws Exception {
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(60));
      }
    }
  }

  private String kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig=" + kubeconfig));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " hung");
    assertEquals(0, p.exitValue(), "kubectl " + String.join(" ", args) + ":\n" + out);
    return out;
  }

  @Test
  @DisplayName("the real kubectl lists, cordons and drains through sim serve, and the record counts its requests")
  void kubectl() throws Exception {
    assumeTrue(Files.isExecutable(KUBECTL), "needs the kubectl binary at " + KUBECTL);
    try (Served s = new Served()) {
      String listed = kubectl(s.kubeconfig, "get", "nodes,pods,pdb", "-A");
      assertTrue(listed.contains("workers-00001"), listed);
      assertTrue(listed.contains("shop"), listed);
      assertTrue(listed.contains("web"), listed);
      kubectl(s.kubeconfig, "cordon", "workers-00002");
      String drained = kubectl(s.kubeconfig, "drain", "workers-00001", "--ignore-daemonsets",
          "--delete-emptydir-data", "--timeout=120s");
      assertTrue(drained.contains("evicted"), drained);
      assertTrue(drained.contains("node/workers-00001 drained"), drained);
      JsonNode report = s.stop();
      assertTrue(report.get("evictionsAccepted").asInt() > 0, report.toString());
      assertEquals(0, report.get("pdbViolations").asInt(), report.get("pdbViolationDetails").toString());
      assertEquals(0, report.get("podsLost").asInt(), report.get("podsLostDetails").toString());
      assertTrue(report.get("apiRequestsByClient").fieldNames().next().startsWith("kubectl"),
          report.get("apiRequestsByClient").toString());
    }
  }

  @Test
  @DisplayName("rotator run in another role (provider.type sim) rotates every node of sim serve; the record agrees")
  void rotatorRun() throws Exception {
    try (Served s = new Served()) {
      Path config = tmp.resolve("rotator.yaml");
      Files.writeString(config, ROTATOR_YAML);
      Cli.Result run = Cli.run("run", "--kubeconfig", s.kubeconfig.toString(), "-c", config.toString());
      assertEquals(0, run.exit(), run.out() + run.err());
      JsonNode report = s.stop();
      assertEquals(6, report.get("nodesOutdatedAtStart").asInt());
      assertEquals(6, report.get("nodesRotated").asInt(), report.toString());
      assertTrue(report.get("rotationComplete").asBoolean());
      assertEquals(0, report.get("pdbViolations").asInt(), report.get("pdbViolationDetails").toString());
      assertEquals(0, report.get("podsLost").asInt(), report.get("podsLostDetails").toString());
      assertTrue(report.get("maxNodesUnavailable").asInt() <= 2, report.get("maxNodesUnavailable").toString());
      // Every request came from rotator (its User-Agent), and the lower bound is the one of the scenario.
      JsonNode byClient = report.get("apiRequestsByClient");
      assertEquals(1, byClient.size(), byClient.toString());
      assertTrue(byClient.fieldNames().next().startsWith("rotator/"), byClient.toString());
      assertTrue(report.get("lowerBound").get("seconds").asDouble() > 0);
      assertTrue(report.get("makespanOverLowerBound").asDouble() >= 1.0, report.get("makespanOverLowerBound")
          .toString());
    }
  }

  @Test
  @DisplayName("provider.type sim refuses a kubeconfig whose server is not on loopback")
  void loopbackOnly() throws Exception {
    Path kubeconfig = tmp.resolve("remote-kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://10.1.2.3:6443"}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        users: [{name: u, user: {token: t}}]
        """);
    Path config = tmp.resolve("rotator.yaml");
    Files.writeString(config, ROTATOR_YAML);
    Cli.Result r = Cli.run("run", "--kubeconfig", kubeconfig.toString(), "-c", config.toString());
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("provider.type sim"), r.err());
  }
}
