package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
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
        rotator:
          selector: {kubeletVersionBelow: v1.31.2}
          policy: {maxUnavailable: 1, maxSurge: 1, drainTimeout: 3m, replacementTimeout: 4m,
                   evictionBackoff: {initial: 1s, max: 5s}}
          gates:
            apiserver: {enabled: false}
            clusterState: {newNodeGrace: 10m}
        %s
        """.formatted(groupExtra, faults);
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
}
