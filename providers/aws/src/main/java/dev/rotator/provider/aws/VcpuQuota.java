package dev.rotator.provider.aws;

import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateOverrides;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.servicequotas.ServiceQuotasClient;

/**
 * How many more instances of a group the account's EC2 On-Demand vCPU quota allows: {@code floor((quota −
 * used) / vCPUs per instance)}. The quota comes from Service Quotas (the applied value, else the AWS
 * default); used = pending/running On-Demand instances of the quota's families ({@link QuotaFamilies}) ×
 * their vCPUs; vCPUs per instance = the largest type the group may launch now (its template version,
 * launch configuration or mixed-policy overrides; what runs now when none says).
 *
 * <p>When Service Quotas cannot be read (no permission, no endpoint, an outage) the room is unknown (empty)
 * and a warning is logged once; the failure is remembered for {@code cacheTtl} so the gate and the surge do
 * not pay the retries on every call.
 */
final class VcpuQuota {
  private static final Logger LOG = LoggerFactory.getLogger(VcpuQuota.class);

  private record Timed<T>(T value, Instant at) {}

  private final AwsSettings settings;
  private final Clock clock;
  private final AwsCalls calls;
  private final AutoScalingClient as;
  private final Ec2Client ec2;
  private final ServiceQuotasClient sq;
  private final Map<String, Integer> vcpusByType = new ConcurrentHashMap<>();
  private final Map<String, Timed<Integer>> groupVcpus = new ConcurrentHashMap<>();
  private volatile Timed<OptionalDouble> quota;
  private final AtomicBoolean quotaFallbackLogged = new AtomicBoolean();

  VcpuQuota(AwsSettings settings, Clock clock, AwsCalls calls, AwsClients clients) {
    this.settings = settings;
    this.clock = clock;
    this.calls = calls;
    this.as = clients.autoScaling();
    this.ec2 = clients.ec2();
    this.sq = clients.serviceQuotas();
  }

  /** Instances of the group's type the vCPU quota still allows, or empty when the quota is unknown. */
  OptionalInt room(AutoScalingGroup g) {
    OptionalDouble limit = quotaVcpus();
    if (limit.isEmpty()) {
      return OptionalInt.empty();
    }
    int perInstance = groupInstanceVcpus(g);
    long used = usedVcpus();
    double free = limit.getAsDouble() - used;
    int room = free <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.floor(free / perInstance));
    LOG.debug(
        "group {}: quota {} = {} vCPUs, {} in use, {} per instance -> room for {}",
        g.autoScalingGroupName(), settings.quotaCode(), limit.getAsDouble(), used, perInstance, room);
    return OptionalInt.of(room);
  }

  /** The quota's value in vCPUs (cached), or empty when Service Quotas cannot be read. */
  private OptionalDouble quotaVcpus() {
    Instant now = clock.now();
    Timed<OptionalDouble> q = quota;
    if (q != null && fresh(q.at(), now, settings.cacheTtl())) {
      return q.value();
    }
    OptionalDouble value;
    try {
      value = OptionalDouble.of(readQuota());
    } catch (CloudException e) {
      if (quotaFallbackLogged.compareAndSet(false, true)) {
        LOG.warn(
            "Service Quotas not readable ({}): headroom falls back to max size - desired capacity, without"
                + " the vCPU quota (needs servicequotas:GetServiceQuota and a reachable endpoint); said once,"
                + " re-tried every cacheTtl",
            e.getMessage());
      }
      value = OptionalDouble.empty();
    }
    quota = new Timed<>(value, now);
    return value;
  }

  private double readQuota() {
    String code = settings.quotaCode();
    try {
      return calls
          .call(
              "GetServiceQuota",
              "ec2/" + code,
              () -> sq.getServiceQuota(b -> b.serviceCode("ec2").quotaCode(code)))
          .quota()
          .value();
    } catch (CloudException e) {
      if (e.getCause() instanceof SdkException se
          && "NoSuchResourceException".equals(AwsCalls.errorCode(se))) {
        // Accounts that never had the quota applied only have the AWS default.
        return calls
            .call(
                "GetAWSDefaultServiceQuota",
                "ec2/" + code,
                () -> sq.getAWSDefaultServiceQuota(b -> b.serviceCode("ec2").quotaCode(code)))
            .quota()
            .value();
      }
      throw e;
    }
  }

  /** vCPUs of On-Demand pending/running instances in the account that count toward the quota. */
  private long usedVcpus() {
    List<Reservation> reservations =
        calls.call(
            "DescribeInstances",
            "pending/running instances",
            () -> {
              List<Reservation> r = new ArrayList<>();
              ec2.describeInstancesPaginator(
                      b ->
                          b.filters(
                              software.amazon.awssdk.services.ec2.model.Filter.builder()
                                  .name("instance-state-name")
                                  .values("pending", "running")
                                  .build()))
                  .reservations()
                  .forEach(r::add);
              return r;
            });
    Map<String, Integer> countByType = new HashMap<>();
    for (Reservation r : reservations) {
      for (var inst : r.instances()) {
        if ("spot".equals(inst.instanceLifecycleAsString())) {
          // Spot instances count toward the Spot quotas, not the On-Demand ones.
          continue;
        }
        String type = inst.instanceTypeAsString();
        if (type != null && QuotaFamilies.countsToward(settings.quotaCode(), type)) {
          countByType.merge(type, 1, Integer::sum);
        }
      }
    }
    Map<String, Integer> vcpus = vcpus(countByType.keySet(), "pending/running instances");
    long total = 0;
    for (var e : countByType.entrySet()) {
      total += (long) e.getValue() * vcpus.get(e.getKey());
    }
    return total;
  }

  /** vCPUs of one instance of the type the group launches now (the largest, when it may launch several). */
  private int groupInstanceVcpus(AutoScalingGroup g) {
    String key = g.autoScalingGroupName() + "|" + LaunchTargets.targetText(g);
    Instant now = clock.now();
    Timed<Integer> cached = groupVcpus.get(key);
    if (cached != null && fresh(cached.at(), now, settings.cacheTtl())) {
      return cached.value();
    }
    String subject = "group " + g.autoScalingGroupName();
    Set<String> types = new LinkedHashSet<>(launchTypes(g, subject));
    if (types.isEmpty()) {
      // The template leaves the type to overrides or attributes we do not model: size by what runs now.
      g.instances().stream().map(Instance::instanceType).filter(Objects::nonNull).forEach(types::add);
    }
    if (types.isEmpty()) {
      throw new CloudException(
          Kind.PERMANENT,
          "DescribeLaunchTemplateVersions " + subject + ": cannot tell which instance type the group launches"
              + " (no type in its launch template or configuration, and no instance to look at)");
    }
    int max = vcpus(types, subject).values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    groupVcpus.put(key, new Timed<>(max, now));
    return max;
  }

  private List<String> launchTypes(AutoScalingGroup g, String subject) {
    if (g.mixedInstancesPolicy() != null && g.mixedInstancesPolicy().launchTemplate() != null) {
      List<String> overrides =
          g.mixedInstancesPolicy().launchTemplate().overrides().stream()
              .map(LaunchTemplateOverrides::instanceType)
              .filter(Objects::nonNull)
              .toList();
      if (!overrides.isEmpty()) {
        return overrides;
      }
    }
    LaunchTemplateSpecification lt = LaunchTargets.templateOf(g);
    if (lt != null) {
      String version = lt.version() == null ? "$Default" : lt.version();
      var versions =
          calls
              .call(
                  "DescribeLaunchTemplateVersions",
                  "template " + LaunchTargets.targetText(g) + " of " + subject,
                  () ->
                      ec2.describeLaunchTemplateVersions(
                          b -> {
                            if (lt.launchTemplateId() != null) {
                              b.launchTemplateId(lt.launchTemplateId());
                            } else {
                              b.launchTemplateName(lt.launchTemplateName());
                            }
                            b.versions(version);
                          }))
              .launchTemplateVersions();
      return versions.stream()
          .map(v -> v.launchTemplateData() == null ? null : v.launchTemplateData().instanceTypeAsString())
          .filter(Objects::nonNull)
          .toList();
    }
    if (g.launchConfigurationName() != null) {
      return calls
          .call(
              "DescribeLaunchConfigurations",
              "configuration " + g.launchConfigurationName() + " of " + subject,
              () -> as.describeLaunchConfigurations(b -> b.launchConfigurationNames(g.launchConfigurationName())))
          .launchConfigurations()
          .stream()
          .map(lc -> lc.instanceType())
          .filter(Objects::nonNull)
          .toList();
    }
    return List.of();
  }

  /** vCPUs per instance type (cached for good: a type's size never changes). */
  private Map<String, Integer> vcpus(Collection<String> types, String subject) {
    List<String> missing = types.stream().filter(t -> !vcpusByType.containsKey(t)).distinct().toList();
    for (int i = 0; i < missing.size(); i += 100) {
      List<String> chunk = missing.subList(i, Math.min(missing.size(), i + 100));
      List<InstanceTypeInfo> infos =
          calls.call(
              "DescribeInstanceTypes",
              chunk + " for " + subject,
              () -> {
                List<InstanceTypeInfo> out = new ArrayList<>();
                ec2.describeInstanceTypesPaginator(b -> b.instanceTypesWithStrings(chunk))
                    .instanceTypes()
                    .forEach(out::add);
                return out;
              });
      for (InstanceTypeInfo info : infos) {
        if (info.vCpuInfo() != null && info.vCpuInfo().defaultVCpus() != null) {
          vcpusByType.put(info.instanceTypeAsString(), info.vCpuInfo().defaultVCpus());
        }
      }
    }
    Map<String, Integer> out = new HashMap<>();
    for (String t : types) {
      Integer n = vcpusByType.get(t);
      if (n == null || n <= 0) {
        throw new CloudException(
            Kind.PERMANENT, "DescribeInstanceTypes " + t + " for " + subject + ": no vCPU count returned");
      }
      out.put(t, n);
    }
    return out;
  }

  private static boolean fresh(Instant at, Instant now, Duration ttl) {
    return Duration.between(at, now).compareTo(ttl) < 0;
  }
}
