package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The "must show", end to end: for each built-in fault scenario, `rotator sim` runs the real engine
 * with its real gates over HTTP against the simulator, the fault starts mid-rotation, and the simulator's
 * own record shows the freeze with the right reason, how fast it came, no disruptive action after the
 * fault's deadline, and nothing unsafe.
 */
class FaultScenariosTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} freezes with {1}")
  @CsvSource({
    "etcd-quorum-loss,  ETCD_QUORUM,           etcdMembersDown",
    "api-exhaustion,    API_LATENCY,           apiErrors",
    "quota-hit,         CLOUD_QUOTA,           quotaExhausted",
    "version-skew,      VERSION_SKEW,          replacementOldVersion",
    "nodes-not-ready,   CLUSTER_UNHEALTHY,     nodesNotReady",
    "alert-firing,      ALERT_FIRING,          alertFiring",
    "replacement-stuck, REPLACEMENT_NOT_READY, replacementNotReady",
  })
  @DisplayName("a fault injected mid-rotation freezes rotator with its reason before any further disruptive step")
  void faultFreezes(String scenario, String reason, String kind) throws Exception {
    Path file = tmp.resolve(scenario + ".json");
    Cli.Result r = Cli.run("sim", "--builtin", scenario, "--report", file.toString());
    JsonNode j = new ObjectMapper().readTree(Files.readString(file));
    String context = scenario + ": " + j.get("faults") + " " + j.get("freezes") + "\n" + r.out() + r.err();

    assertEquals(ExitCodes.FROZEN, r.exit(), "exit code; " + context);
    assertEquals(1, j.get("freezes").size(), context);
    assertEquals(reason, j.get("freezes").get(0).get("reason").asText(), context);
    assertEquals(reason, j.get("rotator").get("reason").asText(), context);

    JsonNode fault = j.get("faults").get(0);
    assertEquals(kind, fault.get("kind").asText(), context);
    assertFalse(fault.get("onsetSeconds").isNull(), "the fault set in; " + context);
    double disruptionStart = fault.get("startedSeconds").asDouble();
    assertTrue(j.get("evictionsAccepted").asInt() > 0 && disruptionStart > 0,
        "the fault started mid-rotation, after evictions; " + context);

    // Reaction: simulated seconds from the onset to the freeze, within the fault's deadline. For every
    // fault but a stuck replacement that is one check interval (pollInterval + checkTimeout); a stuck
    // replacement cannot be told from a slow boot before policy.replacementTimeout.
    JsonNode reaction = j.get("reactionSeconds");
    assertNotNull(reaction, context);
    assertFalse(reaction.isNull(), "reactionSeconds; " + context);
    double grace = j.get("graceSeconds").asDouble();
    assertEquals(15.0, grace, 1e-9, "pollInterval 5s + checkTimeout 10s; " + context);
    assertTrue(reaction.asDouble() >= 0, context);
    double allowance = fault.get("deadlineSeconds").asDouble() - fault.get("onsetSeconds").asDouble();
    assertTrue(reaction.asDouble() <= allowance, "reaction " + reaction + " s > " + allowance + " s; " + context);
    if (!kind.equals("replacementNotReady")) {
      assertEquals(grace, allowance, 1e-6, context);
      assertTrue(reaction.asDouble() <= grace, "reaction " + reaction + " s > grace " + grace + " s; " + context);
    }

    assertEquals(0, j.get("disruptiveActionsAfterFault").asInt(),
        "disruptive actions after the deadline: " + j.get("disruptiveActionsAfterFaultDetails") + "; " + context);
    assertTrue(j.get("disruptiveActions").asInt() > 0, context);
    assertEquals(0, j.get("pdbViolations").asInt(), "PDB violations: " + j.get("pdbViolationDetails"));
    assertEquals(0, j.get("podsLost").asInt(), "pods lost: " + j.get("podsLostDetails"));
    assertEquals(0, j.get("podDeleteRequests").asInt(), "rotator never deletes a pod");
    assertEquals(0, j.get("invariantViolations").size(), j.get("invariantViolations").toString());
    assertTrue(r.out().contains("reaction"), "the summary shows the reaction; " + r.out());
  }
}
