package dev.rotator.sim.fault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.core.port.Clock;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fake Prometheus at the wire level: a JDK HTTP server on 127.0.0.1 answering the two calls of
 * Prometheus' HTTP API a gate makes, as Prometheus 2.x answers them:
 *
 * <ul>
 *   <li>{@code GET /api/v1/alerts}: {@code {"status":"success","data":{"alerts":[...]}}} with every alert
 *       currently firing (labels, annotations, {@code state: firing}, {@code activeAt}, value). Like a
 *       kube-prometheus installation, it always has the {@code Watchdog} alert firing ({@code severity:
 *       none}), which a sane matcher does not select;
 *   <li>{@code GET /api/v1/query?query=EXPR}: an instant vector; with one sample without labels when the
 *       scenario scripted a value for {@code EXPR}, empty otherwise. Sample values are strings, as in
 *       Prometheus ({@code "0.25"}, {@code "NaN"}, {@code "+Inf"}); timestamps are simulated time.
 * </ul>
 *
 * Anything else is a 404; another method a 405. Thread-safe.
 */
public final class FakePrometheus implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An alert that fires until resolved. */
  private record Alert(Map<String, String> labels, Instant activeAt) {}

  private final Clock clock;
  private final Map<String, Double> queries;
  private final Map<Object, Alert> firing = new LinkedHashMap<>();
  private final Instant watchdogSince;
  private final HttpServer server;

  private FakePrometheus(Clock clock, Map<String, Double> queries) {
    this.clock = clock;
    this.queries = Map.copyOf(queries);
    this.watchdogSince = clock.now();
    try {
      this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake Prometheus: " + e.getMessage(), e);
    }
    server.createContext("/", this::handle);
  }

  /**
   * Starts on an ephemeral loopback port.
   *
   * @param queries instant-query answers by expression (exact text)
   */
  public static FakePrometheus start(Clock clock, Map<String, Double> queries) {
    FakePrometheus p = new FakePrometheus(clock, queries);
    p.server.start();
    return p;
  }

  /** The base URL, {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Starts reporting an alert as firing; {@code owner} identifies it for {@link #resolve}. */
  public synchronized void fire(Object owner, String alertname, Map<String, String> labels) {
    Map<String, String> all = new TreeMap<>(labels);
    all.put("alertname", alertname);
    firing.put(owner, new Alert(Map.copyOf(all), clock.now()));
  }

  /** Stops reporting the alert {@code owner} fired. */
  public synchronized void resolve(Object owner) {
    firing.remove(owner);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      String path = exchange.getRequestURI().getPath();
      int code;
      String body;
      if (!path.equals("/api/v1/alerts") && !path.equals("/api/v1/query")) {
        code = 404;
        body = null;
      } else if (!exchange.getRequestMethod().equals("GET")) {
        code = 405;
        body = null;
      } else if (path.equals("/api/v1/alerts")) {
        code = 200;
        body = alerts();
      } else {
        String expr = param(exchange.getRequestURI().getRawQuery(), "query");
        if (expr == null || expr.isBlank()) {
          code = 400;
          body = error("bad_data", "invalid parameter \"query\": 1:1: parse error: no expression found in input");
        } else {
          code = 200;
          body = query(expr);
        }
      }
      byte[] bytes =
          (body == null ? (code == 404 ? "404 page not found\n" : "Method Not Allowed\n") : body)
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders()
          .set("Content-Type", body == null ? "text/plain; charset=utf-8" : "application/json");
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private synchronized String alerts() {
    ObjectNode root = JSON.createObjectNode();
    root.put("status", "success");
    ArrayNode list = root.putObject("data").putArray("alerts");
    add(list, new Alert(Map.of("alertname", "Watchdog", "severity", "none"), watchdogSince));
    for (Alert a : firing.values()) {
      add(list, a);
    }
    return root.toString();
  }

  private static void add(ArrayNode list, Alert a) {
    ObjectNode o = list.addObject();
    ObjectNode labels = o.putObject("labels");
    new TreeMap<>(a.labels()).forEach(labels::put);
    o.putObject("annotations").put("summary", "simulated alert " + a.labels().get("alertname"));
    o.put("state", "firing");
    o.put("activeAt", a.activeAt().toString());
    o.put("value", "1e+00");
  }

  private String query(String expr) {
    ObjectNode root = JSON.createObjectNode();
    root.put("status", "success");
    ObjectNode data = root.putObject("data");
    data.put("resultType", "vector");
    ArrayNode result = data.putArray("result");
    Double v = queries.get(expr);
    if (v != null) {
      ObjectNode sample = result.addObject();
      sample.putObject("metric");
      ArrayNode value = sample.putArray("value");
      value.add(clock.now().toEpochMilli() / 1000.0);
      value.add(format(v));
    }
    return root.toString();
  }

  private static String error(String type, String message) {
    ObjectNode root = JSON.createObjectNode();
    root.put("status", "error");
    root.put("errorType", type);
    root.put("error", message);
    return root.toString();
  }

  /** As Prometheus writes a sample value (Go's strconv.FormatFloat(v, 'f', -1, 64), ±Inf, NaN). */
  static String format(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    String s = BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    return s.equals("-0") ? "0" : s;
  }

  private static String param(String rawQuery, String key) {
    if (rawQuery == null) {
      return null;
    }
    for (String part : rawQuery.split("&")) {
      int eq = part.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
      if (k.equals(key)) {
        return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
