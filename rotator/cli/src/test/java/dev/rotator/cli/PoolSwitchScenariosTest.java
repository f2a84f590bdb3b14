package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-pool switch's built-in scenarios through {@code rotator sim}: the real PoolSwitch, gates and state
 * store over HTTP against the simulator, judged on the simulator's own report.
 */
class PoolSwitchScenariosTest {
  @TempDir Path tmp;

  private JsonNode sim(String builtin, int exit) throws Exception {
    Path file = tmp.resolve(builtin + ".json");
    Cli.Result r = Cli.run("sim", "--builtin", builtin, "--report", file.toString());
    JsonNode j = new ObjectMapper().readTree(Files.readString(file));
    assertEquals(exit, r.exit(), builtin + ": " + r.out() + r.err() + "\n" + j.get("rotator"));
    assertEquals(0, j.get("pdbViolations").asInt(), "PDB violations: " + j.get("pdbViolationDetails"));
    assertEquals(0, j.get("podsLost").asInt(), "pods lost: " + j.get("podsLostDetails"));
    assertEquals(0, j.get("podDeleteRequests").asInt(), "rotator never deletes a pod");
    assertEquals(0, j.get("invariantViolations").size(), j.get("invariantViolations").toString());
    return j;
  }

  private static List<String> liveInstancesOf(JsonNode report, String group) {
    List<String> out = new ArrayList<>();
    for (JsonNode i : report.get("cloudInstances")) {
      if (i.get("group").asText().equals(group) && !i.get("state").asText().equals("TERMINATED")) {
        out.add(i.get("id").asText());
      }
    }
    return out;
  }

  @Test
  @DisplayName("pool-switch: workers-b replaces workers-a end to end with zero PDB violations and zero pods lost")
  void switchesEndToEnd() throws Exception {
    JsonNode j = sim("pool-switch", ExitCodes.OK);

    assertEquals("COMPLETED", j.get("rotator").get("poolSwitchOutcome").asText(), j.get("rotator").toString());
    assertEquals("DONE", j.get("rotator").get("poolSwitch").get("state").asText());
    assertEquals(6, j.get("nodesRotated").asInt(), "every old node deleted and its instance terminated");
    assertTrue(liveInstancesOf(j, "workers-a").isEmpty(), "old pool empty");
    assertEquals(6, liveInstancesOf(j, "workers-b").size(), "new pool at the old pool's size");
    assertTrue(j.get("evictionsAccepted").asInt() >= 21, "every non-DaemonSet pod moved: " + j.get("evictionsAccepted"));
    assertTrue(j.get("freezes").isEmpty(), j.get("freezes").toString());
  }

  @Test
  @DisplayName("pool-switch-freeze: a drain that cannot finish freezes mid-switch, rolls back, the old pool serves")
  void freezesAndRollsBack() throws Exception {
    JsonNode j = sim("pool-switch-freeze", ExitCodes.FROZEN);

    assertEquals("ROLLED_BACK", j.get("rotator").get("poolSwitchOutcome").asText(), j.get("rotator").toString());
    assertEquals("DRAIN_TIMEOUT", j.get("rotator").get("reason").asText());
    assertEquals("DRAIN_TIMEOUT", j.get("freezes").get(0).get("reason").asText());
    assertTrue(j.get("evictionsAccepted").asInt() > 0, "the switch was under way when it froze");
    assertEquals("ROLLED_BACK", j.get("rotator").get("poolSwitch").get("state").asText());
    assertEquals(1, j.get("freezes").size(), j.get("freezes").toString());
    assertEquals(6, liveInstancesOf(j, "workers-a").size(), "old pool kept");
    assertTrue(liveInstancesOf(j, "workers-b").isEmpty(), "new pool deleted");
    assertEquals(0, j.get("nodesRotated").asInt());
    // Draining and deleting the new pool after the freeze are compensating actions, not new disruptions.
    assertEquals(0, j.get("disruptiveActionsAfterFreeze").asInt(), j.get("disruptiveActionsAfterFreezeDetails").toString());
    assertTrue(j.get("rollbackActions").asInt() > 0, j.get("rollbackActionDetails").toString());
  }

  @Test
  @DisplayName("pool-switch-no-quota: refused up front with CLOUD_QUOTA and the numbers; nothing created or cordoned")
  void refusedForQuota() throws Exception {
    JsonNode j = sim("pool-switch-no-quota", ExitCodes.FROZEN);

    JsonNode claims = j.get("rotator");
    assertEquals("REFUSED", claims.get("poolSwitchOutcome").asText(), claims.toString());
    assertEquals("CLOUD_QUOTA", claims.get("reason").asText());
    assertTrue(claims.get("message").asText().contains("6 instances needed, 2 available"), claims.toString());
    assertTrue(claims.get("evidence").toString().contains("up to 12 instances"), claims.toString());
    assertEquals(0, j.get("disruptiveActions").asInt(), "nothing changed");
    assertTrue(j.get("freezes").isEmpty(), "a refusal is not a freeze");
    for (JsonNode i : j.get("cloudInstances")) {
      assertEquals("workers-a", i.get("group").asText(), "no pool created: " + i);
    }
    assertEquals(6, liveInstancesOf(j, "workers-a").size());
  }
}
