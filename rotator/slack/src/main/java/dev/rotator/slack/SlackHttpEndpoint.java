package dev.rotator.slack;

import com.slack.api.bolt.App;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.RequestHeaders;
import com.slack.api.bolt.response.Response;
import com.slack.api.bolt.util.SlackRequestParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /slack/commands}: Slack's request URL for slash commands in HTTP mode, as a JDK {@link
 * HttpHandler} that {@code rotator serve} mounts on its server. Order: method and size, then {@link
 * SlackRequestVerifier} (401 for a missing header, a bad signature, a timestamp off by more than five
 * minutes either way, a replay; nothing reaches a handler), then Bolt's request parser and {@link App#run}
 * (which checks the signature again) and its response written back as is.
 *
 * <p>One exception, before the signature check: Slack's {@code ssl_check} (a form POST with {@code
 * ssl_check=1} and a token, sent unsigned by older apps when the Request URL is saved) gets 200 with an empty
 * body. Such a request is answered here and never goes further, whatever else its body holds, so carrying
 * {@code ssl_check} cannot get an unsigned command to a handler; it touches no state (not even the replay
 * cache) and is not audited.
 */
public final class SlackHttpEndpoint implements HttpHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlackHttpEndpoint.class);
  public static final String PATH = "/slack/commands";
  static final int MAX_BODY = 64 * 1024;

  private final App app;
  private final SlackRequestVerifier verifier;
  private final SlackRequestParser parser;
  private HttpServer server;
  private ExecutorService executor;

  public SlackHttpEndpoint(App app, SlackRequestVerifier verifier) {
    this.app = Objects.requireNonNull(app, "app");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.parser = new SlackRequestParser(app.config());
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        send(ex, 405, "text/plain", "POST only");
        return;
      }
      byte[] body = readBody(ex.getRequestBody());
      if (body == null) {
        send(ex, 413, "text/plain", "request too large");
        return;
      }
      if (isSslCheck(body)) {
        LOG.debug("slack: answered an ssl_check");
        send(ex, 200, "text/plain", "");
        return;
      }
      SlackRequestVerifier.Verdict v =
          verifier.verify(
              ex.getRequestHeaders().getFirst(SlackRequestVerifier.SIGNATURE),
              ex.getRequestHeaders().getFirst(SlackRequestVerifier.TIMESTAMP),
              body);
      if (v != SlackRequestVerifier.Verdict.OK) {
        LOG.warn("slack: refused a request from {}: {}", ex.getRemoteAddress().getAddress().getHostAddress(), v);
        send(ex, v == SlackRequestVerifier.Verdict.BUSY ? 503 : 401, "application/json", "{\"error\":\"invalid request\"}");
        return;
      }
      Map<String, List<String>> headers = new HashMap<>();
      ex.getRequestHeaders().forEach((k, values) -> headers.put(k, List.copyOf(values)));
      SlackRequestParser.HttpRequest raw =
          SlackRequestParser.HttpRequest.builder()
              .requestUri(ex.getRequestURI().getPath())
              .queryString(Map.of())
              .headers(new RequestHeaders(headers))
              .requestBody(new String(body, StandardCharsets.UTF_8))
              .remoteAddress(ex.getRemoteAddress().getAddress().getHostAddress())
              .build();
      Request<?> req;
      try {
        req = parser.parse(raw);
      } catch (RuntimeException e) {
        // A signed body Bolt cannot decode (broken percent-escapes): answer, change nothing.
        LOG.warn("slack: refused a signed request Bolt could not parse: {}", Secret.describe(e));
        send(ex, 400, "application/json", "{\"error\":\"malformed request\"}");
        return;
      }
      Response resp;
      try {
        resp = app.run(req);
      } catch (Exception e) {
        LOG.error("slack: request handling failed: {}", Secret.describe(e));
        send(ex, 500, "text/plain", "internal error");
        return;
      }
      for (Map.Entry<String, List<String>> h : resp.getHeaders().entrySet()) {
        for (String value : h.getValue()) {
          ex.getResponseHeaders().add(h.getKey(), value);
        }
      }
      send(ex, resp.getStatusCode(), resp.getContentType(), resp.getBody() == null ? "" : resp.getBody());
    }
  }

  /** Whether a form body has an {@code ssl_check} field (names are decoded; a command's text cannot fake one). */
  static boolean isSslCheck(byte[] body) {
    String form = new String(body, StandardCharsets.UTF_8);
    for (String kv : form.split("&")) {
      int eq = kv.indexOf('=');
      String name = eq < 0 ? kv : kv.substring(0, eq);
      try {
        if (URLDecoder.decode(name, StandardCharsets.UTF_8).equals("ssl_check")) {
          return true;
        }
      } catch (IllegalArgumentException e) {
        return false; // not a form Slack sent; the signature check answers it
      }
    }
    return false;
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] b = in.readNBytes(MAX_BODY + 1);
    return b.length > MAX_BODY ? null : b;
  }

  private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /**
   * Serves {@link #PATH} on its own server (for tests, or when nothing else serves HTTP). Port 0 picks a
   * free one. Returns the bound address.
   */
  public synchronized InetSocketAddress start(String host, int port) throws IOException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "slack-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext(PATH, this);
    server.start();
    app.start();
    return server.getAddress();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      try {
        executor.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server = null;
    }
  }
}
