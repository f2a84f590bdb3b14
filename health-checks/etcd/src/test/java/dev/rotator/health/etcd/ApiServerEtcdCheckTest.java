package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The API-server route to etcd health, against fabric8's mock server with expectations (real HTTP).
 */
class ApiServerEtcdCheckTest {
  private static final String ETCD_FAILED =
      "[-]etcd failed: reason withheld\nreadyz check failed\n";

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.start();
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  private ApiServerEtcdCheck check(Duration timeout) {
    return new ApiServerEtcdCheck(client, new ApiServerEtcdCheck.Settings(timeout));
  }

  private ApiServerEtcdCheck check() {
    return new ApiServerEtcdCheck(client, ApiServerEtcdCheck.Settings.defaults());
  }

  @Test
  @DisplayName("/readyz/etcd 200 ok: HEALTHY; name etcd-apiserver, reason code ETCD_QUORUM")
  void readyzOk() {
    server.expect().get().withPath("/readyz/etcd").andReturn(200, "ok").once();
    ApiServerEtcdCheck c = check();
    CheckResult r = c.check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("etcd-apiserver", r.check());
    assertEquals(ReasonCode.ETCD_QUORUM, c.reasonCode());
    assertEquals("/readyz/etcd", r.values().get("endpoint"));
    assertEquals("200", r.values().get("httpStatus"));
  }

  @Test
  @DisplayName(
      "/readyz/etcd 500 '[-]etcd failed': UNHEALTHY with the body, after exactly one request"
          + " (fabric8's 5xx retries are off)")
  void readyzFailing() {
    assertTrue(
        client.getConfiguration().getRequestRetryBackoffLimit() > 0,
        "premise: the caller's client would retry 5xx");
    server.expect().get().withPath("/readyz/etcd").andReturn(500, ETCD_FAILED).always();
    int before = server.getRequestCount();
    long t0 = System.nanoTime();
    CheckResult r = check().check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("[-]etcd failed: reason withheld"), r.reason());
    assertEquals("500", r.values().get("httpStatus"));
    assertEquals(1, server.getRequestCount() - before, "requests sent");
    assertTrue(ms < 2000, "took " + ms + " ms");
  }

  @Test
  @DisplayName("/readyz/etcd 404 (old API server): falls back to /livez/etcd, 200 ok → HEALTHY")
  void livezFallbackOk() {
    server.expect().get().withPath("/readyz/etcd").andReturn(404, "404 page not found").once();
    server.expect().get().withPath("/livez/etcd").andReturn(200, "ok").once();
    CheckResult r = check().check();
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("/livez/etcd", r.values().get("endpoint"));
  }

  @Test
  @DisplayName("/readyz/etcd 404, /livez/etcd 503: UNHEALTHY, naming /livez/etcd")
  void livezFallbackFailing() {
    server.expect().get().withPath("/readyz/etcd").andReturn(404, "404 page not found").once();
    server.expect().get().withPath("/livez/etcd").andReturn(503, "etcd unavailable").once();
    CheckResult r = check().check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("/livez/etcd answered HTTP 503: etcd unavailable"), r.reason());
  }

  @Test
  @DisplayName("neither endpoint exists (404 twice): UNKNOWN, the gate fails closed")
  void neitherEndpoint() {
    server.expect().get().withPath("/readyz/etcd").andReturn(404, "").once();
    server.expect().get().withPath("/livez/etcd").andReturn(404, "").once();
    CheckResult r = check().check();
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    assertTrue(r.reason().contains("neither"), r.reason());
  }

  @Test
  @DisplayName("403 (RBAC) says nothing about etcd: UNKNOWN with the permission to grant")
  void forbidden() {
    server.expect().get().withPath("/readyz/etcd").andReturn(403, "forbidden").once();
    CheckResult r = check().check();
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    assertTrue(r.reason().contains("non-resource URLs /readyz/etcd"), r.reason());
  }

  @Test
  @DisplayName("200 with a body other than ok (a proxy page): UNKNOWN, not HEALTHY")
  void unexpectedBody() {
    server.expect().get().withPath("/readyz/etcd").andReturn(200, "<html>login</html>").once();
    CheckResult r = check().check();
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
  }

  @Test
  @DisplayName("an API server slower than the timeout: UNKNOWN within timeout + grace")
  void slow() {
    server
        .expect()
        .get()
        .delay(5, TimeUnit.SECONDS)
        .withPath("/readyz/etcd")
        .andReturn(200, "ok")
        .once();
    Duration timeout = Duration.ofMillis(300);
    long t0 = System.nanoTime();
    CheckResult r = check(timeout).check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    long bound = timeout.plus(EtcdQuorumCheck.GRACE).toMillis() + 500;
    assertTrue(ms <= bound, "took " + ms + " ms, bound " + bound);
  }

  @Test
  @DisplayName("an API server that is gone: UNKNOWN quickly (no fabric8 retries on connect errors)")
  void unreachable() {
    ApiServerEtcdCheck c = check();
    server.destroy();
    long t0 = System.nanoTime();
    CheckResult r = c.check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Status.UNKNOWN, r.status(), r.reason());
    assertTrue(ms < 2000, "took " + ms + " ms");
  }

  @Test
  @DisplayName("a master URL with a path prefix (Rancher-style proxy) keeps the prefix")
  void masterUrlWithPrefix() {
    server.expect().get().withPath("/k8s/clusters/c-1/readyz/etcd").andReturn(200, "ok").once();
    try (KubernetesClient proxied =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withMasterUrl(server.url("/k8s/clusters/c-1"))
                    .build())
            .build()) {
      CheckResult r =
          new ApiServerEtcdCheck(proxied, ApiServerEtcdCheck.Settings.defaults()).check();
      assertEquals(Status.HEALTHY, r.status(), r.reason());
    }
  }

  @Test
  @DisplayName("timeout must be positive and at most 30 s; default 2 s")
  void settings() {
    assertEquals(Duration.ofSeconds(2), ApiServerEtcdCheck.Settings.defaults().timeout());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new ApiServerEtcdCheck.Settings(Duration.ZERO));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new ApiServerEtcdCheck.Settings(Duration.ofMinutes(1)));
  }
}
