package dev.rotator.health.apiserver;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * fabric8's mock API server in expectation mode on loopback, and a fabric8 client for it with fabric8's
 * <em>default</em> request config (10 HTTP retries): the check must not be fooled by those retries.
 */
final class MockApi implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockApi() {
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).build();
    client = new KubernetesClientBuilder().withConfig(config).build();
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort() + "/";
  }

  /** {@code /version}, {@code /readyz} and the one-node LIST all answer 200, forever. */
  MockApi allHealthy() {
    server.expect().get().withPath("/version").andReturn(200, "{\"major\":\"1\",\"minor\":\"31\"}").always();
    server.expect().get().withPath("/readyz").andReturn(200, "ok").always();
    server
        .expect()
        .get()
        .withPath("/api/v1/nodes?limit=1")
        .andReturn(200, "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"items\":[]}")
        .always();
    return this;
  }

  int requests() {
    return server.getRequestCount();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
