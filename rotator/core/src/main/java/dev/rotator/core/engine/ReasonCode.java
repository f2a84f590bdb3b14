package dev.rotator.core.engine;

/**
 * Why rotator froze. Each code has a runbook in {@code runbooks/} (named after the code in lower case with
 * dashes, e.g. {@code runbooks/drain-timeout.md}); alerts link it.
 */
public enum ReasonCode {
  /** A node's drain did not finish within the drain timeout (a PDB allowing no disruption, a stuck pod). */
  DRAIN_TIMEOUT,
  /**
   * A PDB allows no disruption because pods it covers have been not Ready (CrashLoopBackOff, ...) past {@code
   * policy.unhealthyPodEviction.after}: the drain can never finish on its own.
   */
  PDB_HOSTAGE,
  /** A node runs pods the policy forbids evicting (no controller, emptyDir data). */
  DRAIN_REFUSED,
  /** The replacement capacity for a terminated node did not become Ready in time. */
  REPLACEMENT_NOT_READY,
  /** The cloud provider failed permanently (access denied, group missing). */
  CLOUD_ERROR,
  /** Cloud quota or capacity exhausted. */
  CLOUD_QUOTA,
  /** The Kubernetes API failed in a way retries cannot fix (forbidden, or unreachable too long). */
  API_UNAVAILABLE,
  /** Cluster health gate: too many nodes NotReady, too many pods Pending, system pods down. */
  CLUSTER_UNHEALTHY,
  /** etcd lost quorum or has no leader. */
  ETCD_QUORUM,
  /** API server latency or error rate above threshold. */
  API_LATENCY,
  /** A Prometheus alert matching the configured matcher is firing, or a PromQL threshold is crossed. */
  ALERT_FIRING,
  /** Kubelet versions outside the supported skew, or a replacement came up with the old version. */
  VERSION_SKEW,
  /** A custom HTTP health check failed. */
  HTTP_CHECK,
  /** A human froze it (CLI or Slack). */
  MANUAL;

  /** The runbook's file name under {@code runbooks/}. */
  public String runbook() {
    return "runbooks/" + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ".md";
  }
}
