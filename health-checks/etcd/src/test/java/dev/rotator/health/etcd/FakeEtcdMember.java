package dev.rotator.health.etcd;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One etcd member's JSON gateway faked at the wire level (the JDK's HttpServer on loopback), for
 * the states a real cluster cannot be put into on demand: split views of the leader, two clusters,
 * alarms, garbage answers. Real etcd 3.4's answer shapes: ids are uint64 in decimal strings, {@code
 * leader} is omitted when there is none.
 */
final class FakeEtcdMember implements AutoCloseable {
  final HttpServer server;
  volatile String health = "true";
  volatile int healthCode = 200;
  volatile String healthBody;
  volatile long memberId;
  volatile long leaderId;
  volatile long clusterId = 42;
  volatile long raftTerm = 7;
  volatile List<String> errors = List.of();
  volatile int votingMembers = 3;
  volatile List<Long> learnerIds = List.of();

  FakeEtcdMember(long memberId, long leaderId) throws IOException {
    this.memberId = memberId;
    this.leaderId = leaderId;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/health",
        ex -> {
          String body = healthBody != null ? healthBody : "{\"health\":\"" + health + "\"}";
          reply(ex, healthBody != null ? 200 : healthCode, body);
        });
    server.createContext(
        "/v3/maintenance/status",
        ex -> {
          ex.getRequestBody().readAllBytes();
          StringBuilder b = new StringBuilder();
          b.append("{\"header\":{\"cluster_id\":\"")
              .append(Long.toUnsignedString(clusterId))
              .append("\",\"member_id\":\"")
              .append(Long.toUnsignedString(this.memberId))
              .append("\",\"raft_term\":\"")
              .append(raftTerm)
              .append("\"},\"version\":\"3.4.23\"");
          if (this.leaderId != 0) {
            b.append(",\"leader\":\"").append(Long.toUnsignedString(this.leaderId)).append('"');
          }
          b.append(",\"raftTerm\":\"").append(raftTerm).append('"');
          if (!errors.isEmpty()) {
            List<String> quoted = new ArrayList<>();
            errors.forEach(e -> quoted.add('"' + e + '"'));
            b.append(",\"errors\":[").append(String.join(",", quoted)).append(']');
          }
          b.append('}');
          reply(ex, 200, b.toString());
        });
    server.createContext(
        "/v3/cluster/member/list",
        ex -> {
          ex.getRequestBody().readAllBytes();
          List<String> members = new ArrayList<>();
          for (int i = 0; i < votingMembers; i++) {
            members.add("{\"ID\":\"" + (1000 + i) + "\",\"name\":\"m" + i + "\"}");
          }
          for (long id : learnerIds) {
            members.add("{\"ID\":\"" + id + "\",\"name\":\"l" + id + "\",\"isLearner\":true}");
          }
          reply(ex, 200, "{\"header\":{},\"members\":[" + String.join(",", members) + "]}");
        });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
