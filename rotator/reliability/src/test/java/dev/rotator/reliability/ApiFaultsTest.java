package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * API server faults through `rotator sim`: the real engine, fabric8 client and ConfigMap store over HTTP against
 * the simulator, with the fault on from the first disruptive action. The simulator's own record must show no
 * PDB violation, no pod lost, no broken invariant and no more nodes unavailable than maxUnavailable; the run
 * completes or freezes with API_UNAVAILABLE; and a dead API server sees a bounded number of requests (the
 * circuit breaker opens; no tight retry loop). The API-reading health gates are off, so that rotator's own
 * resilience is what is tested, not the gates (FaultScenariosTest in rotator/cli covers those).
 */
@Order(3)
class ApiFaultsTest {
  private static final Results RESULTS = new Results("api-faults");
  private static final Pattern FAILED = Pattern.compile("(\\d+) request\\(s\\) failed by API faults");
  /** Requests a dead API server may receive from rotator before it freezes (breaker window + freeze writes). */
  static final int MAX_REQUESTS_TO_DEAD_API = 120;
  @TempDir Path tmp;

  @AfterAll
  static void write() {
    RESULTS.write();
  }

  static String scenario(String name, String fault) {
    return """
        name: %s
        seed: 3
        clock: {scale: 100}
        nodeGroups:
          - {name: workers, zones: [sim-a, sim-b], size: 4, maxSize: 8, kubeletVersion: v1.30.6,
             targetVersion: v1.31.2, provisioningSeconds: 20, readySeconds: 5}
        workloads:
          - {namespace: shop, name: web, replicas: 6, cpu: 250m, startupSeconds: 3, terminationGraceSeconds: 2,
             pdb: {maxUnavailable: 1}}
          - {kind: DaemonSet, namespace: kube-system, name: agent, cpu: 50m}
        rotator:
          selector: {kubeletVersionBelow: v1.31.2}
          policy:
            maxUnavailable: 1
            maxSurge: 1
            drainTimeout: 10m
            evictionBackoff: {initial: 1s, max: 5s}
          gates:
            apiserver: {enabled: false}
            clusterState: {enabled: false}
            versionSkew: {enabled: false}
        faults:
          - %s
        """.formatted(name, fault);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "API errors 503 (20% of requests)       | {kind: apiErrors, errorPercent: 20, status: 503, startSeconds: 0, endSeconds: 120}",
    "API errors 500 (10% of requests)       | {kind: apiErrors, errorPercent: 10, status: 500, startSeconds: 0}",
    "429 with Retry-After (25%)             | {kind: apiErrors, errorPercent: 25, status: 429, retryAfterSeconds: 1, startSeconds: 0, endSeconds: 120}",
    "slow responses (40 ms each)            | {kind: apiLatency, delayMillis: 40, startSeconds: 0, endSeconds: 60}",
    "connection resets (15%)                | {kind: connectionResets, percent: 15, startSeconds: 0, endSeconds: 120}",
    "watch streams closed mid-way (every 30 s)| {kind: watchDrops, everySeconds: 30, startSeconds: 0}",
    "409 conflicts on node writes (50%)     | {kind: nodeConflicts, percent: 50, startSeconds: 0}",
    "API server down (100% 503)             | {kind: apiErrors, errorPercent: 100, status: 503, startSeconds: 5}",
  })
  @DisplayName("under an API fault the rotation completes or freezes with API_UNAVAILABLE, safely and without a"
      + " request storm")
  void apiFault(String kind, String fault) throws Exception {
    SimRun run = SimRun.of(tmp, scenario("api-fault", fault.strip()));
    JsonNode j = run.report();
    String context = run.context(kind);
    List<String> violations = run.violations();
    String outcome = run.outcome();
    String reason = run.reason();
    String actual = run.shown();
    // Short of a dead server, whether a partial fault trips the circuit breaker before the rotation ends depends
    // on timing (a loaded CI machine retries into more errors); both outcomes are accepted below, so the table
    // shows that accepted class, and this run's own outcome goes to the test log.
    boolean dead = fault.contains("errorPercent: 100");
    String shown = dead ? actual : "completed or froze API_UNAVAILABLE";
    System.out.println("api fault '" + kind.strip() + "': " + actual);
    RESULTS.add("api", kind.strip(), shown, violations.size());

    assertEquals(List.of(), violations, context);
    assertEquals(0, j.get("podDeleteRequests").asInt(), context);
    assertTrue(outcome.equals("COMPLETED") || (outcome.equals("FROZEN") && reason.equals("API_UNAVAILABLE")),
        "completes or freezes with API_UNAVAILABLE; " + context);
    if (outcome.equals("COMPLETED")) {
      assertTrue(j.get("rotationComplete").asBoolean(), context);
    }
    // The fault really hit: the simulator counted what it did.
    Matcher hit = Pattern.compile("(\\d+) (request\\(s\\) failed|response\\(s\\) delayed|connection\\(s\\) reset"
        + "|watch stream\\(s\\) closed|node write\\(s\\) answered 409)").matcher(j.get("faults").get(0).get("detail").asText());
    assertTrue(hit.find() && Integer.parseInt(hit.group(1)) > 0, "the fault did something; " + context);
    if (dead) {
      assertEquals("FROZEN", outcome, context);
      Matcher m = FAILED.matcher(j.get("faults").get(0).get("detail").asText());
      assertTrue(m.find(), context);
      int failed = Integer.parseInt(m.group(1));
      assertTrue(failed <= MAX_REQUESTS_TO_DEAD_API,
          failed + " requests reached the dead API server (bound " + MAX_REQUESTS_TO_DEAD_API + "); " + context);
    }
  }
}
