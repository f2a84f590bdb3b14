package dev.rotator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import dev.rotator.provider.fake.FakeCloud;
import dev.rotator.sim.api.ControlEndpoints;
import java.io.IOException;
import java.util.Map;

/**
 * The simulator's own endpoints, served on the API server's loopback port beside the Kubernetes API, so that
 * a rotator or a benchmark in another process can share its clock and its fake cloud and read its record:
 *
 * <ul>
 *   <li>{@code GET /sim/clock}: {@code {"now": "<instant>", "scale": 100.0}}, the simulated time now;
 *   <li>{@code GET /sim/report}: the {@link SimReport} so far;
 *   <li>{@code /sim/cloud/...}: the {@link FakeCloud} as a {@code CloudProvider}, one request per method
 *       ({@code GET name, instance?providerId=, groups, group?id=, outdated?instanceId=&groupId=&zone=,
 *       headroom?group=}; {@code POST desired {group, desired}, terminate {instanceId, groupId, zone,
 *       decrementDesired}, begin {group}, end {group}}). A {@link CloudException} is answered with status
 *       400 (PERMANENT), 409 (QUOTA) or 503 (RETRYABLE) and {@code {"error": {"kind", "message"}}}.
 * </ul>
 *
 * The protocol's client is {@code dev.rotator.cli.SimCloudClient} (provider.type {@code sim}).
 */
final class SimControl implements ControlEndpoints {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Simulator sim;
  private final FakeCloud cloud;

  SimControl(Simulator sim, FakeCloud cloud) {
    this.sim = sim;
    this.cloud = cloud;
  }

  @Override
  public Answer answer(String method, String path, Map<String, String> query, String body) {
    try {
      return route(method, path, query, body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body));
    } catch (CloudException e) {
      int status = switch (e.kind()) {
        case PERMANENT -> 400;
        case QUOTA -> 409;
        case RETRYABLE -> 503;
      };
      ObjectNode err = JSON.createObjectNode();
      err.putObject("error").put("kind", e.kind().name()).put("message", e.getMessage());
      return new Answer(status, err.toString());
    } catch (IOException | IllegalArgumentException e) {
      return error(400, "bad request: " + e.getMessage());
    } catch (RuntimeException e) {
      return error(500, "simulator error: " + e);
    }
  }

  private Answer route(String method, String path, Map<String, String> q, JsonNode body) throws IOException {
    String key = method + " " + path;
    ObjectNode out = JSON.createObjectNode();
    switch (key) {
      case "GET /sim/clock" -> {
        out.put("now", sim.clock().now().toString());
        out.put("scale", sim.clock().scale());
      }
      case "GET /sim/report" -> {
        return new Answer(200, sim.report().toJson());
      }
      case "GET /sim/cloud/name" -> out.put("name", cloud.name());
      case "GET /sim/cloud/instance" ->
          out.set("instance", cloud.instanceOf(need(q.get("providerId"), "providerId"))
              .<JsonNode>map(i -> JSON.valueToTree(i)).orElse(null));
      case "GET /sim/cloud/groups" -> out.set("groups", JSON.valueToTree(cloud.nodeGroups()));
      case "GET /sim/cloud/group" -> {
        NodeGroup g = cloud.nodeGroup(need(q.get("id"), "id"));
        return new Answer(200, JSON.writeValueAsString(g));
      }
      case "GET /sim/cloud/outdated" ->
          out.put("outdated", cloud.isOutdated(instance(q.get("instanceId"), q.get("groupId"), q.get("zone")))
              .orElse(null));
      case "GET /sim/cloud/headroom" -> out.put("headroom", cloud.headroom(need(q.get("group"), "group")));
      case "POST /sim/cloud/desired" ->
          cloud.setDesiredCapacity(text(body, "group"), body.path("desired").asInt(Integer.MIN_VALUE));
      case "POST /sim/cloud/terminate" ->
          cloud.terminate(instance(text(body, "instanceId"), text(body, "groupId"), body.path("zone").asText("")),
              body.path("decrementDesired").asBoolean(false));
      case "POST /sim/cloud/begin" -> cloud.beginRotation(text(body, "group"));
      case "POST /sim/cloud/end" -> cloud.endRotation(text(body, "group"));
      default -> {
        return error(404, "no simulator endpoint " + key);
      }
    }
    return new Answer(200, out.toString());
  }

  private static InstanceRef instance(String id, String group, String zone) {
    return new InstanceRef(need(id, "instanceId"), need(group, "groupId"), zone);
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return need(v == null || v.isNull() ? null : v.asText(), field);
  }

  private static String need(String v, String field) {
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing " + field);
    }
    return v;
  }

  private static Answer error(int status, String message) {
    ObjectNode err = JSON.createObjectNode();
    err.putObject("error").put("kind", status == 404 ? "NOT_FOUND" : "BAD_REQUEST").put("message", message);
    return new Answer(status, err.toString());
  }
}
