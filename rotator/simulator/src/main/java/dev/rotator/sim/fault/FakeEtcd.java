package dev.rotator.sim.fault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A fake etcd cluster at the wire level: one JDK HTTP server per member on 127.0.0.1, answering the three
 * calls of etcd's v3 JSON gateway that a quorum check makes, as etcd 3.4 answers them:
 *
 * <ul>
 *   <li>{@code GET /health}: 200 {@code {"health":"true"}} while the cluster has a leader; 503 {@code
 *       {"health":"false","reason":"RAFT NO LEADER"}} without one;
 *   <li>{@code POST /v3/maintenance/status}: the member's id, cluster id, leader, raft term and index, with
 *       int64 fields as strings (the gateway's JSON mapping); without a leader the {@code leader} field is
 *       left out (a zero) and {@code errors} says {@code etcdserver: no leader};
 *   <li>{@code POST /v3/cluster/member/list}: every member with its id, name and URLs, down ones included
 *       (membership does not change when a member stops).
 * </ul>
 *
 * Ids are derived from the scenario's seed, so they repeat. A stopped member's server is closed
 * (connection refused). The remaining members elect a leader (the lowest-numbered live member, with a
 * new term) whenever the leader is gone and a majority is live; with no majority there is no leader until
 * enough members come back. Thread-safe.
 */
public final class FakeEtcd implements AutoCloseable {
  static final String VERSION = "3.4.30";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final long clusterId;
  private final long[] ids;
  private final int[] ports;
  private final HttpServer[] servers;
  private int leader = -1;
  private long term = 1;
  private long raftIndex = 8;

  private FakeEtcd(int members, long seed) {
    if (members < 1) {
      throw new IllegalArgumentException("members must be >= 1, got " + members);
    }
    SplittableRandom random = new SplittableRandom(seed ^ 0x657463644cL);
    this.clusterId = nonZero(random);
    this.ids = new long[members];
    for (int i = 0; i < members; i++) {
      ids[i] = nonZero(random);
    }
    this.ports = new int[members];
    this.servers = new HttpServer[members];
  }

  /** Starts every member on an ephemeral loopback port; member 0 is the first leader. */
  public static FakeEtcd start(int members, long seed) {
    FakeEtcd etcd = new FakeEtcd(members, seed);
    try {
      synchronized (etcd) {
        for (int i = 0; i < members; i++) {
          etcd.listen(i, 0);
        }
        etcd.elect();
      }
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  /** Every member's client URL, {@code http://127.0.0.1:<port>}, in member order. */
  public synchronized List<String> endpoints() {
    List<String> out = new ArrayList<>();
    for (int port : ports) {
      out.add("http://127.0.0.1:" + port);
    }
    return out;
  }

  public int members() {
    return ids.length;
  }

  /** Members whose server is running. */
  public synchronized int membersUp() {
    int up = 0;
    for (HttpServer s : servers) {
      up += s == null ? 0 : 1;
    }
    return up;
  }

  /** The leader's member index, or -1 without a leader. */
  public synchronized int leader() {
    return leader;
  }

  /**
   * Stops {@code count} running members, the leader first (the harder case: it forces an election), then
   * in member order; returns their indices.
   */
  public List<Integer> stop(int count) {
    List<Integer> stopped = new ArrayList<>();
    List<HttpServer> closing = new ArrayList<>();
    synchronized (this) {
      List<Integer> order = new ArrayList<>();
      if (leader >= 0) {
        order.add(leader);
      }
      for (int i = 0; i < servers.length; i++) {
        if (i != leader) {
          order.add(i);
        }
      }
      for (int i : order) {
        if (stopped.size() == count) {
          break;
        }
        if (servers[i] != null) {
          closing.add(servers[i]);
          servers[i] = null;
          stopped.add(i);
        }
      }
      elect();
    }
    // Outside the lock: stopping waits for the server's thread, which may be waiting for the lock.
    closing.forEach(s -> s.stop(0));
    return stopped;
  }

  /** Restarts the given members on their old ports. */
  public synchronized void restart(List<Integer> members) {
    for (int i : members) {
      if (servers[i] == null) {
        listen(i, ports[i]);
      }
    }
    elect();
  }

  @Override
  public void close() {
    List<HttpServer> closing = new ArrayList<>();
    synchronized (this) {
      for (int i = 0; i < servers.length; i++) {
        if (servers[i] != null) {
          closing.add(servers[i]);
          servers[i] = null;
        }
      }
    }
    closing.forEach(s -> s.stop(0));
  }

  // ---------------------------------------------------------------- raft, roughly

  /** Keeps a live leader while a majority is up; elects the lowest live member otherwise; none without quorum. */
  private void elect() {
    int up = membersUp();
    boolean quorum = up >= ids.length / 2 + 1;
    if (!quorum) {
      leader = -1;
      return;
    }
    if (leader >= 0 && servers[leader] != null) {
      return;
    }
    for (int i = 0; i < servers.length; i++) {
      if (servers[i] != null) {
        leader = i;
        term++;
        raftIndex++;
        return;
      }
    }
  }

  // ---------------------------------------------------------------- HTTP

  private void listen(int member, int port) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start fake etcd member " + member + " on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    server.createContext("/", exchange -> handle(member, exchange));
    server.start();
    servers[member] = server;
    ports[member] = server.getAddress().getPort();
  }

  private void handle(int member, HttpExchange exchange) throws IOException {
    try (exchange) {
      drain(exchange.getRequestBody());
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      int code;
      String body;
      synchronized (this) {
        switch (path) {
          case "/health" -> {
            code = leader >= 0 ? 200 : 503;
            body = health();
          }
          case "/v3/maintenance/status" -> {
            code = method.equals("POST") ? 200 : 405;
            body = code == 200 ? status(member) : methodNotAllowed();
          }
          case "/v3/cluster/member/list" -> {
            code = method.equals("POST") ? 200 : 405;
            body = code == 200 ? memberList(member) : methodNotAllowed();
          }
          default -> {
            code = 404;
            body = null;
          }
        }
      }
      byte[] bytes = (body == null ? "404 page not found\n" : body).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", body == null ? "text/plain; charset=utf-8" : "application/json");
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private String health() {
    ObjectNode h = JSON.createObjectNode();
    h.put("health", leader >= 0 ? "true" : "false");
    h.put("reason", leader >= 0 ? "" : "RAFT NO LEADER");
    return h.toString();
  }

  private ObjectNode header(int member) {
    ObjectNode h = JSON.createObjectNode();
    h.put("cluster_id", Long.toUnsignedString(clusterId));
    h.put("member_id", Long.toUnsignedString(ids[member]));
    h.put("revision", "1");
    h.put("raft_term", Long.toString(term));
    return h;
  }

  private String status(int member) {
    ObjectNode s = JSON.createObjectNode();
    s.set("header", header(member));
    s.put("version", VERSION);
    s.put("dbSize", "20480");
    if (leader >= 0) {
      s.put("leader", Long.toUnsignedString(ids[leader]));
    }
    s.put("raftIndex", Long.toString(raftIndex));
    s.put("raftTerm", Long.toString(term));
    s.put("raftAppliedIndex", Long.toString(raftIndex));
    s.put("dbSizeInUse", "16384");
    if (leader < 0) {
      s.putArray("errors").add("etcdserver: no leader");
    }
    return s.toString();
  }

  private String memberList(int member) {
    ObjectNode l = JSON.createObjectNode();
    l.set("header", header(member));
    ArrayNode members = l.putArray("members");
    for (int i = 0; i < ids.length; i++) {
      ObjectNode m = members.addObject();
      m.put("ID", Long.toUnsignedString(ids[i]));
      m.put("name", "sim-etcd-" + i);
      m.putArray("peerURLs").add("http://127.0.0.1:" + (ports[i] + 1));
      m.putArray("clientURLs").add("http://127.0.0.1:" + ports[i]);
    }
    return l.toString();
  }

  private static String methodNotAllowed() {
    return "{\"error\":\"Method Not Allowed\",\"code\":12,\"message\":\"Method Not Allowed\"}";
  }

  private static void drain(InputStream in) throws IOException {
    in.readAllBytes();
  }

  private static long nonZero(SplittableRandom random) {
    long v;
    do {
      v = random.nextLong();
    } while (v == 0);
    return v;
  }
}
