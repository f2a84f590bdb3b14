package dev.rotator.sim.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP front for the simulated API server that can reset connections, which MockWebServer cannot do: it reads
 * each HTTP/1.1 request head from the client, asks {@link ApiFaults#resetFor} whether to reset it and, if so,
 * closes the client's socket with SO_LINGER 0 (a TCP RST, "connection reset by peer") without passing the
 * request on: the server never carries it out. Otherwise the request is forwarded byte for byte and the
 * answer copied back unchanged.
 *
 * <p>After a WebSocket upgrade or a chunked request body the connection is copied through unparsed (and not
 * reset any more). Only started when a scenario has a {@code connectionResets} fault. Each connection costs two
 * daemon threads, bounded by the client's connection pool.
 */
final class ResetProxy implements AutoCloseable {
  /** Longest request head read; longer heads are passed through unparsed. */
  static final int MAX_HEAD = 64 * 1024;

  private final ApiFaults faults;
  private final int backendPort;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  ResetProxy(ApiFaults faults, int backendPort) {
    this.faults = faults;
    this.backendPort = backendPort;
    try {
      this.server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the connection-reset proxy on 127.0.0.1: " + e.getMessage(), e);
    }
    Thread acceptor = new Thread(this::acceptLoop, "sim-reset-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket backend;
      try {
        backend = new Socket(InetAddress.getByName("127.0.0.1"), backendPort);
        client.setTcpNoDelay(true);
        backend.setTcpNoDelay(true);
      } catch (IOException e) {
        quietClose(client);
        continue;
      }
      sockets.add(client);
      sockets.add(backend);
      start("sim-reset-proxy-up", () -> upstream(client, backend));
      start("sim-reset-proxy-down", () -> copy(backend, client));
    }
  }

  private static void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  /** Client to server, one request at a time. */
  private void upstream(Socket client, Socket backend) {
    try (client; backend) {
      InputStream in = client.getInputStream();
      OutputStream out = backend.getOutputStream();
      while (!closed) {
        byte[] head = readHead(in);
        if (head == null) {
          return; // the client closed its connection
        }
        Head h = Head.parse(head);
        if (h != null && h.h2c) {
          // Keep the connection on HTTP/1.1 (the Vert.x client offers an h2c upgrade): drop the offer.
          head = withoutH2cUpgrade(head);
        }
        if (h == null) {
          out.write(head);
          in.transferTo(out);
          return;
        }
        if (faults.resetFor(h.method, h.target, h.userAgent, h.upgrade)) {
          client.setSoLinger(true, 0);
          return; // closing with linger 0 sends RST; the request is dropped
        }
        out.write(head);
        if (h.upgrade || h.chunked) {
          out.flush();
          in.transferTo(out);
          return;
        }
        long left = h.contentLength;
        byte[] buf = new byte[8192];
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            return;
          }
          out.write(buf, 0, n);
          left -= n;
        }
        out.flush();
      }
    } catch (IOException e) {
      // A peer went away: the other direction notices on its own.
    } finally {
      sockets.remove(client);
      sockets.remove(backend);
    }
  }

  private void copy(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
    } catch (IOException e) {
      // Either side closed.
    } finally {
      quietClose(from);
      quietClose(to);
    }
  }

  /** The bytes up to and including the blank line; null at end of stream before any byte. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(512);
    int matched = 0;
    while (b.size() < MAX_HEAD) {
      int c = in.read();
      if (c < 0) {
        return b.size() == 0 ? null : b.toByteArray();
      }
      b.write(c);
      matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
          ? matched + 1
          : (c == '\r' ? 1 : 0);
      if (matched == 4) {
        break;
      }
    }
    return b.toByteArray();
  }

  /** The head without {@code Upgrade: h2c}, {@code HTTP2-Settings} and the Connection header naming them. */
  static byte[] withoutH2cUpgrade(byte[] head) {
    String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
    StringBuilder b = new StringBuilder();
    for (String line : lines) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("upgrade:") || lower.startsWith("http2-settings:") || lower.startsWith("connection:")) {
        continue;
      }
      b.append(line).append("\r\n");
    }
    b.append("\r\n");
    return b.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** What the proxy needs from a request head. */
  private record Head(String method, String target, String userAgent, long contentLength, boolean upgrade,
      boolean chunked, boolean h2c) {
    static Head parse(byte[] raw) {
      String text = new String(raw, StandardCharsets.ISO_8859_1);
      if (!text.endsWith("\r\n\r\n")) {
        return null;
      }
      String[] lines = text.split("\r\n");
      String[] first = lines[0].split(" ");
      if (first.length != 3 || !first[2].startsWith("HTTP/1.")) {
        return null;
      }
      String ua = null;
      long length = 0;
      boolean upgrade = false;
      boolean chunked = false;
      boolean h2c = false;
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = lines[i].substring(colon + 1).trim();
        switch (name) {
          case "user-agent" -> ua = value;
          case "content-length" -> {
            try {
              length = Long.parseLong(value);
            } catch (NumberFormatException e) {
              return null;
            }
          }
          case "upgrade" -> {
            h2c = value.equalsIgnoreCase("h2c");
            upgrade = !h2c;
          }
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          default -> {}
        }
      }
      return new Head(first[0], first[1], ua, length, upgrade, chunked, h2c);
    }
  }

  private static void quietClose(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already gone.
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing a listening socket.
    }
    for (Socket s : sockets) {
      quietClose(s);
    }
  }
}
