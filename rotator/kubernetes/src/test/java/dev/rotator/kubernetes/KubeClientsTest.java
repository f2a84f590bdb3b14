package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.ClusterException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("KubeClients")
class KubeClientsTest {
  @TempDir Path dir;

  private static String kubeconfig(String server, String extraClusterLine) {
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Config",
        "current-context: sim",
        "clusters:",
        "- name: sim",
        "  cluster:",
        "    server: " + server,
        extraClusterLine == null ? "" : "    " + extraClusterLine,
        "contexts:",
        "- name: sim",
        "  context:",
        "    cluster: sim",
        "    user: me",
        "- name: other",
        "  context:",
        "    cluster: sim",
        "    user: me",
        "users:",
        "- name: me",
        "  user:",
        "    token: not-a-secret",
        "");
  }

  private ClusterException permanent(Runnable r) {
    ClusterException e = assertThrows(ClusterException.class, r::run);
    assertEquals(ClusterException.Kind.PERMANENT, e.kind(), e.getMessage());
    return e;
  }

  @Test
  @DisplayName("a client from a kubeconfig talks to its server with no internal retries and rotator's User-Agent")
  void fromKubeconfig() throws Exception {
    try (MockApi api = new MockApi()) {
      Path file = Files.writeString(dir.resolve("config"), kubeconfig(api.url(), null));
      api.dispatcher.failNext("GET", "/api/v1/nodes", TestDispatcher.failure(503, "ServiceUnavailable", "x"), 1);

      try (KubernetesClient client = KubeClients.create(Optional.of(file), Optional.of("other"))) {
        assertEquals(0, client.getConfiguration().getRequestRetryBackoffLimit());
        assertEquals(KubeClients.CONNECT_TIMEOUT_MS, client.getConfiguration().getConnectionTimeout());
        assertEquals(KubeClients.REQUEST_TIMEOUT_MS, client.getConfiguration().getRequestTimeout());
        assertEquals("other", client.getConfiguration().getCurrentContext().getName());
        assertThrows(RuntimeException.class, () -> client.nodes().list());
        assertEquals(1, api.dispatcher.requests().size(), "a 503 reached rotator after one request");
        client.nodes().list();
      }
      String agent = api.dispatcher.requests().get(0).userAgent();
      assertTrue(agent.startsWith("rotator/"), agent);
      assertTrue(!agent.contains("${"), "version filtered: " + agent);
    }
  }

  @Test
  @DisplayName("a missing kubeconfig file is PERMANENT and names the file")
  void missingFile() {
    Path file = dir.resolve("nope.yaml");
    ClusterException e = permanent(() -> KubeClients.create(Optional.of(file), Optional.empty()));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  @DisplayName("an unparseable kubeconfig is PERMANENT and names the file")
  void invalidFile() throws Exception {
    Path file = Files.writeString(dir.resolve("broken"), "clusters: [ {{{ not yaml");
    ClusterException e = permanent(() -> KubeClients.create(Optional.of(file), Optional.empty()));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("not a valid kubeconfig"), e.getMessage());
  }

  @Test
  @DisplayName("an unknown --context is refused rather than silently using the current context")
  void unknownContext() throws Exception {
    Path file = Files.writeString(dir.resolve("config"), kubeconfig("https://10.0.0.1:6443", null));
    ClusterException e = permanent(() -> KubeClients.create(Optional.of(file), Optional.of("prod")));
    assertTrue(e.getMessage().contains("'prod'"), e.getMessage());
    assertTrue(e.getMessage().contains("sim") && e.getMessage().contains("other"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  @DisplayName("a kubeconfig that disables TLS verification is refused")
  void insecureRefused() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("config"), kubeconfig("https://10.0.0.1:6443", "insecure-skip-tls-verify: true"));
    ClusterException e = permanent(() -> KubeClients.create(Optional.of(file), Optional.empty()));
    assertTrue(e.getMessage().contains("insecure-skip-tls-verify"), e.getMessage());
  }

  @Test
  @DisplayName("plain http is accepted for loopback only")
  void plainHttpLoopbackOnly() {
    KubeClients.forUrl("http://127.0.0.1:1/").close();
    KubeClients.forUrl("http://localhost:1/").close();
    KubeClients.forUrl("http://[::1]:1/").close();
    KubeClients.forUrl("https://api.example.com:6443/").close();
    permanent(() -> KubeClients.forUrl("http://10.1.2.3:8080/"));
    permanent(() -> KubeClients.forUrl("http://api.example.com/"));
    // A name that merely starts like a loopback address is not one.
    permanent(() -> KubeClients.forUrl("http://127.0.0.1.example.com/"));
  }

  @Test
  @DisplayName("a kubeconfig pointing at a non-loopback http server is refused")
  void plainHttpKubeconfigRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("config"), kubeconfig("http://10.0.0.1:8080", null));
    ClusterException e = permanent(() -> KubeClients.create(Optional.of(file), Optional.empty()));
    assertTrue(e.getMessage().contains("must be https"), e.getMessage());
  }
}
