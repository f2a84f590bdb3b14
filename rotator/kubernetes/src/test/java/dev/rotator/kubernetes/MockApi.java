package dev.rotator.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.function.BooleanSupplier;

/**
 * fabric8's mock API server (CRUD store + {@link TestDispatcher}) on loopback, and a client for it built
 * by {@link KubeClients#forUrl} exactly as the simulator's is (no fabric8 retries, rotator's
 * User-Agent).
 */
final class MockApi implements AutoCloseable {
  final TestDispatcher dispatcher = new TestDispatcher();
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockApi() {
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.start();
    client = KubeClients.forUrl(url());
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort() + "/";
  }

  @Override
  public void close() {
    client.close();
    server.shutdown();
  }

  /** Waits (bounded) for a condition that a watch makes true asynchronously. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
