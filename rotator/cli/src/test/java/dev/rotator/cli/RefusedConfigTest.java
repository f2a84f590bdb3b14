package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: a configuration a command must refuse reaches the cluster zero times. provider.type fake cannot
 * replace instances of a real cluster, so run, serve and rollback refuse it (exit 2) from the file alone, before
 * any client is built; the API server here (fabric8's mock, CRUD mode) counts every request it receives.
 */
class RefusedConfigTest {
  @TempDir Path tmp;
  private KubernetesMockServer server;
  private Path kubeconfig;

  @BeforeEach
  void start() throws Exception {
    server = new KubernetesMockServer(false);
    server.init();
    kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: counted
          cluster:
            server: http://127.0.0.1:%d
        contexts:
        - name: counted
          context:
            cluster: counted
            user: counted
        current-context: counted
        users:
        - name: counted
          user:
            token: counted
        """.formatted(server.getPort()));
  }

  @AfterEach
  void stop() {
    server.destroy();
  }

  private Path config(String providerType) throws Exception {
    Path f = tmp.resolve("rotator.yaml");
    Files.writeString(f, """
        apiVersion: rotator.dev/v1alpha1
        kind: RotatorConfig
        provider:
          type: %s
        """.formatted(providerType));
    return f;
  }

  @ParameterizedTest(name = "rotator {0} with provider.type fake")
  @ValueSource(strings = {"run", "run --once", "run --wait", "serve", "rollback"})
  @DisplayName("run, serve and rollback with provider.type fake exit 2 with a clear message and send zero "
      + "requests to the cluster")
  void fakeProviderRefusedBeforeAnyRequest(String command) throws Exception {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
    args.addAll(java.util.List.of("--config", config("fake").toString(), "--kubeconfig", kubeconfig.toString()));
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("provider.type 'fake' cannot replace instances of a real cluster"), r.err());
    assertTrue(r.err().contains("rotator sim"), "says what to use instead: " + r.err());
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
    assertEquals(0, server.getRequestCount(), "requests sent to the cluster");
  }

  @Test
  @DisplayName("the default configuration (no --config: provider fake) is refused by run the same way")
  void defaultConfigRefused() {
    Cli.Result r = Cli.run("run", "--kubeconfig", kubeconfig.toString());
    assertEquals(ExitCodes.USAGE, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("cannot replace instances"), r.err());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  @DisplayName("the counting server does see requests: status with provider fake reads the state (the check "
      + "above can fail)")
  void counterCounts() throws Exception {
    Cli.Result r = Cli.run("status", "--config", config("fake").toString(), "--kubeconfig", kubeconfig.toString());
    assertTrue(server.getRequestCount() > 0, "status made no request: " + r.out() + r.err());
  }
}
