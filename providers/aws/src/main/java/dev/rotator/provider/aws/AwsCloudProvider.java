package dev.rotator.provider.aws;

import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingInstanceDetails;
import software.amazon.awssdk.services.autoscaling.model.Filter;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.SuspendedProcess;
import software.amazon.awssdk.services.autoscaling.model.Tag;
import software.amazon.awssdk.services.autoscaling.model.TagDescription;

/**
 * {@link CloudProvider} on EC2 Auto Scaling groups.
 *
 * <ul>
 *   <li><b>Which groups</b>: those named in {@link AwsSettings#groupNames()} plus those carrying every tag
 *       of {@link AwsSettings#groupTags()} (DescribeAutoScalingGroups, re-read after {@code cacheTtl}).
 *       Nothing outside that set is ever changed.
 *   <li><b>Node → instance</b>: {@code spec.providerID} {@code aws:///<zone>/<instance-id>}, instance →
 *       group through DescribeAutoScalingInstances (cached: an instance does not change groups).
 *   <li><b>Outdated</b>: the instance's launch configuration, or launch template and version, differs from
 *       the group's. Symbolic versions are resolved to numbers: the group's {@code $Latest}/{@code
 *       $Default} through EC2 DescribeLaunchTemplates; an instance reported with a symbolic version
 *       through its EC2 tag {@code aws:ec2launchtemplate:version}, which EC2 sets on every instance
 *       launched from a template (no tag = no opinion). With a mixed instances policy, templates of
 *       instance-type overrides are accepted as well.
 *   <li><b>Surge</b>: SetDesiredCapacity (HonorCooldown false) within min/max. With {@link
 *       AwsSettings#raiseMaxForSurge()} a group at its max first gets the tag {@value #ORIGINAL_MAX_TAG}
 *       holding its original MaxSize, <em>then</em> a raised MaxSize; {@link #endRotation} puts the max
 *       back from that tag and removes it. The engine's persisted {@code originalDesired} covers the
 *       desired capacity only: the tag is the durable record of the max, so a run that crashed with the
 *       max raised is repaired by the next {@code endRotation} of that group, by any rotator process.
 *   <li><b>Terminate</b>: TerminateInstanceInAutoScalingGroup; an instance that is gone, no longer in a
 *       group, or already terminating is success (and is never decremented twice).
 *   <li><b>Headroom</b>: {@code min(max − desired, floor((quota − used vCPUs) / vCPUs per instance))},
 *       quota from Service Quotas ({@link AwsSettings#quotaCode()}), used = On-Demand pending/running
 *       instances of the quota's families (EC2 DescribeInstances × DescribeInstanceTypes). When Service
 *       Quotas cannot be read (no permission, no endpoint) the quota part is left out, logged once. With
 *       raiseMaxForSurge the max is not a limit (it will be raised): only the quota part counts, and
 *       without a readable quota the headroom is unbounded ({@link Integer#MAX_VALUE}).
 *   <li><b>Rotation scope</b>: {@link #beginRotation} suspends the configured processes (recording which
 *       ones it suspended in the tag {@value #SUSPENDED_TAG} first, and leaving alone processes an operator
 *       had suspended before); {@link #endRotation} resumes exactly the recorded ones.
 * </ul>
 *
 * <p>Every AWS call goes through {@link AwsCalls}: throttling, 5xx and network failures are retried with
 * resilience4j (exponential backoff, jitter, bounded attempts; the SDK's retries are off), then surface as
 * {@link Kind#RETRYABLE}; access denied, validation errors and missing groups are {@link Kind#PERMANENT};
 * limits and capacity errors are {@link Kind#QUOTA}. Each message names the call and the group or
 * instance.
 *
 * <p>Marking surge nodes for cluster-autoscaler ({@code scale-down-disabled}) is a Kubernetes Node
 * annotation, not an AWS matter: the engine's Kubernetes side does it.
 *
 * <p>Thread-safe: the engine thread and the quota gate's worker may call it concurrently.
 */
public final class AwsCloudProvider implements CloudProvider, dev.rotator.provider.NodePoolProvider, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AwsCloudProvider.class);

  /** Group tag holding the MaxSize a group had before rotator raised it for a surge. */
  public static final String ORIGINAL_MAX_TAG = "rotator.dev/original-max-size";

  /** Group tag holding the processes rotator suspended (comma-separated), to resume exactly those. */
  public static final String SUSPENDED_TAG = "rotator.dev/suspended-processes";

  /** A group description is reused this long for {@link #isOutdated} (one read per group per plan). */
  static final Duration SNAPSHOT_TTL = Duration.ofSeconds(10);

  static final int INSTANCE_CACHE_SIZE = 10_000;

  private static final Pattern PROVIDER_ID = Pattern.compile("aws://[^/]*/([^/]+)/(i-[0-9a-f]+)");

  private final AwsSettings settings;
  private final Clock clock;
  private final AwsClients clients;
  private final AutoScalingClient as;
  private final AwsCalls calls;
  private final LaunchTargets launchTargets;
  private final VcpuQuota vcpuQuota;

  private volatile Managed managed;
  /** instance id → its group and zone, or none (no group); bounded, oldest evicted. */
  private final Map<String, Membership> memberships =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Membership> eldest) {
          return size() > INSTANCE_CACHE_SIZE;
        }
      };
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
  /** Original MaxSize per group raised by this process (the tag is the durable copy). */
  private final Map<String, Integer> raisedMax = new ConcurrentHashMap<>();

  private record Managed(Set<String> names, Instant at) {}

  private record Membership(String group, String zone, Instant at) {}

  /** A group as read at one moment, with what {@link #isOutdated} derives from it. */
  private static final class Snapshot {
    final AutoScalingGroup group;
    final Instant at;
    LaunchTargets.Target target;
    Map<String, Integer> taggedVersions;

    Snapshot(AutoScalingGroup group, Instant at) {
      this.group = group;
      this.at = at;
    }
  }

  /**
   * A provider over the given clients.
   *
   * @param clock time for backoff waits and cache ages
   */
  public AwsCloudProvider(AwsSettings settings, Clock clock, AwsClients clients) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.clients = Objects.requireNonNull(clients, "clients");
    this.as = clients.autoScaling();
    this.calls = new AwsCalls(settings, clock);
    this.launchTargets = new LaunchTargets(calls, clients.ec2());
    this.vcpuQuota = new VcpuQuota(settings, clock, calls, clients);
  }

  /** A provider whose clients take credentials from the SDK's default chain. */
  public static AwsCloudProvider create(AwsSettings settings, Clock clock) {
    return new AwsCloudProvider(settings, clock, AwsClients.create(settings));
  }

  @Override
  public String name() {
    return "aws";
  }

  @Override
  public void close() {
    clients.close();
  }

  // ------------------------------------------------------------------------------------------ mapping

  /** The zone and instance id in an AWS providerID, or empty when it is not one. */
  static Optional<String[]> parseProviderId(String providerId) {
    if (providerId == null) {
      return Optional.empty();
    }
    Matcher m = PROVIDER_ID.matcher(providerId);
    return m.matches() ? Optional.of(new String[] {m.group(1), m.group(2)}) : Optional.empty();
  }

  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    Optional<String[]> parsed = parseProviderId(providerId);
    if (parsed.isEmpty()) {
      return Optional.empty();
    }
    String zone = parsed.get()[0];
    String id = parsed.get()[1];
    Membership m = membership(id);
    if (m.group() == null || !managedGroups(false).contains(m.group())) {
      return Optional.empty();
    }
    return Optional.of(new InstanceRef(id, m.group(), m.zone() == null ? zone : m.zone()));
  }

  private Membership membership(String instanceId) {
    Instant now = clock.now();
    synchronized (memberships) {
      Membership cached = memberships.get(instanceId);
      // A group membership does not change; "in no group" is re-checked after cacheTtl.
      if (cached != null && (cached.group() != null || fresh(cached.at(), now, settings.cacheTtl()))) {
        return cached;
      }
    }
    Optional<AutoScalingInstanceDetails> d = describeInstance(instanceId);
    Membership m =
        d.map(x -> new Membership(x.autoScalingGroupName(), x.availabilityZone(), now))
            .orElse(new Membership(null, null, now));
    synchronized (memberships) {
      memberships.put(instanceId, m);
    }
    return m;
  }

  private Optional<AutoScalingInstanceDetails> describeInstance(String instanceId) {
    return calls
        .call(
            "DescribeAutoScalingInstances",
            "instance " + instanceId,
            () -> as.describeAutoScalingInstances(b -> b.instanceIds(instanceId)))
        .autoScalingInstances()
        .stream()
        .filter(x -> instanceId.equals(x.instanceId()))
        .findFirst();
  }

  /** The managed group names; re-read when older than cacheTtl or when {@code refresh}. */
  private Set<String> managedGroups(boolean refresh) {
    Managed m = managed;
    Instant now = clock.now();
    if (!refresh && m != null && fresh(m.at(), now, settings.cacheTtl())) {
      return m.names();
    }
    Set<String> names = new TreeSet<>();
    if (!settings.groupNames().isEmpty()) {
      Set<String> found =
          describeGroups(settings.groupNames()).stream()
              .map(AutoScalingGroup::autoScalingGroupName)
              .collect(Collectors.toSet());
      List<String> missing = settings.groupNames().stream().filter(n -> !found.contains(n)).toList();
      if (!missing.isEmpty()) {
        throw new CloudException(
            Kind.PERMANENT,
            "DescribeAutoScalingGroups group(s) " + missing
                + ": configured in provider.aws.groupNames but do not exist in region "
                + regionText());
      }
      names.addAll(found);
    }
    if (!settings.groupTags().isEmpty()) {
      List<Filter> filters =
          settings.groupTags().entrySet().stream()
              .map(e -> Filter.builder().name("tag:" + e.getKey()).values(e.getValue()).build())
              .toList();
      List<AutoScalingGroup> tagged =
          calls.call(
              "DescribeAutoScalingGroups",
              "groups tagged " + settings.groupTags(),
              () -> {
                List<AutoScalingGroup> out = new ArrayList<>();
                as.describeAutoScalingGroupsPaginator(b -> b.filters(filters))
                    .autoScalingGroups()
                    .forEach(out::add);
                return out;
              });
      // The filter runs server-side; check again so a lenient endpoint can never widen the selection.
      for (AutoScalingGroup g : tagged) {
        Map<String, String> tags = tags(g);
        if (settings.groupTags().entrySet().stream()
            .allMatch(e -> e.getValue().equals(tags.get(e.getKey())))) {
          names.add(g.autoScalingGroupName());
        }
      }
      if (tagged.isEmpty()) {
        LOG.warn("no Auto Scaling group in region {} carries the tags {}", regionText(), settings.groupTags());
      }
    }
    Set<String> result = Set.copyOf(names);
    managed = new Managed(result, now);
    return result;
  }

  private List<AutoScalingGroup> describeGroups(List<String> names) {
    List<AutoScalingGroup> out = new ArrayList<>();
    // The API takes a bounded number of names per request.
    for (int i = 0; i < names.size(); i += 50) {
      List<String> chunk = names.subList(i, Math.min(names.size(), i + 50));
      out.addAll(
          calls.call(
              "DescribeAutoScalingGroups",
              "group(s) " + chunk,
              () -> {
                List<AutoScalingGroup> page = new ArrayList<>();
                as.describeAutoScalingGroupsPaginator(b -> b.autoScalingGroupNames(chunk))
                    .autoScalingGroups()
                    .forEach(page::add);
                return page;
              }));
    }
    return out;
  }

  /** The group, fresh; PERMANENT when it does not exist or is not managed. */
  private AutoScalingGroup requireGroup(String groupId, String call) {
    requireManaged(groupId, call);
    AutoScalingGroup g =
        describeGroups(List.of(groupId)).stream()
            .filter(x -> groupId.equals(x.autoScalingGroupName()))
            .findFirst()
            .orElseThrow(
                () ->
                    new CloudException(
                        Kind.PERMANENT,
                        call + " group " + groupId + ": the Auto Scaling group does not exist in region "
                            + regionText()));
    snapshots.put(groupId, new Snapshot(g, clock.now()));
    return g;
  }

  private void requireManaged(String groupId, String call) {
    if (managedGroups(false).contains(groupId) || managedGroups(true).contains(groupId)) {
      return;
    }
    throw new CloudException(
        Kind.PERMANENT,
        call + " group " + groupId + ": not managed by rotator (neither in provider.aws.groupNames nor"
            + " matching provider.aws.groupTags); refusing to touch it");
  }

  // ------------------------------------------------------------------------------------------ groups

  @Override
  public List<NodeGroup> nodeGroups() {
    Set<String> names = managedGroups(true);
    if (names.isEmpty()) {
      return List.of();
    }
    List<NodeGroup> out = new ArrayList<>();
    Instant now = clock.now();
    for (AutoScalingGroup g : describeGroups(List.copyOf(names))) {
      snapshots.put(g.autoScalingGroupName(), new Snapshot(g, now));
      out.add(view(g));
    }
    return out;
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    return view(requireGroup(groupId, "DescribeAutoScalingGroups"));
  }

  private static NodeGroup view(AutoScalingGroup g) {
    return new NodeGroup(
        g.autoScalingGroupName(), g.desiredCapacity(), g.minSize(), g.maxSize(), LaunchTargets.targetText(g));
  }

  // ------------------------------------------------------------------------------------------ capacity

  @Override
  public void setDesiredCapacity(String groupId, int desired) {
    String call = "SetDesiredCapacity";
    AutoScalingGroup g = requireGroup(groupId, call);
    if (desired < g.minSize()) {
      throw new CloudException(
          Kind.PERMANENT,
          call + " group " + groupId + ": desired " + desired + " is below the group's min size " + g.minSize());
    }
    if (desired > g.desiredCapacity()) {
      OptionalInt room = vcpuQuota.room(g);
      int more = desired - g.desiredCapacity();
      if (room.isPresent() && more > room.getAsInt()) {
        throw new CloudException(
            Kind.QUOTA,
            call + " group " + groupId + ": " + more + " more instance(s) do not fit in quota "
                + settings.quotaCode() + " (room for " + room.getAsInt() + ")");
      }
    }
    if (desired > g.maxSize()) {
      if (!settings.raiseMaxForSurge()) {
        throw new CloudException(
            Kind.PERMANENT,
            call + " group " + groupId + ": desired " + desired + " is above the group's max size "
                + g.maxSize() + " (set provider.aws.raiseMaxForSurge to raise it for the rotation)");
      }
      raiseMax(g, desired);
    }
    if (desired == g.desiredCapacity()) {
      return;
    }
    calls.run(
        call,
        "group " + groupId + " to " + desired,
        () ->
            as.setDesiredCapacity(
                b -> b.autoScalingGroupName(groupId).desiredCapacity(desired).honorCooldown(false)));
    snapshots.remove(groupId);
    LOG.info("group {}: desired capacity {} -> {}", groupId, g.desiredCapacity(), desired);
  }

  /** Records the original max in a group tag, then raises MaxSize: the tag survives any crash. */
  private void raiseMax(AutoScalingGroup g, int newMax) {
    String groupId = g.autoScalingGroupName();
    String recorded = tags(g).get(ORIGINAL_MAX_TAG);
    if (recorded == null) {
      // Written before the max changes: whoever finds a raised max also finds what to restore.
      putTag(groupId, ORIGINAL_MAX_TAG, Integer.toString(g.maxSize()), "UpdateAutoScalingGroup");
      raisedMax.putIfAbsent(groupId, g.maxSize());
    } else {
      // A previous run raised it and has not restored it yet: the earliest original is the one to keep.
      raisedMax.putIfAbsent(groupId, parseOriginalMax(groupId, recorded));
    }
    calls.run(
        "UpdateAutoScalingGroup",
        "group " + groupId + " MaxSize " + newMax,
        () -> as.updateAutoScalingGroup(b -> b.autoScalingGroupName(groupId).maxSize(newMax)));
    LOG.info(
        "group {}: max size {} -> {} for the surge (original recorded in tag {})",
        groupId, g.maxSize(), newMax, ORIGINAL_MAX_TAG);
  }

  @Override
  public void terminate(InstanceRef instance, boolean decrementDesired) {
    String id = instance.instanceId();
    String subject = "instance " + id + " (group " + instance.groupId() + ")";
    requireManaged(instance.groupId(), "TerminateInstanceInAutoScalingGroup");
    Optional<AutoScalingInstanceDetails> d = describeInstance(id);
    if (d.isEmpty()) {
      LOG.info("{} is in no Auto Scaling group any more: already terminated", subject);
      return;
    }
    if (!instance.groupId().equals(d.get().autoScalingGroupName())) {
      throw new CloudException(
          Kind.PERMANENT,
          "TerminateInstanceInAutoScalingGroup " + subject + ": the instance belongs to group "
              + d.get().autoScalingGroupName() + "; refusing to terminate it");
    }
    String state = d.get().lifecycleState() == null ? "" : d.get().lifecycleState();
    if (state.startsWith("Terminating") || state.equals("Terminated")) {
      // Already on its way out (an earlier attempt whose answer was lost): terminating again could
      // decrement the desired capacity a second time.
      LOG.info("{} is already {}: nothing to do", subject, state);
      return;
    }
    try {
      calls.run(
          "TerminateInstanceInAutoScalingGroup",
          subject + (decrementDesired ? " with desired-1" : ""),
          () ->
              as.terminateInstanceInAutoScalingGroup(
                  b -> b.instanceId(id).shouldDecrementDesiredCapacity(decrementDesired)));
    } catch (CloudException e) {
      if (e.getCause() instanceof software.amazon.awssdk.core.exception.SdkException se
          && "ValidationError".equals(AwsCalls.errorCode(se))
          && AwsCalls.errorMessage(se).toLowerCase(Locale.ROOT).contains("not found")) {
        LOG.info("{} went away before it was terminated: done", subject);
        return;
      }
      throw e;
    }
    snapshots.remove(instance.groupId());
    LOG.info("{} terminated{}", subject, decrementDesired ? " (desired capacity decremented)" : "");
  }

  // ------------------------------------------------------------------------------------------ outdated

  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    Snapshot s = snapshot(instance.groupId(), false);
    Instance inst = find(s.group, instance.instanceId());
    if (inst == null) {
      s = snapshot(instance.groupId(), true);
      inst = find(s.group, instance.instanceId());
      if (inst == null) {
        return Optional.empty();
      }
    }
    LaunchTargets.Target target = target(s);
    if (target.launchConfiguration() != null) {
      return Optional.of(!target.launchConfiguration().equals(inst.launchConfigurationName()));
    }
    LaunchTemplateSpecification lt = inst.launchTemplate();
    if (lt == null) {
      // Launched from a launch configuration; the group now uses a template.
      return Optional.of(true);
    }
    for (LaunchTargets.Accepted a : target.templates()) {
      if (a.matches(lt)) {
        OptionalInt version = instanceVersion(s, inst);
        if (version.isEmpty()) {
          LOG.debug(
              "instance {}: launch template version '{}' cannot be resolved (no {} tag): no opinion",
              inst.instanceId(), lt.version(), LaunchTargets.LT_VERSION_TAG);
          return Optional.empty();
        }
        return Optional.of(version.getAsInt() != a.version());
      }
    }
    return Optional.of(true);
  }

  private Snapshot snapshot(String groupId, boolean refresh) {
    Snapshot s = snapshots.get(groupId);
    Instant now = clock.now();
    Duration ttl = SNAPSHOT_TTL.compareTo(settings.cacheTtl()) < 0 ? SNAPSHOT_TTL : settings.cacheTtl();
    if (refresh || s == null || !fresh(s.at, now, ttl)) {
      requireGroup(groupId, "DescribeAutoScalingGroups");
      s = snapshots.get(groupId);
    }
    return s;
  }

  private static Instance find(AutoScalingGroup g, String instanceId) {
    return g.instances().stream().filter(i -> instanceId.equals(i.instanceId())).findFirst().orElse(null);
  }

  private LaunchTargets.Target target(Snapshot s) {
    synchronized (s) {
      if (s.target == null) {
        s.target = launchTargets.target(s.group);
      }
      return s.target;
    }
  }

  /** The numeric template version an instance was launched with, if it can be told. */
  private OptionalInt instanceVersion(Snapshot s, Instance inst) {
    OptionalInt reported = LaunchTargets.numeric(inst.launchTemplate().version());
    if (reported.isPresent()) {
      return reported;
    }
    Map<String, Integer> tagged;
    synchronized (s) {
      if (s.taggedVersions == null) {
        s.taggedVersions = launchTargets.taggedVersions(s.group);
      }
      tagged = s.taggedVersions;
    }
    Integer n = tagged.get(inst.instanceId());
    return n == null ? OptionalInt.empty() : OptionalInt.of(n);
  }

  // ------------------------------------------------------------------------------------------ headroom

  @Override
  public int headroom(String groupId) {
    AutoScalingGroup g = requireGroup(groupId, "DescribeAutoScalingGroups");
    OptionalInt quotaRoom = vcpuQuota.room(g);
    if (settings.raiseMaxForSurge()) {
      // The max is raised for the surge: only the quota limits it.
      return quotaRoom.orElse(Integer.MAX_VALUE);
    }
    int sizeRoom = Math.max(0, g.maxSize() - g.desiredCapacity());
    return quotaRoom.isPresent() ? Math.min(sizeRoom, quotaRoom.getAsInt()) : sizeRoom;
  }

  // ------------------------------------------------------------------------------------------ whole pools

  /** cluster-autoscaler's node-template tags: the labels and taints of a group's nodes. */
  static final String LABEL_TAG = "k8s.io/cluster-autoscaler/node-template/label/";
  static final String TAINT_TAG = "k8s.io/cluster-autoscaler/node-template/taint/";

  /** An Auto Scaling group as a pool, or empty when there is no such group (managed or not). */
  @Override
  public Optional<dev.rotator.provider.NodePool> pool(String name) {
    return describeGroups(List.of(name)).stream()
        .filter(g -> name.equals(g.autoScalingGroupName()))
        .findFirst()
        .map(AwsCloudProvider::describePool);
  }

  private static dev.rotator.provider.NodePool describePool(AutoScalingGroup g) {
    Map<String, String> labels = new LinkedHashMap<>();
    List<dev.rotator.provider.PoolTaint> taints = new ArrayList<>();
    tags(g).forEach((k, v) -> {
      if (k.startsWith(LABEL_TAG)) {
        labels.put(k.substring(LABEL_TAG.length()), v);
      } else if (k.startsWith(TAINT_TAG)) {
        int colon = v.lastIndexOf(':');
        taints.add(new dev.rotator.provider.PoolTaint(k.substring(TAINT_TAG.length()),
            colon < 0 ? v : v.substring(0, colon), colon < 0 ? "NoSchedule" : v.substring(colon + 1)));
      }
    });
    LaunchTemplateSpecification lt = LaunchTargets.templateOf(g);
    String type = g.instances().stream().map(Instance::instanceType).filter(Objects::nonNull).findFirst().orElse("");
    return new dev.rotator.provider.NodePool(g.autoScalingGroupName(), "", "",
        lt == null ? "" : (lt.launchTemplateId() != null ? lt.launchTemplateId() : lt.launchTemplateName()),
        lt == null ? "" : lt.version(), type, labels, taints, g.desiredCapacity(), g.minSize(), g.maxSize(),
        g.availabilityZones());
  }

  /**
   * CreateAutoScalingGroup on the old group's launch template at {@code pool.launchTemplateVersion()}, in the
   * old group's subnets (or zones), with its tags (node-template labels and taints included; {@code aws:}
   * and rotator's own tags left out) and the new size. On AWS the template version decides the image and the
   * instance type: a {@code machineType} change is refused (make a template version with it).
   */
  @Override
  public void createPool(dev.rotator.provider.NodePool pool, dev.rotator.provider.NodePool from) {
    String call = "CreateAutoScalingGroup";
    if (pool(pool.name()).isPresent()) {
      return;
    }
    AutoScalingGroup old = requireGroup(from.name(), call);
    LaunchTemplateSpecification lt = old.launchTemplate();
    if (lt == null) {
      throw new CloudException(Kind.PERMANENT, call + " group " + pool.name() + ": group " + from.name()
          + " uses " + (old.mixedInstancesPolicy() != null ? "a mixed instances policy" : "a launch configuration")
          + "; the node-pool switch copies groups on a plain launch template only");
    }
    if (!from.machineType().isEmpty() && !pool.machineType().equals(from.machineType())) {
      throw new CloudException(Kind.PERMANENT, call + " group " + pool.name() + ": on AWS the launch template"
          + " version decides the instance type; set nodePool.changes.launchTemplateVersion to a version with "
          + pool.machineType() + " instead of machineType");
    }
    String version = pool.launchTemplateVersion().isEmpty() ? lt.version() : pool.launchTemplateVersion();
    List<Tag> copied = new ArrayList<>();
    for (TagDescription t : old.tags()) {
      if (t.key().startsWith("aws:") || t.key().equals(ORIGINAL_MAX_TAG) || t.key().equals(SUSPENDED_TAG)) {
        continue;
      }
      copied.add(Tag.builder().key(t.key()).value(t.value()).propagateAtLaunch(t.propagateAtLaunch())
          .resourceId(pool.name()).resourceType("auto-scaling-group").build());
    }
    try {
      calls.run(call, "group " + pool.name(), () -> as.createAutoScalingGroup(b -> {
        b.autoScalingGroupName(pool.name())
            .launchTemplate(LaunchTemplateSpecification.builder().launchTemplateId(lt.launchTemplateId())
                .launchTemplateName(lt.launchTemplateId() == null ? lt.launchTemplateName() : null)
                .version(version).build())
            .minSize(pool.min()).maxSize(pool.max()).desiredCapacity(pool.size())
            .tags(copied);
        if (old.vpcZoneIdentifier() != null && !old.vpcZoneIdentifier().isEmpty()) {
          b.vpcZoneIdentifier(old.vpcZoneIdentifier());
        } else {
          b.availabilityZones(old.availabilityZones());
        }
      }));
    } catch (CloudException e) {
      // A create that reached AWS before a retry (AlreadyExists) or a crash left the group: the one we wanted.
      if (pool(pool.name()).isPresent()) {
        return;
      }
      throw e;
    }
    managedGroups(true);
    LOG.info("created Auto Scaling group {} from {} (launch template {} version {})", pool.name(), from.name(),
        lt.launchTemplateId(), version);
  }

  /**
   * Scales the group to zero (min and desired), then, once no instance is left in it, DeleteAutoScalingGroup
   * with ForceDelete false: AWS refuses to delete a group that still has instances, so nothing is terminated
   * behind the switch's back. False while instances remain.
   */
  @Override
  public boolean deletePool(String name) {
    Optional<AutoScalingGroup> found = describeGroups(List.of(name)).stream()
        .filter(g -> name.equals(g.autoScalingGroupName())).findFirst();
    if (found.isEmpty()) {
      return true;
    }
    AutoScalingGroup g = found.get();
    requireManaged(name, "DeleteAutoScalingGroup");
    if (g.minSize() > 0 || g.desiredCapacity() > 0) {
      calls.run("UpdateAutoScalingGroup", "group " + name, () -> as.updateAutoScalingGroup(b -> b
          .autoScalingGroupName(name).minSize(0).desiredCapacity(0)));
      return false;
    }
    if (!g.instances().isEmpty()) {
      return false;
    }
    try {
      calls.run("DeleteAutoScalingGroup", "group " + name, () -> as.deleteAutoScalingGroup(b -> b
          .autoScalingGroupName(name).forceDelete(false)));
    } catch (CloudException e) {
      if (describeGroups(List.of(name)).stream().noneMatch(x -> name.equals(x.autoScalingGroupName()))) {
        return true;
      }
      if (e.getMessage() != null && (e.getMessage().contains("ResourceInUse") || e.getMessage().contains("ScalingActivityInProgress"))) {
        return false;
      }
      throw e;
    }
    snapshots.remove(name);
    return true;
  }

  @Override
  public List<InstanceRef> poolInstances(String name) {
    return describeGroups(List.of(name)).stream()
        .filter(g -> name.equals(g.autoScalingGroupName()))
        .flatMap(g -> g.instances().stream())
        .filter(i -> !"Terminated".equals(i.lifecycleStateAsString()))
        .map(i -> new InstanceRef(i.instanceId(), name, i.availabilityZone()))
        .toList();
  }

  /**
   * In instances: what the EC2 On-Demand vCPU quota still allows of the instance type the old group launches
   * (the same room {@link #headroom} uses); unknown quota = no limit known.
   */
  @Override
  public dev.rotator.provider.QuotaHeadroom quotaFor(
      dev.rotator.provider.NodePool pool, dev.rotator.provider.NodePool from, int count) {
    AutoScalingGroup old = requireGroup(from.name(), "DescribeAutoScalingGroups");
    OptionalInt room = vcpuQuota.room(old);
    return new dev.rotator.provider.QuotaHeadroom("instances", count,
        room.isPresent() ? room.getAsInt() : Long.MAX_VALUE,
        room.isPresent() ? "EC2 On-Demand vCPU quota " + settings.quotaCode() + " in " + regionText()
            + ", counted in instances of " + from.name() + "'s type"
            : "Service Quotas could not be read: quota unknown");
  }

  // ------------------------------------------------------------------------------------------ rotation scope

  /**
   * Suspends the configured processes. Processes an operator had suspended before are left out of the
   * record, so {@link #endRotation} never resumes something rotator did not suspend.
   */
  @Override
  public void beginRotation(String groupId) {
    if (settings.suspendProcesses().isEmpty()) {
      return;
    }
    AutoScalingGroup g = requireGroup(groupId, "SuspendProcesses");
    Set<String> recorded = recordedProcesses(g);
    Set<String> suspended =
        g.suspendedProcesses().stream().map(SuspendedProcess::processName).collect(Collectors.toSet());
    List<String> toSuspend =
        settings.suspendProcesses().stream()
            .filter(p -> recorded.contains(p) || !suspended.contains(p))
            .toList();
    List<String> notOurs =
        settings.suspendProcesses().stream().filter(p -> !toSuspend.contains(p)).toList();
    if (!notOurs.isEmpty()) {
      LOG.info("group {}: {} already suspended by someone else; rotator will leave them suspended", groupId, notOurs);
    }
    if (toSuspend.isEmpty()) {
      return;
    }
    Set<String> record = new TreeSet<>(recorded);
    record.addAll(toSuspend);
    if (!record.equals(recorded)) {
      // Written first: a crash after suspending still leaves the record of what to resume.
      putTag(groupId, SUSPENDED_TAG, String.join(",", record), "SuspendProcesses");
    }
    calls.run(
        "SuspendProcesses",
        "group " + groupId + " " + toSuspend,
        () -> as.suspendProcesses(b -> b.autoScalingGroupName(groupId).scalingProcesses(toSuspend)));
    snapshots.remove(groupId);
    LOG.info("group {}: suspended {} for the rotation", groupId, toSuspend);
  }

  /**
   * Resumes the processes {@link #beginRotation} recorded and restores a raised max size, both from the
   * group's tags, so it also repairs what a crashed run left behind. Both are attempted; the first
   * failure is thrown afterwards.
   */
  @Override
  public void endRotation(String groupId) {
    AutoScalingGroup g;
    try {
      g = requireGroup(groupId, "ResumeProcesses");
    } catch (CloudException e) {
      if (e.kind() == Kind.PERMANENT && e.getMessage().contains("does not exist")) {
        LOG.warn("group {} no longer exists: nothing to resume or restore", groupId);
        return;
      }
      throw e;
    }
    List<CloudException> failures = new ArrayList<>();
    try {
      resumeRecorded(g);
    } catch (CloudException e) {
      failures.add(e);
    }
    try {
      restoreMax(g);
    } catch (CloudException e) {
      failures.add(e);
    }
    snapshots.remove(groupId);
    if (!failures.isEmpty()) {
      CloudException first = failures.get(0);
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  private void resumeRecorded(AutoScalingGroup g) {
    String groupId = g.autoScalingGroupName();
    Set<String> recorded = recordedProcesses(g);
    if (recorded.isEmpty()) {
      return;
    }
    List<String> resume = List.copyOf(recorded);
    calls.run(
        "ResumeProcesses",
        "group " + groupId + " " + resume,
        () -> as.resumeProcesses(b -> b.autoScalingGroupName(groupId).scalingProcesses(resume)));
    deleteTag(groupId, SUSPENDED_TAG, "ResumeProcesses");
    LOG.info("group {}: resumed {}", groupId, resume);
  }

  private void restoreMax(AutoScalingGroup g) {
    String groupId = g.autoScalingGroupName();
    String recorded = tags(g).get(ORIGINAL_MAX_TAG);
    Integer original = recorded != null ? Integer.valueOf(parseOriginalMax(groupId, recorded)) : raisedMax.get(groupId);
    if (original == null) {
      return;
    }
    // Never below the current desired capacity (a surge not yet given back, e.g. after a freeze): the
    // API would refuse it. The tag then stays and the next endRotation finishes the job.
    int target = Math.max(original, Math.max(g.desiredCapacity(), g.minSize()));
    if (g.maxSize() != target) {
      calls.run(
          "UpdateAutoScalingGroup",
          "group " + groupId + " MaxSize " + target,
          () -> as.updateAutoScalingGroup(b -> b.autoScalingGroupName(groupId).maxSize(target)));
      LOG.info("group {}: max size {} -> {} (original {})", groupId, g.maxSize(), target, original);
    }
    if (target == original) {
      if (recorded != null) {
        deleteTag(groupId, ORIGINAL_MAX_TAG, "UpdateAutoScalingGroup");
      }
      raisedMax.remove(groupId);
    } else {
      LOG.warn(
          "group {}: max size left at {} (original {}) while desired capacity is {}; the next run's end"
              + " restores it (tag {})",
          groupId, target, original, g.desiredCapacity(), ORIGINAL_MAX_TAG);
    }
  }

  private static int parseOriginalMax(String groupId, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new CloudException(
        Kind.PERMANENT,
        "UpdateAutoScalingGroup group " + groupId + ": tag " + ORIGINAL_MAX_TAG + " holds '" + value
            + "', not a size; set the group's max size by hand and delete the tag");
  }

  private Set<String> recordedProcesses(AutoScalingGroup g) {
    String v = tags(g).get(SUSPENDED_TAG);
    Set<String> out = new TreeSet<>();
    if (v != null) {
      for (String p : v.split(",")) {
        if (!p.isBlank()) {
          out.add(p.trim());
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ helpers

  private void putTag(String groupId, String key, String value, String forCall) {
    calls.run(
        "CreateOrUpdateTags",
        "group " + groupId + " " + key + "=" + value + " (before " + forCall + ")",
        () ->
            as.createOrUpdateTags(
                b ->
                    b.tags(
                        Tag.builder()
                            .resourceId(groupId)
                            .resourceType("auto-scaling-group")
                            .key(key)
                            .value(value)
                            .propagateAtLaunch(false)
                            .build())));
  }

  private void deleteTag(String groupId, String key, String afterCall) {
    calls.run(
        "DeleteTags",
        "group " + groupId + " " + key + " (after " + afterCall + ")",
        () ->
            as.deleteTags(
                b -> b.tags(Tag.builder().resourceId(groupId).resourceType("auto-scaling-group").key(key).build())));
  }

  private static Map<String, String> tags(AutoScalingGroup g) {
    Map<String, String> out = new HashMap<>();
    for (TagDescription t : g.tags()) {
      out.put(t.key(), t.value() == null ? "" : t.value());
    }
    return out;
  }

  private static boolean fresh(Instant at, Instant now, Duration ttl) {
    return Duration.between(at, now).compareTo(ttl) < 0;
  }

  private String regionText() {
    return settings.region().isEmpty() ? "(default region)" : settings.region();
  }
}
