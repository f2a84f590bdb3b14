package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.engine.ReasonCode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EtcdSettingsTest {
  private static EtcdQuorumCheck.Settings endpoints(String... urls) {
    return EtcdQuorumCheck.Settings.defaults()
        .withEndpoints(java.util.Arrays.stream(urls).map(URI::create).toList());
  }

  private static void rejected(String expectedPart, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
  }

  @Test
  @DisplayName("defaults: etcd's own client URL http://127.0.0.1:2379, 2 s per request, no TLS")
  void defaults() {
    EtcdQuorumCheck.Settings d = EtcdQuorumCheck.Settings.defaults();
    assertEquals(List.of(URI.create("http://127.0.0.1:2379")), d.endpoints());
    assertEquals(Duration.ofSeconds(2), d.timeout());
    assertNull(d.caFile());
    assertNull(d.certFile());
    assertNull(d.keyFile());
    EtcdQuorumCheck check = new EtcdQuorumCheck(d);
    assertEquals("etcd", check.name());
    assertEquals(ReasonCode.ETCD_QUORUM, check.reasonCode());
  }

  @Test
  @DisplayName("endpoints are normalized: scheme lower case, trailing slash dropped")
  void normalized() {
    EtcdQuorumCheck.Settings s = endpoints("HTTP://10.0.0.1:2379/", "https://etcd-1.internal:2379");
    assertEquals(
        List.of(URI.create("http://10.0.0.1:2379"), URI.create("https://etcd-1.internal:2379")),
        s.endpoints());
  }

  @Test
  @DisplayName("bad endpoints are refused with the reason: empty, scheme, port, path, duplicate")
  void badEndpoints() {
    rejected("at least one", () -> endpoints());
    rejected("scheme must be http or https", () -> endpoints("grpc://10.0.0.1:2379"));
    rejected("explicit port", () -> endpoints("http://10.0.0.1"));
    rejected("no path", () -> endpoints("http://10.0.0.1:2379/v3"));
    rejected("no path", () -> endpoints("http://user:pw@10.0.0.1:2379"));
    rejected("listed twice", () -> endpoints("http://10.0.0.1:2379", "http://10.0.0.1:2379/"));
  }

  @Test
  @DisplayName("timeout must be positive and at most 30 s")
  void timeouts() {
    EtcdQuorumCheck.Settings d = EtcdQuorumCheck.Settings.defaults();
    rejected("timeout", () -> d.withTimeout(Duration.ZERO));
    rejected("timeout", () -> d.withTimeout(Duration.ofSeconds(-1)));
    rejected("timeout", () -> d.withTimeout(Duration.ofSeconds(31)));
    assertEquals(Duration.ofSeconds(30), d.withTimeout(Duration.ofSeconds(30)).timeout());
  }

  @Test
  @DisplayName("TLS files: cert and key go together, and are refused when no endpoint uses https")
  void tlsFiles() {
    EtcdQuorumCheck.Settings https = endpoints("https://10.0.0.1:2379");
    rejected("certFile and keyFile go together", () -> https.withTls(null, Path.of("c.crt"), null));
    rejected("certFile and keyFile go together", () -> https.withTls(null, null, Path.of("c.key")));
    rejected(
        "no endpoint uses https",
        () -> EtcdQuorumCheck.Settings.defaults().withTls(Path.of("ca.crt"), null, null));
  }

  @Test
  @DisplayName("a configured CA file that does not exist stops the check from being built")
  void missingCaFile() {
    EtcdQuorumCheck.Settings s =
        endpoints("https://10.0.0.1:2379").withTls(Path.of("/nonexistent/ca.crt"), null, null);
    InvalidTlsMaterialException e =
        assertThrows(InvalidTlsMaterialException.class, () -> new EtcdQuorumCheck(s));
    assertTrue(e.getMessage().contains("/nonexistent/ca.crt"), e.getMessage());
  }
}
