package dev.rotator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.core.ScaledClock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code provider.type: sim}: the fake cloud of a simulator in another process ({@code rotator sim serve}),
 * over the simulator's {@code /sim/cloud/...} endpoints on the Kubernetes API server's own loopback address
 * (protocol: {@code dev.rotator.sim.SimControl}). Only {@code http://127.0.0.1}, {@code localhost} or
 * {@code [::1]} are accepted: this is a test cloud, never something to reach over a network.
 *
 * <p>Errors keep their kind: the simulator answers a {@link CloudException} with its kind in the body; a
 * request that fails on the wire is RETRYABLE.
 */
final class SimCloudClient implements CloudProvider {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String base;
  private final HttpClient http;

  private SimCloudClient(String apiUrl) {
    this.base = stripSlash(apiUrl);
    // HTTP/1.1: the simulator's server does not speak h2c, and an upgrade attempt only adds a failure mode.
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
  }

  /** A client for the simulator whose Kubernetes API is at {@code apiUrl}; refuses anything not on loopback. */
  static SimCloudClient connect(String apiUrl) {
    URI uri = URI.create(stripSlash(apiUrl));
    String host = uri.getHost();
    if (!"http".equals(uri.getScheme())
        || !("127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host) || "::1".equals(host))) {
      throw new UsageException("provider.type sim talks to a simulator on this machine only: the kubeconfig's"
          + " server must be http://127.0.0.1:<port> (as written by 'rotator sim serve'), got " + apiUrl);
    }
    return new SimCloudClient(apiUrl);
  }

  /**
   * The simulator's clock, followed locally: its simulated time now and its scale are read once, then this
   * process advances the same way ({@link ScaledClock}), so both agree to within the request's round trip
   * times the scale.
   */
  ScaledClock clock() {
    JsonNode c = null;
    // Bounded: a simulator busy starting up may drop the first connection; three tries, then the error.
    for (int attempt = 1; c == null; attempt++) {
      try {
        c = get("/sim/clock");
      } catch (CloudException e) {
        if (attempt >= 3 || e.kind() != CloudException.Kind.RETRYABLE) {
          throw e;
        }
      }
    }
    return new ScaledClock(Instant.parse(c.path("now").asText()), c.path("scale").asDouble(1));
  }

  @Override
  public String name() {
    return "sim:" + get("/sim/cloud/name").path("name").asText("fake");
  }

  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    if (providerId == null || providerId.isEmpty()) {
      return Optional.empty();
    }
    JsonNode i = get("/sim/cloud/instance?providerId=" + enc(providerId)).path("instance");
    return i.isObject() ? Optional.of(ref(i)) : Optional.empty();
  }

  @Override
  public List<NodeGroup> nodeGroups() {
    List<NodeGroup> out = new ArrayList<>();
    for (JsonNode g : get("/sim/cloud/groups").path("groups")) {
      out.add(group(g));
    }
    return out;
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    return group(get("/sim/cloud/group?id=" + enc(groupId)));
  }

  @Override
  public void setDesiredCapacity(String groupId, int desired) {
    ObjectNode b = Output.JSON.createObjectNode().put("group", groupId).put("desired", desired);
    post("/sim/cloud/desired", b);
  }

  @Override
  public void terminate(InstanceRef instance, boolean decrementDesired) {
    ObjectNode b = Output.JSON.createObjectNode()
        .put("instanceId", instance.instanceId())
        .put("groupId", instance.groupId())
        .put("zone", instance.zone())
        .put("decrementDesired", decrementDesired);
    post("/sim/cloud/terminate", b);
  }

  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    JsonNode o = get("/sim/cloud/outdated?instanceId=" + enc(instance.instanceId()) + "&groupId="
        + enc(instance.groupId()) + "&zone=" + enc(instance.zone())).path("outdated");
    return o.isBoolean() ? Optional.of(o.asBoolean()) : Optional.empty();
  }

  @Override
  public int headroom(String groupId) {
    return get("/sim/cloud/headroom?group=" + enc(groupId)).path("headroom").asInt();
  }

  @Override
  public void beginRotation(String groupId) {
    post("/sim/cloud/begin", Output.JSON.createObjectNode().put("group", groupId));
  }

  @Override
  public void endRotation(String groupId) {
    post("/sim/cloud/end", Output.JSON.createObjectNode().put("group", groupId));
  }

  private static NodeGroup group(JsonNode g) {
    return new NodeGroup(g.path("id").asText(), g.path("desired").asInt(), g.path("min").asInt(),
        g.path("max").asInt(), g.path("targetVersion").asText(null));
  }

  private static InstanceRef ref(JsonNode i) {
    return new InstanceRef(i.path("instanceId").asText(), i.path("groupId").asText(), i.path("zone").asText(""));
  }

  private JsonNode get(String pathAndQuery) {
    return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(TIMEOUT).GET().build());
  }

  private JsonNode post(String path, JsonNode body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
  }

  private JsonNode send(HttpRequest req) {
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CloudException(CloudException.Kind.RETRYABLE,
          "simulator cloud " + req.uri().getPath() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CloudException(CloudException.Kind.RETRYABLE, "interrupted calling the simulator cloud", e);
    }
    JsonNode body;
    try {
      body = resp.body() == null || resp.body().isEmpty()
          ? Output.JSON.createObjectNode() : Output.JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new CloudException(CloudException.Kind.RETRYABLE,
          "simulator cloud " + req.uri().getPath() + " answered " + resp.statusCode() + " with no JSON", e);
    }
    if (resp.statusCode() / 100 == 2) {
      return body;
    }
    JsonNode err = body.path("error");
    String message = "simulator cloud " + req.uri().getPath() + ": " + err.path("message").asText("HTTP "
        + resp.statusCode());
    CloudException.Kind kind = switch (err.path("kind").asText("")) {
      case "QUOTA" -> CloudException.Kind.QUOTA;
      case "RETRYABLE" -> CloudException.Kind.RETRYABLE;
      default -> resp.statusCode() >= 500 ? CloudException.Kind.RETRYABLE : CloudException.Kind.PERMANENT;
    };
    throw new CloudException(kind, message);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
