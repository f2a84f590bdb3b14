package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.CheckResult.Status;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The etcd gate over https against a real etcd requiring client certificates ({@code
 * --client-cert-auth}, as kubeadm configures it), with a PKI made by the real openssl.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("EtcdQuorumCheck over TLS against a real etcd with client-cert-auth")
class EtcdQuorumCheckTlsTest {
  @TempDir static Path dir;
  private TestPki pki;
  private EtcdProcesses etcd;

  /** A second etcd whose certificate names another host: host name verification must reject it. */
  private EtcdProcesses misnamed;

  @BeforeAll
  void start() throws Exception {
    pki = new TestPki(dir);
    pki.ca("ca")
        .ca("other-ca")
        .leaf("server", "ca", "rsa-pkcs8", true)
        .leaf("client-rsa", "ca", "rsa-pkcs1", false)
        .leaf("client-ec", "ca", "ec-sec1", false)
        .leaf("intruder", "other-ca", "rsa-pkcs8", false)
        .leaf("misnamed", "ca", "rsa-pkcs8", true, "DNS:etcd.elsewhere.invalid");
    SSLContext trusted =
        PemTls.sslContext(
            pki.file("ca.crt"), pki.file("client-rsa.crt"), pki.file("client-rsa.key"));
    etcd =
        EtcdProcesses.start(
            pki.dir.resolve("member"),
            1,
            new EtcdProcesses.ServerTls(
                pki.file("server.crt"), pki.file("server.key"), pki.file("ca.crt"), true),
            p -> p.awaitHealthy(Duration.ofSeconds(30), trusted));
  }

  @AfterAll
  void stop() {
    if (etcd != null) {
      etcd.close();
    }
    if (misnamed != null) {
      misnamed.close();
    }
  }

  private CheckResult check(Path ca, String client) {
    EtcdQuorumCheck.Settings s =
        EtcdQuorumCheck.Settings.defaults()
            .withEndpoints(etcd.clientUrls())
            .withTls(
                ca,
                client == null ? null : pki.file(client + ".crt"),
                client == null ? null : pki.file(client + ".key"));
    return new EtcdQuorumCheck(s).check();
  }

  @Test
  @DisplayName("CA + client certificate with a PKCS#1 RSA key (kubeadm's format): HEALTHY 1/1")
  void rsaClient() {
    CheckResult r = check(pki.file("ca.crt"), "client-rsa");
    assertEquals(Status.HEALTHY, r.status(), r.reason());
    assertEquals("1", r.values().get("membersHealthy"));
    assertTrue(etcd.clientUrls().get(0).getScheme().equals("https"));
  }

  @Test
  @DisplayName("CA + client certificate with a SEC1 EC key: HEALTHY 1/1")
  void ecClient() {
    CheckResult r = check(pki.file("ca.crt"), "client-ec");
    assertEquals(Status.HEALTHY, r.status(), r.reason());
  }

  @Test
  @DisplayName(
      "no client certificate while etcd requires one: UNHEALTHY, the member named as failed")
  void noClientCertificate() {
    CheckResult r = check(pki.file("ca.crt"), null);
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("TLS failure"), r.reason());
    assertTrue(r.reason().contains(etcd.clientUrls().get(0).toString()), r.reason());
  }

  @Test
  @DisplayName("a client certificate from a CA etcd does not trust: UNHEALTHY")
  void untrustedClient() {
    CheckResult r = check(pki.file("ca.crt"), "intruder");
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("TLS failure"), r.reason());
  }

  @Test
  @DisplayName(
      "verification is never off: trusting another CA, or the JVM defaults, rejects etcd's"
          + " certificate")
  void serverNotTrusted() {
    CheckResult wrongCa = check(pki.file("other-ca.crt"), "client-rsa");
    assertEquals(Status.UNHEALTHY, wrongCa.status(), wrongCa.reason());
    assertTrue(wrongCa.reason().contains("TLS failure"), wrongCa.reason());

    CheckResult jvmDefaults = check(null, "client-rsa");
    assertEquals(Status.UNHEALTHY, jvmDefaults.status(), jvmDefaults.reason());
    assertTrue(jvmDefaults.reason().contains("TLS failure"), jvmDefaults.reason());
  }

  @Test
  @DisplayName(
      "host name verification is on: a certificate from the trusted CA for another name is"
          + " rejected")
  void wrongHostName() throws Exception {
    Path memberDir = pki.dir.resolve("misnamed-member");
    misnamed =
        EtcdProcesses.start(
            memberDir,
            1,
            new EtcdProcesses.ServerTls(
                pki.file("misnamed.crt"), pki.file("misnamed.key"), pki.file("ca.crt"), true),
            // Readiness through the log: no client of ours can connect to it with verification on.
            p -> p.awaitLog("serving client traffic securely", Duration.ofSeconds(30)));
    EtcdQuorumCheck.Settings s =
        EtcdQuorumCheck.Settings.defaults()
            .withEndpoints(misnamed.clientUrls())
            .withTls(pki.file("ca.crt"), pki.file("client-rsa.crt"), pki.file("client-rsa.key"));
    CheckResult r = new EtcdQuorumCheck(s).check();
    assertEquals(Status.UNHEALTHY, r.status(), r.reason());
    assertTrue(r.reason().contains("TLS failure"), r.reason());
    assertTrue(r.reason().contains("127.0.0.1"), r.reason());
  }
}
