package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.core.SystemClock;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import dev.rotator.kubernetes.ConfigMapStateStore;
import dev.rotator.kubernetes.KubeClients;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rotator serve} (the real command, in-process) with {@code slack.enabled}: the Slack runtime's
 * {@code /slack/commands} is mounted on serve's own HTTP server, its freezes and resumes reach the state
 * ConfigMap of the simulated cluster, and its notifier is among the session's alert sinks (the run's own
 * alerts and the freeze announcement reach a loopback fake of the Slack Web API).
 */
class ServeSlackTest {
  /** One outdated node: serve's first pass rotates it, so the run's alerts go to Slack. */
  private static final String SCENARIO = """
      name: serve-slack
      clock: {scale: 100}
      nodeGroups:
        - {name: workers, zones: [sim-a], size: 1, maxSize: 3, cpu: 4, memoryMi: 16384,
           kubeletVersion: v1.30.6, targetVersion: v1.31.2, provisioningSeconds: 30, readySeconds: 5}
      """;
  private static final String SIGNING_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  private static final String BOT_TOKEN = "xoxb-111-222-serveslacktest";
  private static final String TEAM = "T0ACME";
  private static final String CHANNEL = "C0OPS";
  private static final String ALERTS = "C0ALERTS";
  private static final String ALICE = "U0ALICE";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern LISTENING = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final AtomicInteger TRIGGER = new AtomicInteger();

  @TempDir Path tmp;

  /** The Slack Web API on loopback: records each call's method and form parameters; everything answers ok. */
  static final class FakeSlack implements AutoCloseable {
    record Call(String method, Map<String, String> params, String authorization) {
      /** The fallback text and the blocks: what a person would read. */
      String readable() {
        return params.getOrDefault("text", "") + "\n" + params.getOrDefault("blocks", "");
      }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "fake-slack-api");
      t.setDaemon(true);
      return t;
    });
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger ts = new AtomicInteger(1000);

    FakeSlack() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
      server.setExecutor(pool);
      server.createContext("/api/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        String method = ex.getRequestURI().getPath().substring("/api/".length());
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> params = new LinkedHashMap<>();
        for (String kv : body.split("&")) {
          if (!kv.isEmpty()) {
            int eq = kv.indexOf('=');
            params.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
        calls.add(new Call(method, params, ex.getRequestHeaders().getFirst("Authorization")));
        String answer = method.equals("chat.postMessage")
            ? "{\"ok\":true,\"channel\":\"" + params.get("channel") + "\",\"ts\":\"1700000000." + ts.incrementAndGet()
                + "\"}"
            : "{\"ok\":true}";
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }

    List<Call> posted(Predicate<String> readable) {
      return calls.stream().filter(c -> c.method().equals("chat.postMessage") && readable.test(c.readable())).toList();
    }

    String summary() {
      return calls.stream().map(c -> c.method() + " " + c.params().getOrDefault("text", ""))
          .collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
      server.stop(0);
      pool.shutdownNow();
    }
  }

  /** {@code rotator serve} on a thread of this JVM; interrupting it is what SIGTERM does (ShutdownGuard). */
  static final class Served implements AutoCloseable {
    final StringWriter err = new StringWriter();
    final StringWriter out = new StringWriter();
    final AtomicReference<Integer> exit = new AtomicReference<>();
    final Thread thread;
    final int port;

    Served(String... args) throws InterruptedException {
      var cl = RotatorCommand.commandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      thread = new Thread(() -> exit.set(cl.execute(args)), "serve-slack-test");
      thread.start();
      AtomicReference<Matcher> m = new AtomicReference<>();
      await("serve to print its address", () -> {
        if (exit.get() != null) {
          throw new AssertionError("serve ended with exit " + exit.get() + ":\n" + out + err);
        }
        Matcher found = LISTENING.matcher(err.toString());
        m.set(found);
        return found.find();
      });
      port = Integer.parseInt(m.get().group(1));
    }

    @Override
    public void close() throws InterruptedException {
      thread.interrupt();
      thread.join(Duration.ofSeconds(30).toMillis());
      assertFalse(thread.isAlive(), "serve did not stop when interrupted:\n" + err);
      assertEquals(ExitCodes.OK, exit.get(), out.toString() + err);
    }
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  static String commandBody(String text) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("token", "legacy-verification-token");
    f.put("team_id", TEAM);
    f.put("team_domain", "acme");
    f.put("channel_id", CHANNEL);
    f.put("channel_name", "ops");
    f.put("user_id", ALICE);
    f.put("user_name", "alice");
    f.put("command", "/rotator");
    f.put("text", text);
    f.put("api_app_id", "A0ROTATOR");
    f.put("response_url", "http://127.0.0.1:9/response");
    f.put("trigger_id", "123.456." + TRIGGER.incrementAndGet());
    return f.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /** Slack's v0 signature: HMAC-SHA256 of {@code v0:<timestamp>:<body>} under the signing secret. */
  static String signature(String secret, long ts, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "v0=" + HexFormat.of().formatHex(mac.doFinal(("v0:" + ts + ":" + body).getBytes(StandardCharsets.UTF_8)));
  }

  static HttpResponse<String> post(int port, String text, String secret) throws Exception {
    String body = commandBody(text);
    long ts = SystemClock.INSTANCE.now().getEpochSecond();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slack/commands"))
        .timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Slack-Request-Timestamp", Long.toString(ts))
        .header("X-Slack-Signature", signature(secret, ts, body))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private Path config(FakeSlack slack) throws IOException {
    Path signing = Files.writeString(tmp.resolve("signing-secret"), SIGNING_SECRET + "\n");
    Path bot = Files.writeString(tmp.resolve("bot-token"), BOT_TOKEN + "\n");
    String yaml = """
        provider:
          type: sim
        selector:
          kubeletVersionBelow: v1.31.2
        policy:
          # One node: with maxUnavailable 1 the only node could be cordoned and deleted before the surge node
          # registers, and the cluster-state gate refuses to judge a cluster with no nodes (a freeze).
          maxUnavailable: 0
          maxSurge: 1
        gates:
          apiserver:
            enabled: false
        slack:
          enabled: true
          apiUrl: %s
          callTimeout: 5s
          botTokenFile: %s
          signingSecretFile: %s
          alerts:
            channel: %s
            clusterName: sim-cluster
            maxAttempts: 2
          commands:
            mode: http
            teams: [%s]
            channels: [%s]
            freeze:
              users: [%s]
            resume:
              users: [%s]
        """.formatted(slack.url(), bot, signing, ALERTS, TEAM, CHANNEL, ALICE, ALICE);
    return Files.writeString(tmp.resolve("rotator.yaml"), yaml);
  }

  @Test
  @DisplayName("serve with slack.enabled: signed /rotator freeze and resume on serve's own port change the state"
      + " ConfigMap (by slack:<user>), a bad signature gets 401 and changes nothing, and the run's alerts and the"
      + " freeze are posted to Slack")
  void slackOnServe() throws Exception {
    try (FakeSlack slack = new FakeSlack();
        Simulator sim = Simulator.start(Scenario.parse(SCENARIO, "serve-slack"));
        KubernetesClient client = KubeClients.forUrl(sim.apiUrl())) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      sim.writeKubeconfig(kubeconfig);
      Path cfg = config(slack);
      ConfigMapStateStore state = new ConfigMapStateStore(client, SystemClock.INSTANCE,
          ConfigMapStateStore.DEFAULT_NAMESPACE, ConfigMapStateStore.DEFAULT_NAME);

      try (Served serve = new Served("serve", "--listen", "127.0.0.1:0", "--interval", "1m",
          "--kubeconfig", kubeconfig.toString(), "--config", cfg.toString())) {
        // The session's alert sinks include Slack's notifier: the pass that rotates the node is announced.
        await("the run's alerts in Slack", () -> !slack.posted(t -> t.contains("Rotation finished")).isEmpty());
        assertFalse(slack.posted(t -> t.contains("Rotation started")).isEmpty(), slack.summary());
        assertEquals(1, sim.report().nodesRotated(), sim.report().toJson());
        for (FakeSlack.Call c : slack.calls) {
          assertEquals("Bearer " + BOT_TOKEN, c.authorization(), "the bot token from its file, on " + c.method());
        }
        assertEquals(ALERTS, slack.posted(t -> t.contains("Rotation started")).get(0).params().get("channel"));
        assertEquals(Mode.ROTATE, state.mode().mode());

        HttpResponse<String> forged = post(serve.port, "freeze db migration", "not-the-signing-secret-at-all!!");
        assertEquals(401, forged.statusCode(), forged.body());
        assertEquals(Mode.ROTATE, state.mode().mode(), "a badly signed freeze changes nothing");

        HttpResponse<String> freeze = post(serve.port, "freeze db migration", SIGNING_SECRET);
        assertEquals(200, freeze.statusCode(), freeze.body());
        assertTrue(freeze.body().contains("in_channel"), freeze.body());
        ModeState frozen = state.mode();
        assertEquals(Mode.FREEZE, frozen.mode(), frozen.toString());
        assertEquals("MANUAL", frozen.reason());
        assertEquals("db migration", frozen.message());
        assertEquals("slack:" + ALICE, frozen.by());
        await("the freeze announced in Slack",
            () -> !slack.posted(t -> t.contains("FROZEN") && t.contains("slack:" + ALICE)).isEmpty());
        FakeSlack.Call announced = slack.posted(t -> t.contains("FROZEN") && t.contains("slack:" + ALICE)).get(0);
        assertTrue(announced.readable().contains("db migration"), announced.readable());
        assertEquals(ALERTS, announced.params().get("channel"));

        HttpResponse<String> forgedResume = post(serve.port, "resume", "not-the-signing-secret-at-all!!");
        assertEquals(401, forgedResume.statusCode(), forgedResume.body());
        assertEquals(Mode.FREEZE, state.mode().mode(), "a badly signed resume changes nothing");

        HttpResponse<String> resume = post(serve.port, "resume", SIGNING_SECRET);
        assertEquals(200, resume.statusCode(), resume.body());
        ModeState resumed = state.mode();
        assertEquals(Mode.ROTATE, resumed.mode(), resumed.toString());
        assertEquals("slack:" + ALICE, resumed.by());
        await("the resume announced in Slack", () -> !slack.posted(t -> t.contains("resumed")).isEmpty());
      }
    }
  }
}
