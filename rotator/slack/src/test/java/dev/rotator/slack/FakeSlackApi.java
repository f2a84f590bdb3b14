package dev.rotator.slack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The Slack Web API on loopback, for the real Slack client ({@code setMethodsEndpointUrlPrefix(url())}):
 * records every call (method, form parameters, Authorization header) and answers from a per-method
 * script, defaulting to {@code {"ok":true}} with a fresh {@code ts} for chat.postMessage. Also stands in for
 * the {@code response_url}s of slash commands ({@link #responseUrl}): records what is posted there.
 */
final class FakeSlackApi implements AutoCloseable {
  record Call(String method, Map<String, String> params, String authorization) {
    /** A parameter; JSON ones (blocks) re-serialized without Gson's HTML escaping, so text reads as sent. */
    String param(String k) {
      String v = params.getOrDefault(k, "");
      if (k.equals("blocks") && !v.isEmpty()) {
        return new com.google.gson.GsonBuilder().disableHtmlEscaping().create()
            .toJson(com.google.gson.JsonParser.parseString(v));
      }
      return v;
    }
  }

  /** A message posted to a response_url: the path's last segment and the JSON body. */
  record Posted(String id, String json) {
    String text() {
      return com.google.gson.JsonParser.parseString(json).getAsJsonObject().get("text").getAsString();
    }

    String responseType() {
      return com.google.gson.JsonParser.parseString(json).getAsJsonObject().get("response_type").getAsString();
    }
  }

  record Answer(int status, Map<String, String> headers, String body) {
    static Answer ok(String json) {
      return new Answer(200, Map.of(), json);
    }
  }

  private final HttpServer server;
  private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  private final List<Call> all = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Answer>> scripted = new HashMap<>();
  private final Map<String, Function<Call, Answer>> defaults = new HashMap<>();
  private volatile CountDownLatch gate;
  private int ts = 1000;
  private final BlockingQueue<Posted> posted = new LinkedBlockingQueue<>();
  private volatile int responseStatus = 200;

  FakeSlackApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "fake-slack");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/api/", this::handle);
    server.createContext("/response/", this::respond);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
  }

  /** A response_url on this server; what is posted there is returned by {@link #nextPosted}. */
  String responseUrl(String id) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/response/" + id;
  }

  /** The HTTP status response_urls answer with from now on (Slack: 404 once expired). */
  void responseStatus(int status) {
    responseStatus = status;
  }

  /** The next message posted to a response_url, waiting at most 5 seconds; fails the test when none comes. */
  Posted nextPosted() throws InterruptedException {
    Posted p = posted.poll(5, TimeUnit.SECONDS);
    if (p == null) {
      throw new AssertionError("nothing posted to a response_url within 5 s");
    }
    return p;
  }

  /** Messages posted to response_urls and not yet taken. */
  int postedWaiting() {
    return posted.size();
  }

  private void respond(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      posted.add(new Posted(path.substring(path.lastIndexOf('/') + 1),
          new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      int status = responseStatus;
      byte[] bytes = (status == 200 ? "ok" : "expired_url").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The next answers for a method, in order; after them the default. */
  synchronized FakeSlackApi script(String method, Answer... answers) {
    scripted.computeIfAbsent(method, k -> new ArrayDeque<>()).addAll(List.of(answers));
    return this;
  }

  synchronized FakeSlackApi always(String method, Function<Call, Answer> answer) {
    defaults.put(method, answer);
    return this;
  }

  /** Requests wait until {@link #release()} (they are recorded first). */
  void hold() {
    gate = new CountDownLatch(1);
  }

  void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  /** The next call, waiting at most 5 seconds; fails the test when none comes. */
  Call next() throws InterruptedException {
    Call c = calls.poll(5, TimeUnit.SECONDS);
    if (c == null) {
      throw new AssertionError("no Slack API call within 5 s; calls so far: " + all);
    }
    return c;
  }

  /** The next call if one comes within {@code ms}. */
  Call poll(long ms) throws InterruptedException {
    return calls.poll(ms, TimeUnit.MILLISECONDS);
  }

  List<Call> all() {
    return List.copyOf(all);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestURI().getPath().substring("/api/".length());
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> params = new LinkedHashMap<>();
      for (String kv : body.split("&")) {
        if (kv.isEmpty()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
        params.put(k, v);
      }
      Call call = new Call(method, params, ex.getRequestHeaders().getFirst("Authorization"));
      all.add(call);
      calls.add(call);
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Answer a = answerFor(call);
      byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
      a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      ex.sendResponseHeaders(a.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  private synchronized Answer answerFor(Call call) {
    Deque<Answer> q = scripted.get(call.method());
    if (q != null && !q.isEmpty()) {
      return q.pollFirst();
    }
    Function<Call, Answer> d = defaults.get(call.method());
    if (d != null) {
      return d.apply(call);
    }
    if (call.method().equals("chat.postMessage")) {
      ts++;
      return Answer.ok("{\"ok\":true,\"channel\":\"" + call.param("channel") + "\",\"ts\":\"1700000000." + ts + "\"}");
    }
    return Answer.ok("{\"ok\":true}");
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
