package dev.rotator.health.etcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the real {@code openssl} binary: a CA, a server certificate for
 * 127.0.0.1 (IP SAN), and client certificates with keys in the formats deployments really have
 * (PKCS#1 RSA as kubeadm writes, SEC1 EC, PKCS#8).
 */
final class TestPki {
  final Path dir;

  TestPki(Path dir) {
    this.dir = dir;
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  /** A self-signed CA: {@code <name>.crt}, {@code <name>.key}. */
  TestPki ca(String name) throws IOException, InterruptedException {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "2",
        "-subj",
        "/CN=" + name,
        "-keyout",
        file(name + ".key").toString(),
        "-out",
        file(name + ".crt").toString());
    return this;
  }

  /**
   * A leaf certificate {@code <name>.crt} signed by {@code ca}, with key {@code <name>.key} in the
   * given format: {@code rsa-pkcs1}, {@code rsa-pkcs8}, {@code ec-sec1} or {@code ec-pkcs8}.
   */
  TestPki leaf(String name, String ca, String keyFormat, boolean server)
      throws IOException, InterruptedException {
    return leaf(name, ca, keyFormat, server, "IP:127.0.0.1");
  }

  /** As {@link #leaf(String, String, String, boolean)}, a server certificate for {@code san}. */
  TestPki leaf(String name, String ca, String keyFormat, boolean server, String san)
      throws IOException, InterruptedException {
    Path key = file(name + ".key");
    switch (keyFormat) {
      case "rsa-pkcs1" -> openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
      case "rsa-pkcs8" -> openssl("genpkey", "-algorithm", "RSA", "-out", key.toString());
      case "ec-sec1" ->
          openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
      case "ec-pkcs8" ->
          openssl(
              "genpkey",
              "-algorithm",
              "EC",
              "-pkeyopt",
              "ec_paramgen_curve:P-256",
              "-out",
              key.toString());
      default -> throw new IllegalArgumentException(keyFormat);
    }
    Path csr = file(name + ".csr");
    openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=" + name, "-out", csr.toString());
    Path ext = file(name + ".ext");
    Files.writeString(
        ext,
        server
            // clientAuth too, as kubeadm issues it: etcd's JSON gateway dials etcd's own gRPC port
            // presenting the server certificate, which --client-cert-auth then verifies as a
            // client.
            ? "subjectAltName=" + san + "\nextendedKeyUsage=serverAuth,clientAuth\n"
            : "extendedKeyUsage=clientAuth\n",
        StandardCharsets.US_ASCII);
    openssl(
        "x509",
        "-req",
        "-sha256",
        "-days",
        "2",
        "-in",
        csr.toString(),
        "-CA",
        file(ca + ".crt").toString(),
        "-CAkey",
        file(ca + ".key").toString(),
        "-set_serial",
        Long.toString(System.nanoTime() & 0xffffffL),
        "-extfile",
        ext.toString(),
        "-out",
        file(name + ".crt").toString());
    return this;
  }

  void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(EtcdProcesses.binaryOnPath("openssl", "install openssl (apt-get install -y openssl)"));
    cmd.addAll(List.of(args));
    Path log = dir.resolve("openssl.log");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("openssl " + String.join(" ", args) + " hung");
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(
          "openssl " + String.join(" ", args) + " failed:\n" + Files.readString(log));
    }
  }
}
