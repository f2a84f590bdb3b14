package dev.rotator.provider.aws;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How {@link AwsCloudProvider} finds its Auto Scaling groups and treats them. No credentials here, ever: the
 * SDK's default chain provides them (IRSA / EKS Pod Identity in-cluster, the environment or a profile
 * outside).
 *
 * @param region AWS region; empty = the SDK's default region chain ({@code AWS_REGION}, profile, IMDS)
 * @param groupNames Auto Scaling groups rotator manages, by name (each must exist)
 * @param groupTags Auto Scaling groups rotator manages, by tags: a group is selected when it carries every
 *     listed tag with the listed value. Both selections add up: a group is managed when it is named in
 *     {@code groupNames} or matches {@code groupTags}. At least one of the two must be non-empty.
 * @param suspendProcesses ASG processes suspended for a rotation's duration (resumed at its end); default
 *     {@code [AZRebalance]}, {@code ReplaceUnhealthy} is the usual addition. {@code Launch} and {@code
 *     Terminate} are refused: without them no replacement comes and no surge is given back.
 * @param raiseMaxForSurge when surging a group that is at its max size, raise MaxSize for the rotation and
 *     restore it at the end (the original is recorded in the tag {@link AwsCloudProvider#ORIGINAL_MAX_TAG}
 *     on the group before raising it)
 * @param quotaCode Service Quotas code of the EC2 quota that limits the groups' instances, in vCPUs;
 *     default {@code L-1216C47A} (Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances)
 * @param maxAttempts attempts per AWS call for throttling, 5xx and network errors (resilience4j; the SDK's
 *     own retries are off so the two do not multiply), 1..10
 * @param backoffInitial wait after the first failed attempt; grows ×2 with ±50% jitter
 * @param backoffMax the longest wait between two attempts
 * @param callTimeout bound of one AWS call attempt (connect + read)
 * @param cacheTtl how long the set of managed groups, the quota value and a group's instance type are
 *     reused before being read again
 * @param endpoints endpoint overrides (tests, VPC endpoints); {@link Endpoints#none()} = AWS's public ones
 */
public record AwsSettings(
    String region,
    List<String> groupNames,
    Map<String, String> groupTags,
    List<String> suspendProcesses,
    boolean raiseMaxForSurge,
    String quotaCode,
    int maxAttempts,
    Duration backoffInitial,
    Duration backoffMax,
    Duration callTimeout,
    Duration cacheTtl,
    Endpoints endpoints) {

  /** Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, in vCPUs. */
  public static final String STANDARD_ON_DEMAND_QUOTA = "L-1216C47A";

  /** The process names the Auto Scaling API knows. */
  public static final Set<String> PROCESSES =
      Set.of(
          "Launch",
          "Terminate",
          "AddToLoadBalancer",
          "AlarmNotification",
          "AZRebalance",
          "HealthCheck",
          "InstanceRefresh",
          "ReplaceUnhealthy",
          "ScheduledActions");

  private static final Pattern QUOTA_CODE = Pattern.compile("L-[0-9A-F]{8}");

  /**
   * Endpoint overrides, each null for AWS's own endpoint.
   *
   * @param autoScaling Auto Scaling endpoint
   * @param ec2 EC2 endpoint
   * @param serviceQuotas Service Quotas endpoint
   */
  public record Endpoints(URI autoScaling, URI ec2, URI serviceQuotas) {
    public static Endpoints none() {
      return new Endpoints(null, null, null);
    }

    /** All three services at one address (a local fake). */
    public static Endpoints all(URI uri) {
      return new Endpoints(uri, uri, uri);
    }
  }

  public AwsSettings {
    region = region == null ? "" : region.trim();
    groupNames = List.copyOf(Objects.requireNonNull(groupNames, "groupNames"));
    groupTags = Map.copyOf(Objects.requireNonNull(groupTags, "groupTags"));
    suspendProcesses = List.copyOf(Objects.requireNonNull(suspendProcesses, "suspendProcesses"));
    Objects.requireNonNull(quotaCode, "quotaCode");
    Objects.requireNonNull(backoffInitial, "backoffInitial");
    Objects.requireNonNull(backoffMax, "backoffMax");
    Objects.requireNonNull(callTimeout, "callTimeout");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    endpoints = endpoints == null ? Endpoints.none() : endpoints;
    if (groupNames.isEmpty() && groupTags.isEmpty()) {
      throw new IllegalArgumentException(
          "provider.aws: select the Auto Scaling groups with groupNames and/or groupTags");
    }
    for (String n : groupNames) {
      if (n.isBlank()) {
        throw new IllegalArgumentException("provider.aws.groupNames must not contain an empty name");
      }
    }
    if (groupNames.stream().distinct().count() != groupNames.size()) {
      throw new IllegalArgumentException("provider.aws.groupNames lists a group twice: " + groupNames);
    }
    for (var e : groupTags.entrySet()) {
      if (e.getKey().isBlank()) {
        throw new IllegalArgumentException("provider.aws.groupTags must not contain an empty tag key");
      }
    }
    for (String p : suspendProcesses) {
      if (!PROCESSES.contains(p)) {
        throw new IllegalArgumentException(
            "provider.aws.suspendProcesses: unknown process '" + p + "'; one of " + PROCESSES);
      }
      if (p.equals("Launch") || p.equals("Terminate")) {
        throw new IllegalArgumentException(
            "provider.aws.suspendProcesses must not contain " + p
                + ": the group could then neither replace instances nor give the surge back");
      }
    }
    if (suspendProcesses.stream().distinct().count() != suspendProcesses.size()) {
      throw new IllegalArgumentException(
          "provider.aws.suspendProcesses lists a process twice: " + suspendProcesses);
    }
    if (!QUOTA_CODE.matcher(quotaCode).matches()) {
      throw new IllegalArgumentException(
          "provider.aws.quotaCode must look like L-1216C47A, got '" + quotaCode + "'");
    }
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("provider.aws.maxAttempts must be within 1..10, got " + maxAttempts);
    }
    positive("backoffInitial", backoffInitial);
    positive("backoffMax", backoffMax);
    positive("callTimeout", callTimeout);
    if (cacheTtl.isNegative()) {
      throw new IllegalArgumentException("provider.aws.cacheTtl must not be negative");
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw new IllegalArgumentException("provider.aws.backoffMax must not be below backoffInitial");
    }
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("provider.aws." + name + " must be positive, got " + d);
    }
  }

  /** A builder with the defaults; set at least the group names or tags. */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.region = region;
    b.groupNames = new ArrayList<>(groupNames);
    b.groupTags = new LinkedHashMap<>(groupTags);
    b.suspendProcesses = new ArrayList<>(suspendProcesses);
    b.raiseMaxForSurge = raiseMaxForSurge;
    b.quotaCode = quotaCode;
    b.maxAttempts = maxAttempts;
    b.backoffInitial = backoffInitial;
    b.backoffMax = backoffMax;
    b.callTimeout = callTimeout;
    b.cacheTtl = cacheTtl;
    b.endpoints = endpoints;
    return b;
  }

  /** Builds {@link AwsSettings}; every field starts at its documented default. */
  public static final class Builder {
    private String region = "";
    private List<String> groupNames = new ArrayList<>();
    private Map<String, String> groupTags = new LinkedHashMap<>();
    private List<String> suspendProcesses = new ArrayList<>(List.of("AZRebalance"));
    private boolean raiseMaxForSurge;
    private String quotaCode = STANDARD_ON_DEMAND_QUOTA;
    private int maxAttempts = 4;
    private Duration backoffInitial = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(10);
    private Duration callTimeout = Duration.ofSeconds(20);
    private Duration cacheTtl = Duration.ofMinutes(5);
    private Endpoints endpoints = Endpoints.none();

    private Builder() {}

    public Builder region(String v) {
      region = v;
      return this;
    }

    public Builder groupNames(List<String> v) {
      groupNames = new ArrayList<>(v);
      return this;
    }

    public Builder groupTags(Map<String, String> v) {
      groupTags = new LinkedHashMap<>(v);
      return this;
    }

    public Builder suspendProcesses(List<String> v) {
      suspendProcesses = new ArrayList<>(v);
      return this;
    }

    public Builder raiseMaxForSurge(boolean v) {
      raiseMaxForSurge = v;
      return this;
    }

    public Builder quotaCode(String v) {
      quotaCode = v;
      return this;
    }

    public Builder maxAttempts(int v) {
      maxAttempts = v;
      return this;
    }

    public Builder backoffInitial(Duration v) {
      backoffInitial = v;
      return this;
    }

    public Builder backoffMax(Duration v) {
      backoffMax = v;
      return this;
    }

    public Builder callTimeout(Duration v) {
      callTimeout = v;
      return this;
    }

    public Builder cacheTtl(Duration v) {
      cacheTtl = v;
      return this;
    }

    public Builder endpoints(Endpoints v) {
      endpoints = v;
      return this;
    }

    public AwsSettings build() {
      return new AwsSettings(
          region, groupNames, groupTags, suspendProcesses, raiseMaxForSurge, quotaCode, maxAttempts,
          backoffInitial, backoffMax, callTimeout, cacheTtl, endpoints);
    }
  }
}
