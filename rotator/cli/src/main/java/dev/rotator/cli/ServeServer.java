package dev.rotator.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.observability.RotationMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code rotator serve}'s HTTP server (the JDK's): {@code GET /metrics} (Prometheus text format 0.0.4),
 * {@code /healthz} (200 while the reconcile loop lives), {@code /readyz} (200 once the loop has reached the
 * API server and while its last attempt did), and whatever {@link #mount} adds ({@code /slack/commands}).
 */
public final class ServeServer implements AutoCloseable {
  /** How long {@link #close()} lets exchanges in progress finish. */
  static final int STOP_SECONDS = 2;

  private final HttpServer server;
  private final ExecutorService pool;

  private ServeServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Binds {@code host:port} (port 0: any free one) and starts serving. */
  public static ServeServer start(String host, int port, RotationMetrics metrics, BooleanSupplier alive,
      BooleanSupplier ready) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UsageException("serve.listen " + host + ":" + port + ": cannot bind: " + e.getMessage());
    }
    // Two threads: a slow handler (a Slack command) never holds up a scrape or a probe.
    ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "rotator-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    ServeServer s = new ServeServer(server, pool);
    s.mount("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    s.mount("/healthz", ex -> probe(ex, alive.getAsBoolean()));
    s.mount("/readyz", ex -> probe(ex, ready.getAsBoolean()));
    server.start();
    return s;
  }

  /** Serves {@code path} (and everything under it) with {@code handler}; for the Slack endpoint. */
  public void mount(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  /** The bound port (the chosen one when started with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(STOP_SECONDS);
    pool.shutdownNow();
  }

  private static void probe(HttpExchange ex, boolean ok) {
    reply(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ready\n");
  }

  private static void reply(HttpExchange ex, int status, String type, String body) {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      boolean head = ex.getRequestMethod().equals("HEAD");
      ex.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      // The client went away mid-response: there is nobody left to tell, and nothing of rotator's changed.
    }
  }
}
