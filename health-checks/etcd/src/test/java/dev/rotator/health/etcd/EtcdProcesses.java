package dev.rotator.health.etcd;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * Real etcd servers from Debian's {@code etcd-server} package, on free loopback ports, one data
 * directory each under a temp dir. Members can be killed (SIGKILL, like a crashed node) and
 * restarted on the same data directory and ports. {@link #close()} kills whatever still runs; tests
 * call it in a finally or an {@code @AfterAll}.
 */
final class EtcdProcesses implements AutoCloseable {
  static final String PACKAGE_HINT =
      "install etcd-server (apt-get install -y --no-install-recommends etcd-server)";

  /** One member's fixed identity: its name, ports and data directory survive restarts. */
  static final class Member {
    final String name;
    final int clientPort;
    final int peerPort;
    final Path dataDir;
    final Path log;
    Process process;

    Member(String name, int clientPort, int peerPort, Path dataDir, Path log) {
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.dataDir = dataDir;
      this.log = log;
    }

    URI clientUrl(String scheme) {
      return URI.create(scheme + "://127.0.0.1:" + clientPort);
    }

    URI peerUrl() {
      return URI.create("http://127.0.0.1:" + peerPort);
    }

    boolean running() {
      return process != null && process.isAlive();
    }
  }

  /** Server-side TLS for the client port; peers stay on plain http (loopback only). */
  record ServerTls(Path cert, Path key, Path ca, boolean clientCertAuth) {}

  private final String binary;
  private final Path dir;
  private final List<Member> members = new ArrayList<>();
  private final ServerTls tls;

  private EtcdProcesses(String binary, Path dir, List<Integer> ports, ServerTls tls) {
    this.binary = binary;
    this.dir = dir;
    this.tls = tls;
    for (int i = 0; i < ports.size() / 2; i++) {
      String name = "m" + i;
      members.add(
          new Member(
              name,
              ports.get(2 * i),
              ports.get(2 * i + 1),
              dir.resolve(name + ".etcd"),
              dir.resolve(name + ".log")));
    }
  }

  /** How a test decides the freshly started members are up. */
  interface Readiness {
    void await(EtcdProcesses p) throws InterruptedException;
  }

  /** A member exited because another process took its port between our probe and its bind. */
  static final class PortClash extends AssertionError {
    private static final long serialVersionUID = 1L;

    PortClash(String message) {
      super(message);
    }
  }

  private static final int START_ATTEMPTS = 3;

  /**
   * Starts {@code size} members forming one new cluster and waits for {@code ready}. Free ports are
   * found by binding port 0 and releasing it, so another process (this box runs other builds) can
   * take one before etcd binds it: then the attempt is thrown away and repeated on new ports and a
   * new directory, at most {@value #START_ATTEMPTS} times.
   */
  static EtcdProcesses start(Path dir, int size, ServerTls tls, Readiness ready)
      throws IOException, InterruptedException {
    String binary = etcdBinary();
    PortClash last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      Path attemptDir = Files.createDirectories(dir.resolve("attempt-" + attempt));
      EtcdProcesses p = new EtcdProcesses(binary, attemptDir, freePorts(2 * size), tls);
      try {
        for (Member m : p.members) {
          p.launch(m);
        }
        ready.await(p);
        return p;
      } catch (PortClash e) {
        p.close();
        last = e;
      } catch (IOException | RuntimeException | InterruptedException | Error e) {
        p.close();
        throw e;
      }
    }
    throw last;
  }

  /** The etcd server binary; fails the test (never skips) when it is missing. */
  static String etcdBinary() {
    return binaryOnPath("etcd", PACKAGE_HINT);
  }

  /**
   * The absolute path of {@code name} on PATH; an AssertionError saying {@code hint} when missing.
   */
  static String binaryOnPath(String name, String hint) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String d : path.split(File.pathSeparator)) {
      if (d.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(d, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError("no '" + name + "' binary on PATH (" + path + "): " + hint);
  }

  List<Member> members() {
    return members;
  }

  Member member(int i) {
    return members.get(i);
  }

  List<URI> clientUrls() {
    String scheme = tls == null ? "http" : "https";
    return members.stream().map(m -> m.clientUrl(scheme)).toList();
  }

  /** SIGKILL, as a crashed node: no graceful leadership transfer. Waits (bounded) for the exit. */
  void kill(Member m) throws InterruptedException {
    if (m.process == null) {
      return;
    }
    m.process.destroyForcibly();
    if (!m.process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("etcd " + m.name + " did not die within 10 s of SIGKILL");
    }
  }

  /** Starts a stopped member again on its old data directory and ports. */
  void restart(Member m) throws IOException {
    if (m.running()) {
      throw new IllegalStateException(m.name + " is still running");
    }
    launch(m);
  }

  private void launch(Member m) throws IOException {
    String clientScheme = tls == null ? "http" : "https";
    StringBuilder initial = new StringBuilder();
    for (Member o : members) {
      if (initial.length() > 0) {
        initial.append(',');
      }
      initial.append(o.name).append('=').append(o.peerUrl());
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary,
                "--name",
                m.name,
                "--data-dir",
                m.dataDir.toString(),
                "--listen-client-urls",
                m.clientUrl(clientScheme).toString(),
                "--advertise-client-urls",
                m.clientUrl(clientScheme).toString(),
                "--listen-peer-urls",
                m.peerUrl().toString(),
                "--initial-advertise-peer-urls",
                m.peerUrl().toString(),
                "--initial-cluster",
                initial.toString(),
                // Ignored by etcd once the data directory exists: a restart rejoins the same
                // cluster.
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                "rotator-test-" + dir.getFileName(),
                "--logger",
                "zap",
                "--log-outputs",
                "stderr"));
    if (tls != null) {
      cmd.addAll(
          List.of(
              "--cert-file",
              tls.cert().toString(),
              "--key-file",
              tls.key().toString(),
              "--trusted-ca-file",
              tls.ca().toString(),
              "--client-cert-auth=" + tls.clientCertAuth()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile()));
    // The test's environment must not configure etcd behind our back (ETCD_* variables are flags).
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
    m.process = pb.start();
  }

  /**
   * Waits until every running member answers {@code /health} true, polling every 100 ms up to
   * {@code limit}; fails with the members' logs otherwise.
   */
  void awaitHealthy(Duration limit, SSLContext ssl) throws InterruptedException {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1));
    if (ssl != null) {
      b.sslContext(ssl);
    }
    HttpClient http = b.build();
    String scheme = tls == null ? "http" : "https";
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      boolean all = true;
      for (Member m : members) {
        if (!m.running()) {
          if (m.process != null) {
            throw exited(m);
          }
          continue;
        }
        all &= healthy(http, m.clientUrl(scheme).resolve("/health"));
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder logs = new StringBuilder();
        for (Member m : members) {
          logs.append("\n--- ").append(m.name).append(" ---\n").append(tail(m));
        }
        throw new AssertionError("etcd not healthy within " + limit + logs);
      }
      Thread.sleep(100);
    }
  }

  /**
   * Waits until every member's log contains {@code line}, polling every 100 ms up to {@code limit}.
   */
  void awaitLog(String line, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      boolean all = true;
      for (Member m : members) {
        if (!m.running()) {
          throw exited(m);
        }
        try {
          all &= Files.exists(m.log) && Files.readString(m.log).contains(line);
        } catch (IOException e) {
          all = false;
        }
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("etcd never logged '" + line + "' within " + limit);
      }
      Thread.sleep(100);
    }
  }

  private static boolean healthy(HttpClient http, URI uri) throws InterruptedException {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"true\"");
    } catch (IOException e) {
      return false;
    }
  }

  private static AssertionError exited(Member m) {
    String log = tail(m);
    if (log.contains("address already in use")) {
      return new PortClash("etcd " + m.name + " lost its port to another process: " + log);
    }
    return new AssertionError("etcd " + m.name + " exited: " + log);
  }

  static String tail(Member m) {
    try {
      List<String> lines = Files.readAllLines(m.log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * {@code n} distinct free loopback ports below the kernel's ephemeral range, so that no outgoing
   * connection (the surviving members keep dialing a killed one) can take a killed member's port
   * before it restarts. Each candidate is bound once to prove it free; all are held, then released.
   */
  private static List<Integer> freePorts(int n) throws IOException {
    int ephemeralLow = 32768;
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      ephemeralLow = Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // Not Linux, or unreadable: keep the usual default.
    }
    int low = 10000;
    int span = Math.max(1000, ephemeralLow - low);
    java.util.Random random =
        new java.util.Random(System.nanoTime() ^ ProcessHandle.current().pid());
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int tries = 0; ports.size() < n && tries < 200; tries++) {
        int port = low + random.nextInt(span);
        if (ports.contains(port)) {
          continue;
        }
        try {
          held.add(new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress()));
          ports.add(port);
        } catch (IOException taken) {
          // In use: try another.
        }
      }
      if (ports.size() < n) {
        throw new IOException("no " + n + " free loopback ports found in 200 tries");
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  @Override
  public void close() {
    for (Member m : members) {
      if (m.process != null && m.process.isAlive()) {
        m.process.destroyForcibly();
      }
    }
    for (Member m : members) {
      if (m.process != null) {
        try {
          m.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
