package dev.rotator.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The simulator's own endpoints under /sim/ on the API server's port: clock, report, fake cloud. */
class SimControlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static HttpResponse<String> call(Simulator sim, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.apiUrl() + path));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
        : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("clock, report and cloud answer on /sim/, cloud errors keep their kind, and none counts as an API request")
  void endpoints() throws Exception {
    Scenario s = Scenario.parse("name: ctl\nnodeGroups:\n  - {name: g, size: 2, maxSize: 3, kubeletVersion: v1.30.0,"
        + " targetVersion: v1.31.0}\n", "ctl.yaml");
    try (Simulator sim = Simulator.start(s)) {
      JsonNode clock = JSON.readTree(call(sim, "GET", "/sim/clock", null).body());
      assertEquals(100.0, clock.get("scale").asDouble());
      assertTrue(!Instant.parse(clock.get("now").asText()).isBefore(s.clock().start()));

      JsonNode groups = JSON.readTree(call(sim, "GET", "/sim/cloud/groups", null).body()).get("groups");
      assertEquals("g", groups.get(0).get("id").asText());
      assertEquals(2, groups.get(0).get("desired").asInt());

      String providerId = sim.cloud().instances().get(0).providerId();
      JsonNode inst = JSON.readTree(call(sim, "GET", "/sim/cloud/instance?providerId="
          + java.net.URLEncoder.encode(providerId, "UTF-8"), null).body()).get("instance");
      assertEquals(sim.cloud().instances().get(0).id(), inst.get("instanceId").asText());

      HttpResponse<String> tooBig = call(sim, "POST", "/sim/cloud/desired", "{\"group\":\"g\",\"desired\":9}");
      assertEquals(400, tooBig.statusCode(), tooBig.body());
      assertEquals("PERMANENT", JSON.readTree(tooBig.body()).get("error").get("kind").asText());

      assertEquals(200, call(sim, "POST", "/sim/cloud/desired", "{\"group\":\"g\",\"desired\":3}").statusCode());
      assertEquals(3, sim.cloud().peekGroup("g").desired());

      assertEquals(404, call(sim, "GET", "/sim/nothing", null).statusCode());
      JsonNode report = JSON.readTree(call(sim, "GET", "/sim/report", null).body());
      assertEquals("ctl", report.get("scenario").asText());
      assertEquals(0, report.get("apiRequests").asLong(), "the /sim/ endpoints are not Kubernetes API requests");
      // 2 nodes, 1 + 1 in flight (rotator defaults): one wave of 90 s provisioning + 10 s to Ready.
      assertEquals(100.0, report.get("lowerBound").get("seconds").asDouble());
    }
  }
}
