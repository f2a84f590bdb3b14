package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cluster faults through `rotator sim` (real engine over HTTP, the simulator's own record): the rotation ends
 * the way the policy says (completed, or frozen with the expected reason and evidence), and never unsafely.
 */
@Order(3)
class ClusterFaultsTest {
  private static final Results RESULTS = new Results("cluster-faults");
  @TempDir Path tmp;

  @AfterAll
  static void write() {
    RESULTS.write();
  }

  static String scenario(String groupExtra, String faults) {
    return scenario(groupExtra, "", "", faults);
  }

  /**
   * @param workloadExtra more workloads (YAML list items, indented by two spaces)
   * @param policyExtra more keys of rotator.policy (flow mapping entries, each starting with ", ")
   */
  static String scenario(String groupExtra, String workloadExtra, String policyExtra, String faults) {
    return """
        name: cluster-fault
        seed: 5
        clock: {scale: 100}
        nodeGroups:
          - {name: workers, zones: [sim-a, sim-b], size: 4, kubeletVersion: v1.30.6, targetVersion: v1.31.2,
             readySeconds: 5, %s}
        workloads:
          - {namespace: shop, name: web, replicas: 6, cpu: 250m, startupSeconds: 3, terminationGraceSeconds: 2,
             pdb: {maxUnavailable: 1}}
          - {kind: DaemonSet, namespace: kube-system, name: agent, cpu: 50m}
        %s
        rotator:
          selector: {kubeletVersionBelow: v1.31.2}
          policy: {maxUnavailable: 1, maxSurge: 1, drainTimeout: 3m, replacementTimeout: 4m,
                   evictionBackoff: {initial: 1s, max: 5s}%s}
          gates:
            apiserver: {enabled: false}
            clusterState: {newNodeGrace: 10m}
        %s
        """.formatted(groupExtra, workloadExtra, policyExtra, faults);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "pod stuck Terminating by a finalizer | maxSize: 8, provisioningSeconds: 20 | faults: [{kind: podsStuckTerminating, startSeconds: 0}]"
        + " | FROZEN DRAIN_TIMEOUT | terminating",
    "PDB edited to allow nothing mid-rotation | maxSize: 8, provisioningSeconds: 20 | faults: [{kind: pdbTightened,"
        + " namespace: shop, name: web, startSeconds: 0}] | FROZEN DRAIN_TIMEOUT | shop/web",
    "replacement never arrives | maxSize: 8, provisioningSeconds: 100000 | | FROZEN REPLACEMENT_NOT_READY | ",
    "replacement arrives NotReady | maxSize: 8, provisioningSeconds: 20 | faults: [{kind: replacementNotReady,"
        + " group: workers, startSeconds: 0}] | FROZEN REPLACEMENT_NOT_READY | ",
    // No room to surge: the quota gate (minHeadroom 1) freezes before anything is touched, naming the group.
    "group at max size (surge refused) | maxSize: 4, provisioningSeconds: 20 | | FROZEN CLOUD_QUOTA | workers (0)",
  })
  @DisplayName("a cluster fault ends as the policy says, with evidence, and never unsafely")
  void clusterFault(String kind, String group, String faults, String expected, String evidence) throws Exception {
    SimRun run = SimRun.of(tmp, scenario(group.strip(), faults == null ? "" : faults.strip()));
    JsonNode j = run.report();
    String context = run.context(kind);
    List<String> violations = run.violations();
    String outcome = run.outcome();
    String reason = run.reason();
    RESULTS.add("cluster", kind.strip(), run.shown(), violations.size());

    assertEquals(List.of(), violations, context);
    assertEquals(0, j.get("podDeleteRequests").asInt(), context);
    assertEquals(expected.strip(), outcome + (outcome.equals("FROZEN") ? " " + reason : ""), context);
    if (evidence != null && !evidence.isBlank()) {
      assertTrue(j.get("rotator").get("evidence").toString().contains(evidence.strip()), context);
    }
  }

  private static List<JsonNode> liveInstances(JsonNode report, String group) {
    List<JsonNode> out = new java.util.ArrayList<>();
    report.get("cloudInstances").forEach(i -> {
      if (i.get("group").asText().equals(group) && !i.get("state").asText().equals("TERMINATED")) {
        out.add(i);
      }
    });
    return out;
  }

  @Test
  @DisplayName("a Node deleted by someone else mid-drain: its instance is terminated and replaced, the rotation"
      + " completes, and the pods lost with it are the deleter's, not rotator's")
  void nodeDeletedBySomeoneElse() throws Exception {
    String kind = "Node deleted by someone else mid-drain";
    SimRun run = SimRun.of(tmp, scenario("maxSize: 8, provisioningSeconds: 20",
        "faults: [{kind: nodeDeletedExternally, startSeconds: 0}]"));
    JsonNode j = run.report();
    String context = run.context(kind);
    List<String> violations = run.violations();
    RESULTS.add("cluster", kind, run.shown(), violations.size());

    assertEquals(List.of(), violations, context);
    assertEquals("COMPLETED", run.outcome(), context);
    JsonNode fault = j.get("faults").get(0);
    assertNotNull(fault.get("onsetSeconds").numberValue(), "the fault found a node being drained: " + fault);
    String detail = fault.get("detail").asText();
    String node = detail.substring("Node ".length(), detail.indexOf(' ', "Node ".length()));
    JsonNode instance = null;
    for (JsonNode i : j.get("cloudInstances")) {
      if (i.get("nodeName").asText().equals(node)) {
        instance = i;
      }
    }
    assertNotNull(instance, "the deleted node's instance: " + node + " in " + j.get("cloudInstances"));
    assertEquals("TERMINATED", instance.get("state").asText(), "rotator terminated the instance of " + node);
    assertEquals(4, liveInstances(j, "workers").size(), "the group is back at its size: " + j.get("cloudInstances"));
    assertEquals(4, j.get("nodesRotated").asInt(), context);
    assertTrue(j.get("rotationComplete").asBoolean(), context);
    assertEquals(0, j.get("podsLost").asInt(), j.get("podsLostDetails").toString());
    assertTrue(j.get("podsLostToOthers").asInt() > 0, "the deleted node's pods went with it: " + j);
    assertTrue(j.get("actionsByOthers").toString().contains("someone else deleted Node " + node),
        j.get("actionsByOthers").toString());
    assertEquals(0, j.get("podDeleteRequests").asInt(), context);
  }

  private static final String CRASHLOOP =
      "  - {namespace: batch, name: crashloop, replicas: 2, cpu: 100m, neverReady: true, pdb: {maxUnavailable: 1}}";

  @Test
  @DisplayName("a PDB held hostage by never-Ready pods: under policy.unhealthyPodEviction they are deleted"
      + " gracefully and the rotation completes; the simulator accepts those deletes and nothing else")
  void hostageWithOptIn() throws Exception {
    String kind = "PDB held hostage by CrashLoopBackOff pods, unhealthyPodEviction opt-in";
    SimRun run = SimRun.of(tmp, scenario("maxSize: 8, provisioningSeconds: 20", CRASHLOOP,
        ", unhealthyPodEviction: {namespaces: [batch], after: 1m}", ""));
    JsonNode j = run.report();
    String context = run.context(kind);
    List<String> violations = run.violations();
    RESULTS.add("cluster", kind, run.shown(), violations.size());

    assertEquals(List.of(), violations, context);
    assertEquals("COMPLETED", run.outcome(), context);
    assertTrue(j.get("unhealthyPodDeletes").asInt() > 0, context);
    assertEquals(j.get("unhealthyPodDeletes").asInt(), j.get("podDeleteRequests").asInt(),
        "every pod DELETE was an accepted one: " + j.get("unhealthyPodDeleteDetails"));
    j.get("unhealthyPodDeleteDetails").forEach(d -> assertTrue(d.asText().contains("pod batch/crashloop-"), d.asText()));
    assertEquals(0, j.get("podsLost").asInt(), j.get("podsLostDetails").toString());
  }

  @Test
  @DisplayName("a PDB held hostage by never-Ready pods, no opt-in: freeze PDB_HOSTAGE with evidence, no pod deleted")
  void hostageWithoutOptIn() throws Exception {
    String kind = "PDB held hostage by CrashLoopBackOff pods, no opt-in";
    SimRun run = SimRun.of(tmp, scenario("maxSize: 8, provisioningSeconds: 20", CRASHLOOP,
        ", unhealthyPodEviction: {after: 1m}", ""));
    JsonNode j = run.report();
    String context = run.context(kind);
    List<String> violations = run.violations();
    RESULTS.add("cluster", kind, run.shown(), violations.size());

    assertEquals(List.of(), violations, context);
    assertEquals("FROZEN PDB_HOSTAGE", run.outcome() + " " + run.reason(), context);
    assertTrue(j.get("rotator").get("evidence").toString().contains("batch/crashloop"), context);
    assertEquals(0, j.get("podDeleteRequests").asInt(), context);
    assertEquals(0, j.get("unhealthyPodDeletes").asInt(), context);
  }

  @Test
  @DisplayName("a node-pool switch that freezes rolls back: draining and deleting its new pool are rollback actions,"
      + " and nothing else disruptive happens after the FREEZE")
  void poolSwitchRollback() throws Exception {
    String kind = "node-pool switch frozen mid-switch, rolled back (pool-switch-freeze)";
    String yaml;
    try (var in = dev.rotator.sim.Scenario.class.getResourceAsStream("/scenarios/pool-switch-freeze.yaml")) {
      yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    SimRun run = SimRun.of(tmp, yaml);
    JsonNode j = run.report();
    String context = run.context(kind) + " " + j.get("rollbackActionDetails");
    List<String> violations = run.violations();
    RESULTS.add("cluster", kind, run.shown(), violations.size());

    assertEquals(List.of(), violations, context);
    assertEquals("FROZEN DRAIN_TIMEOUT", run.outcome() + " " + run.reason(), context);
    assertEquals("ROLLED_BACK", j.get("rotator").get("poolSwitchOutcome").asText(), context);
    assertEquals(0, j.get("disruptiveActionsAfterFreeze").asInt(), j.get("disruptiveActionsAfterFreezeDetails").toString());
    assertTrue(j.get("rollbackActions").asInt() > 0, context);
    // rollbackActionDetails lists only the first 20 actions (cordons and evictions come first): the cloud's own
    // record says whether the new pool's instances went.
    assertTrue(liveInstances(j, "workers-b").isEmpty(), "the new pool's instances went: " + j.get("cloudInstances"));
    assertTrue(liveInstances(j, "workers-a").size() == 6, "the old pool serves again: " + j.get("cloudInstances"));
  }
}
