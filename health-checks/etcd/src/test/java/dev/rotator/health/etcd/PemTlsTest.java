package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PEM reading with keys in every format openssl (and kubeadm) writes. */
class PemTlsTest {
  @TempDir static Path dir;
  private static TestPki pki;

  @BeforeAll
  static void makePki() throws Exception {
    pki = new TestPki(dir);
    pki.ca("ca");
    for (String f : List.of("rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-pkcs8")) {
      pki.leaf(f, "ca", f, false);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-pkcs8"})
  @DisplayName("each key format is read, and the key is the private half of its certificate")
  void keyFormats(String format) throws Exception {
    PrivateKey key = PemTls.readPrivateKey(pki.file(format + ".key"));
    Certificate cert = PemTls.readCertificates(pki.file(format + ".crt")).get(0);
    String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    byte[] data = "rotator".getBytes(StandardCharsets.US_ASCII);
    Signature sign = Signature.getInstance(alg);
    sign.initSign(key);
    sign.update(data);
    byte[] sig = sign.sign();
    Signature verify = Signature.getInstance(alg);
    verify.initVerify(cert.getPublicKey());
    verify.update(data);
    assertTrue(verify.verify(sig), format + " key does not match its certificate");
    assertNotNull(
        PemTls.sslContext(
            pki.file("ca.crt"), pki.file(format + ".crt"), pki.file(format + ".key")));
  }

  @Test
  @DisplayName("a CA bundle with several certificates is read whole, in order")
  void bundle() throws Exception {
    Path bundle = dir.resolve("bundle.crt");
    Files.writeString(
        bundle, Files.readString(pki.file("ca.crt")) + Files.readString(pki.file("rsa-pkcs8.crt")));
    assertEquals(2, PemTls.readCertificates(bundle).size());
  }

  @Test
  @DisplayName("an encrypted key is refused with how to fix it")
  void encryptedKey() throws Exception {
    Path enc = dir.resolve("encrypted.key");
    pki.openssl(
        "pkcs8",
        "-topk8",
        "-in",
        pki.file("rsa-pkcs8.key").toString(),
        "-out",
        enc.toString(),
        "-passout",
        "pass:secret");
    InvalidTlsMaterialException e =
        assertThrows(InvalidTlsMaterialException.class, () -> PemTls.readPrivateKey(enc));
    assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
  }

  @Test
  @DisplayName("files without the expected PEM block, or missing, are refused naming the file")
  void wrongFiles() throws Exception {
    Path notPem = dir.resolve("not-pem.txt");
    Files.writeString(notPem, "hello");
    assertTrue(
        assertThrows(InvalidTlsMaterialException.class, () -> PemTls.readPrivateKey(notPem))
            .getMessage()
            .contains("no PEM private key"));
    assertThrows(InvalidTlsMaterialException.class, () -> PemTls.readCertificates(notPem));
    // A certificate where the key should be: no private key inside.
    assertThrows(
        InvalidTlsMaterialException.class, () -> PemTls.readPrivateKey(pki.file("ca.crt")));
    Path missing = dir.resolve("missing.key");
    assertTrue(
        assertThrows(InvalidTlsMaterialException.class, () -> PemTls.readPrivateKey(missing))
            .getMessage()
            .contains(missing.toString()));
    assertThrows(
        InvalidTlsMaterialException.class,
        () -> PemTls.sslContext(null, pki.file("rsa-pkcs8.crt"), null));
  }
}
