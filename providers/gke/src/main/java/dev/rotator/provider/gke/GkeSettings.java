package dev.rotator.provider.gke;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the GKE cluster is and how rotator talks to it. No credentials here, ever: the clients use Google's
 * default chain (Workload Identity in-cluster, Application Default Credentials elsewhere).
 *
 * @param project GCP project ID of the cluster
 * @param location the cluster's location: a zone ({@code europe-west1-b}) or a region ({@code europe-west1})
 * @param cluster cluster name
 * @param nodePools node pools rotator manages, by name; empty = every pool of the cluster
 * @param targetVersion version nodes should run ({@code 1.31.4-gke.1256000}); empty = the control plane's
 *     {@code currentMasterVersion}
 * @param maxPoolSize the largest total size rotator may give a pool <em>without</em> autoscaling (GKE has no
 *     max for it); 0 = the pool's current size, i.e. no surge in such pools. Autoscaled pools use their own max.
 * @param checkQuota compare the regional CPU/instance quotas (Compute {@code regions.get}) before a surge
 * @param containerEndpoint {@code host:port} of the GKE API; empty = Google's default
 * @param computeEndpoint base URL of the Compute REST API ({@code https://host}); empty = Google's default
 * @param plaintext talk to the endpoints without TLS and without credentials (emulators, tests) — never for
 *     Google's own endpoints
 * @param callTimeout deadline of one API call (GAX's own retries are off; rotator retries)
 * @param operationTimeout how long to follow one long-running operation before giving up (RETRYABLE)
 * @param pollInterval pause between two polls of a long-running operation
 * @param retryAttempts attempts per call for RETRYABLE failures (1 = no retry)
 * @param retryInitialBackoff first backoff; doubles each attempt, randomized ±50 %
 * @param retryMaxBackoff backoff ceiling
 * @param cacheTtl how long the pool → managed instance group map and instance templates are reused before
 *     they are read again (a miss always reads again, at most once per TTL)
 */
public record GkeSettings(
    String project,
    String location,
    String cluster,
    List<String> nodePools,
    String targetVersion,
    int maxPoolSize,
    boolean checkQuota,
    String containerEndpoint,
    String computeEndpoint,
    boolean plaintext,
    Duration callTimeout,
    Duration operationTimeout,
    Duration pollInterval,
    int retryAttempts,
    Duration retryInitialBackoff,
    Duration retryMaxBackoff,
    Duration cacheTtl) {

  private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern ZONE = Pattern.compile("[a-z]+-[a-z]+\\d+-[a-z]");
  private static final Pattern REGION = Pattern.compile("[a-z]+-[a-z]+\\d+");

  public GkeSettings {
    project = req(project, "project");
    location = req(location, "location");
    cluster = req(cluster, "cluster");
    if (!ZONE.matcher(location).matches() && !REGION.matcher(location).matches()) {
      throw new IllegalArgumentException(
          "gke location '" + location + "' is neither a zone (europe-west1-b) nor a region (europe-west1)");
    }
    nodePools = nodePools == null ? List.of() : List.copyOf(nodePools);
    for (String p : nodePools) {
      if (!NAME.matcher(p).matches()) {
        throw new IllegalArgumentException("gke node pool name '" + p + "' is not a valid pool name");
      }
    }
    targetVersion = targetVersion == null ? "" : targetVersion.trim();
    if (!targetVersion.isEmpty()) {
      GkeVersion.parse(targetVersion); // fails early on a typo
    }
    if (maxPoolSize < 0) {
      throw new IllegalArgumentException("gke maxPoolSize must be >= 0, got " + maxPoolSize);
    }
    containerEndpoint = containerEndpoint == null ? "" : containerEndpoint.trim();
    computeEndpoint = computeEndpoint == null ? "" : computeEndpoint.trim();
    positive(callTimeout, "callTimeout");
    positive(operationTimeout, "operationTimeout");
    positive(pollInterval, "pollInterval");
    positive(retryInitialBackoff, "retryInitialBackoff");
    positive(retryMaxBackoff, "retryMaxBackoff");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    if (cacheTtl.isNegative()) {
      throw new IllegalArgumentException("gke cacheTtl must not be negative");
    }
    if (retryAttempts < 1 || retryAttempts > 10) {
      throw new IllegalArgumentException("gke retryAttempts must be within [1, 10], got " + retryAttempts);
    }
    if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
      throw new IllegalArgumentException("gke retryMaxBackoff must be >= retryInitialBackoff");
    }
  }

  /** Defaults for everything but the cluster's coordinates. */
  public static GkeSettings defaults(String project, String location, String cluster) {
    return new GkeSettings(
        project, location, cluster, List.of(), "", 0, true, "", "", false,
        Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofSeconds(10),
        4, Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /** True when {@link #location} is a region (a regional cluster), false for a zone. */
  public boolean regional() {
    return REGION.matcher(location).matches();
  }

  /** {@code projects/P/locations/L/clusters/C}, the resource name the v1 API takes. */
  public String clusterName() {
    return "projects/" + project + "/locations/" + location + "/clusters/" + cluster;
  }

  public String poolName(String pool) {
    return clusterName() + "/nodePools/" + pool;
  }

  public String operationName(String operation) {
    return "projects/" + project + "/locations/" + location + "/operations/" + operation;
  }

  /** Whether rotator manages this pool (every pool when {@link #nodePools} is empty). */
  public boolean manages(String pool) {
    return nodePools.isEmpty() || nodePools.contains(pool);
  }

  public GkeSettings withNodePools(List<String> pools) {
    return new GkeSettings(project, location, cluster, pools, targetVersion, maxPoolSize, checkQuota,
        containerEndpoint, computeEndpoint, plaintext, callTimeout, operationTimeout, pollInterval, retryAttempts,
        retryInitialBackoff, retryMaxBackoff, cacheTtl);
  }

  public GkeSettings withTargetVersion(String version) {
    return new GkeSettings(project, location, cluster, nodePools, version, maxPoolSize, checkQuota,
        containerEndpoint, computeEndpoint, plaintext, callTimeout, operationTimeout, pollInterval, retryAttempts,
        retryInitialBackoff, retryMaxBackoff, cacheTtl);
  }

  public GkeSettings withMaxPoolSize(int max) {
    return new GkeSettings(project, location, cluster, nodePools, targetVersion, max, checkQuota,
        containerEndpoint, computeEndpoint, plaintext, callTimeout, operationTimeout, pollInterval, retryAttempts,
        retryInitialBackoff, retryMaxBackoff, cacheTtl);
  }

  public GkeSettings withCheckQuota(boolean check) {
    return new GkeSettings(project, location, cluster, nodePools, targetVersion, maxPoolSize, check,
        containerEndpoint, computeEndpoint, plaintext, callTimeout, operationTimeout, pollInterval, retryAttempts,
        retryInitialBackoff, retryMaxBackoff, cacheTtl);
  }

  /** Points both clients at local endpoints (an emulator, a test fake). */
  public GkeSettings withEndpoints(String container, String compute, boolean plain) {
    return new GkeSettings(project, location, cluster, nodePools, targetVersion, maxPoolSize, checkQuota,
        container, compute, plain, callTimeout, operationTimeout, pollInterval, retryAttempts,
        retryInitialBackoff, retryMaxBackoff, cacheTtl);
  }

  public GkeSettings withOperations(Duration timeout, Duration poll) {
    return new GkeSettings(project, location, cluster, nodePools, targetVersion, maxPoolSize, checkQuota,
        containerEndpoint, computeEndpoint, plaintext, callTimeout, timeout, poll, retryAttempts,
        retryInitialBackoff, retryMaxBackoff, cacheTtl);
  }

  public GkeSettings withRetry(int attempts, Duration initial, Duration max) {
    return new GkeSettings(project, location, cluster, nodePools, targetVersion, maxPoolSize, checkQuota,
        containerEndpoint, computeEndpoint, plaintext, callTimeout, operationTimeout, pollInterval, attempts,
        initial, max, cacheTtl);
  }

  private static String req(String v, String name) {
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("gke " + name + " is required");
    }
    return v.trim();
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("gke " + name + " must be positive, got " + d);
    }
  }
}
