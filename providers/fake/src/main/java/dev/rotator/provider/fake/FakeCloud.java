package dev.rotator.provider.fake;

import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory cloud: node groups (think Auto Scaling groups) that launch instances to match their desired
 * capacity, with a provisioning delay, quotas, error injection and call recording (Karpenter's {@code
 * cloudprovider/fake} is the model).
 *
 * <p>Time-driven: nothing happens on its own. {@link #reconcile(Instant)} launches missing instances,
 * promotes PROVISIONING ones whose delay has passed to RUNNING and scales in groups whose desired capacity
 * was lowered; the simulator calls it on every tick. State changes are reported to {@link Listener}s,
 * always <em>outside</em> the cloud's lock, so a listener may take other locks (the simulator's store)
 * without risking a lock-order deadlock with the engine thread calling {@link #terminate}.
 *
 * <p>A group's {@link FakeFlavor} makes it look and place instances like an Auto Scaling group or a GKE
 * node pool (ids, providerIDs, Node names and labels, zone placement); {@link #instanceOf} reads the
 * providerIDs of all three flavours.
 *
 * <p>Thread-safe: the engine thread and the simulator thread use it concurrently.
 */
public final class FakeCloud implements CloudProvider {

  /** Receives instance lifecycle changes (called outside the cloud's lock, on the calling thread). */
  public interface Listener {
    default void onInstanceRunning(FakeInstance instance) {}

    default void onInstanceTerminated(FakeInstance instance) {}
  }

  /** One recorded call of a {@link CloudProvider} method, with its arguments, in call order. */
  public record Call(String method, List<Object> args) {
    public Call {
      args = Collections.unmodifiableList(new ArrayList<>(args)); // null args (a null providerID) are kept
    }
  }

  /** Methods {@link #failNext} accepts. */
  public static final Set<String> METHODS =
      Set.of(
          "instanceOf",
          "nodeGroups",
          "nodeGroup",
          "setDesiredCapacity",
          "terminate",
          "isOutdated",
          "headroom");

  private static final String SCHEME = "fake:///";
  private static final String AWS_SCHEME = "aws:///";
  private static final String GCE_SCHEME = "gce://";
  private static final String BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";
  /** Bounded retries when a generated GKE name suffix is taken (36^4 names per zone group). */
  private static final int NAME_ATTEMPTS = 1000;

  private final Clock clock;
  private final Object lock = new Object();
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final Map<String, FakeInstance> instances = new LinkedHashMap<>();
  private final Map<String, Deque<CloudException>> failures = new HashMap<>();
  private final List<Call> calls = new ArrayList<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private long instanceSeq;
  /** State changes made but not yet reported to listeners (they are reported outside the lock). */
  private int undelivered;

  private static final class Group {
    final FakeGroupSpec spec;
    int desired;
    int quota;
    String targetVersion;
    int zoneCursor;
    /** Deleted as a whole (a node pool switch's old or rolled-back pool): kept so observers can still look. */
    boolean deleted;
    /**
     * GKE only: the target size of each zone's managed instance group, in zone order; {@code desired} is
     * always their sum. Empty for the other flavours (one desired capacity for the whole group).
     */
    final LinkedHashMap<String, Integer> zoneTarget = new LinkedHashMap<>();

    Group(FakeGroupSpec spec) {
      this.spec = spec;
      this.desired = spec.desired();
      this.quota = spec.quota();
      this.targetVersion = spec.targetVersion();
      if (perZone()) {
        spec.zones().forEach(z -> zoneTarget.put(z, 0));
        spread(zoneTarget, desired);
      }
    }

    boolean perZone() {
      return spec.flavor().kind() == FakeFlavor.Kind.GKE;
    }

    NodeGroup view() {
      return new NodeGroup(spec.id(), desired, spec.min(), spec.max(), targetVersion);
    }
  }

  public FakeCloud(Clock clock) {
    this.clock = clock;
  }

  // ---------------------------------------------------------------- setup and inspection (not the port)

  /** Adds a group with no instances; the next {@link #reconcile} launches up to its desired capacity. */
  public void addGroup(FakeGroupSpec spec) {
    synchronized (lock) {
      Group old = groups.get(spec.id());
      if (old != null && !(old.deleted && liveOf(spec.id()).isEmpty())) {
        throw new IllegalArgumentException("group " + spec.id() + " exists already");
      }
      groups.put(spec.id(), new Group(spec));
    }
  }

  /**
   * Adds an instance that is already RUNNING (a node that existed before the simulation), counted against
   * the group's desired capacity like any other. Listeners hear about it. For a GKE-flavoured group the
   * zone targets were set when the group was added (spread evenly, first zones first); add the instances
   * to match them, as the simulator does (round-robin over the zones), or reconcile will even them out.
   */
  public FakeInstance addRunningInstance(String groupId, String zone, String version) {
    FakeInstance inst;
    synchronized (lock) {
      Group g = requireGroup(groupId);
      if (!g.spec.zones().contains(zone)) {
        throw new IllegalArgumentException("group " + groupId + " has no zone " + zone);
      }
      Instant now = clock.now();
      inst = newInstance(g, zone, version, now).running(now);
      instances.put(inst.id(), inst);
      undelivered++;
    }
    notify(List.of(inst), List.of());
    return inst;
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  /** Changes the version new instances of a group get (a new launch template version). */
  public void setTargetVersion(String groupId, String version) {
    synchronized (lock) {
      requireGroup(groupId).targetVersion = version;
    }
  }

  /** Changes how many live instances the group may run (a service quota lowered or raised). */
  public void setQuota(String groupId, int quota) {
    synchronized (lock) {
      requireGroup(groupId).quota = quota;
    }
  }

  /** How many live instances the group may run now (its service quota, as {@link #setQuota} left it). */
  public int quota(String groupId) {
    synchronized (lock) {
      return requireGroup(groupId).quota;
    }
  }

  /** All instances ever known, terminated ones included, in launch order. */
  public List<FakeInstance> instances() {
    synchronized (lock) {
      return List.copyOf(instances.values());
    }
  }

  /** Live (PROVISIONING or RUNNING) instances of a group, in launch order. */
  public List<FakeInstance> liveInstances(String groupId) {
    synchronized (lock) {
      return instances.values().stream()
          .filter(i -> i.groupId().equals(groupId) && i.state().live())
          .toList();
    }
  }

  public Optional<FakeInstance> instance(String instanceId) {
    synchronized (lock) {
      return Optional.ofNullable(instances.get(instanceId));
    }
  }

  /** A group's current target version, without recording a call (for observers). */
  public String targetVersion(String groupId) {
    synchronized (lock) {
      return requireGroup(groupId).targetVersion;
    }
  }

  /** A group as {@link #nodeGroup} returns it, without recording a call (for observers). */
  public NodeGroup peekGroup(String groupId) {
    synchronized (lock) {
      return requireGroup(groupId).view();
    }
  }

  /**
   * Nothing left for {@link #reconcile} to do and nothing left to report: no instance provisioning, every
   * group running exactly {@code min(desired, quota)} live instances, and every state change already
   * delivered to the listeners.
   */
  public boolean settled() {
    synchronized (lock) {
      return undelivered == 0 && atCapacity();
    }
  }

  /**
   * Every group runs exactly {@code min(desired, quota)} live instances and none is provisioning (state
   * changes may still be on their way to listeners; see {@link #settled}).
   */
  public boolean atCapacity() {
    synchronized (lock) {
      for (Group g : groups.values()) {
        List<FakeInstance> live = liveOf(g.spec.id());
        if (live.size() != Math.min(g.desired, g.quota)
            || live.stream().anyMatch(i -> i.state() == InstanceState.PROVISIONING)) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * A GKE-flavoured group's target size per zone (its managed instance groups), in zone order; for the
   * other flavours, which keep one desired capacity, the live instances per zone.
   */
  public Map<String, Integer> zoneTargets(String groupId) {
    synchronized (lock) {
      Group g = requireGroup(groupId);
      if (g.perZone()) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(g.zoneTarget));
      }
      return Collections.unmodifiableMap(liveByZone(g));
    }
  }

  /** Whether a group exists and was not deleted. */
  public boolean hasGroup(String groupId) {
    synchronized (lock) {
      Group g = groups.get(groupId);
      return g != null && !g.deleted;
    }
  }

  /**
   * Deletes a whole group (a node pool): its desired capacity drops to zero, so the next {@link #reconcile}
   * terminates every instance it still runs (listeners hear about each). The group stays visible to observers
   * ({@link #peekGroup}, {@link #targetVersion}) but is gone for the port ({@link #nodeGroups}, {@link
   * #nodeGroup} say so). Idempotent.
   *
   * @return true when no live instance of it is left
   */
  public boolean deleteGroup(String groupId) {
    synchronized (lock) {
      Group g = requireGroup(groupId);
      g.deleted = true;
      g.desired = 0;
      g.zoneTarget.replaceAll((z, n) -> 0);
      return liveOf(groupId).isEmpty();
    }
  }

  /** The spec the group was created with (zones, sizes, instance shape). */
  public FakeGroupSpec groupSpec(String groupId) {
    synchronized (lock) {
      return requireGroup(groupId).spec;
    }
  }

  // ---------------------------------------------------------------- error injection and call recording

  /**
   * Makes the next call of {@code method} throw {@code error} (after being recorded). Several injections
   * for the same method are used in order.
   */
  public void failNext(String method, CloudException error) {
    if (!METHODS.contains(method)) {
      throw new IllegalArgumentException("unknown method " + method + "; one of " + METHODS);
    }
    synchronized (lock) {
      failures.computeIfAbsent(method, m -> new ArrayDeque<>()).add(error);
    }
  }

  /** Every port call so far, in order. */
  public List<Call> calls() {
    synchronized (lock) {
      return List.copyOf(calls);
    }
  }

  /** Recorded calls of one method. */
  public List<Call> calls(String method) {
    synchronized (lock) {
      return calls.stream().filter(c -> c.method().equals(method)).toList();
    }
  }

  /** Forgets recorded calls and pending injected failures; groups and instances stay as they are. */
  public void reset() {
    synchronized (lock) {
      calls.clear();
      failures.clear();
    }
  }

  // ---------------------------------------------------------------- time

  /**
   * Brings the cloud up to {@code now}: scales in groups above their desired capacity, launches instances
   * for missing capacity (within quota), and turns PROVISIONING instances whose delay has passed RUNNING.
   */
  public void reconcile(Instant now) {
    List<FakeInstance> running = new ArrayList<>();
    List<FakeInstance> terminated = new ArrayList<>();
    synchronized (lock) {
      for (Group g : groups.values()) {
        if (g.perZone()) {
          reconcileZones(g, now, terminated);
          continue;
        }
        List<FakeInstance> live = liveOf(g.spec.id());
        if (live.size() > g.desired) {
          scaleIn(g, live, live.size() - g.desired, now, terminated);
          live = liveOf(g.spec.id());
        }
        int launch = Math.min(g.desired - live.size(), g.quota - live.size());
        for (int i = 0; i < launch; i++) {
          FakeInstance inst = newInstance(g, pickZone(g), g.targetVersion, now);
          instances.put(inst.id(), inst);
        }
      }
      for (FakeInstance inst : List.copyOf(instances.values())) {
        if (inst.state() == InstanceState.PROVISIONING) {
          Instant due = inst.launchedAt().plus(groups.get(inst.groupId()).spec.provisioningDelay());
          if (!due.isAfter(now)) {
            FakeInstance up = inst.running(now);
            instances.put(up.id(), up);
            running.add(up);
          }
        }
      }
      undelivered += running.size() + terminated.size();
    }
    notify(running, terminated);
  }

  // ---------------------------------------------------------------- CloudProvider

  @Override
  public String name() {
    return "fake";
  }

  /**
   * {@code fake:///<zone>/<group>/<instanceId>} is parsed (the group is in it, the instance need not be
   * known, as before flavours existed). {@code aws:///<zone>/<i-…>} and {@code gce://<project>/<zone>/<name>}
   * name no group, so the instance is looked up (by id, by name), terminated ones included: it must be one
   * of this cloud's, of that flavour, in that zone (and project), else empty, as a real provider answers for
   * an instance outside the groups it manages.
   */
  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    record("instanceOf", providerId);
    return peekInstanceOf(providerId);
  }

  /** {@link #instanceOf} without recording a call or injected failures: for observers (the simulator). */
  public Optional<InstanceRef> peekInstanceOf(String providerId) {
    if (providerId == null) {
      return Optional.empty();
    }
    if (providerId.startsWith(SCHEME)) {
      return parseProviderId(providerId);
    }
    synchronized (lock) {
      return lookup(providerId).map(FakeInstance::ref);
    }
  }

  /** The instance behind a providerID of any flavour, terminated ones included; empty when not ours. */
  public Optional<FakeInstance> instanceByProviderId(String providerId) {
    if (providerId == null) {
      return Optional.empty();
    }
    synchronized (lock) {
      if (providerId.startsWith(SCHEME)) {
        return parseProviderId(providerId)
            .map(ref -> instances.get(ref.instanceId()))
            .filter(i -> i.providerId().equals(providerId));
      }
      return lookup(providerId);
    }
  }

  /** Parses a {@code fake:///} providerID (no lookup, no call recorded); other schemes: empty. */
  public static Optional<InstanceRef> parseProviderId(String providerId) {
    if (providerId == null || !providerId.startsWith(SCHEME)) {
      return Optional.empty();
    }
    String[] parts = providerId.substring(SCHEME.length()).split("/", -1);
    if (parts.length != 3 || Arrays.stream(parts).anyMatch(String::isEmpty)) {
      return Optional.empty();
    }
    return Optional.of(new InstanceRef(parts[2], parts[1], parts[0]));
  }

  @Override
  public List<NodeGroup> nodeGroups() {
    record("nodeGroups");
    synchronized (lock) {
      return groups.values().stream().filter(g -> !g.deleted).map(Group::view).toList();
    }
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    record("nodeGroup", groupId);
    synchronized (lock) {
      return requireGroupOrPermanent(groupId).view();
    }
  }

  @Override
  public void setDesiredCapacity(String groupId, int desired) {
    record("setDesiredCapacity", groupId, desired);
    synchronized (lock) {
      Group g = requireGroupOrPermanent(groupId);
      if (desired < g.spec.min() || desired > g.spec.max()) {
        throw new CloudException(
            CloudException.Kind.PERMANENT,
            "group " + groupId + ": desired " + desired + " outside [" + g.spec.min() + ", " + g.spec.max()
                + "]");
      }
      if (desired > g.desired && desired > g.quota) {
        throw new CloudException(
            CloudException.Kind.QUOTA,
            "group " + groupId + ": desired " + desired + " exceeds the instance quota " + g.quota);
      }
      if (g.perZone()) {
        spread(g.zoneTarget, desired);
      }
      g.desired = desired;
    }
  }

  /**
   * Terminates an instance. Unknown or already terminated instances are success (idempotent); with {@code
   * decrementDesired} the group shrinks by one, which fails PERMANENT (terminating nothing) when that would
   * go below the group's minimum.
   */
  @Override
  public void terminate(InstanceRef instance, boolean decrementDesired) {
    record("terminate", instance, decrementDesired);
    FakeInstance gone;
    synchronized (lock) {
      FakeInstance inst = instances.get(instance.instanceId());
      if (inst == null || inst.state() == InstanceState.TERMINATED) {
        return;
      }
      Group g = groups.get(inst.groupId());
      if (decrementDesired) {
        if (g.desired - 1 < g.spec.min()) {
          throw new CloudException(
              CloudException.Kind.PERMANENT,
              "group " + g.spec.id() + ": decrementing desired " + g.desired + " would go below min "
                  + g.spec.min());
        }
        g.desired--;
        if (g.perZone()) {
          // deleteInstances on the instance's own zone group: that group's target size drops.
          g.zoneTarget.merge(inst.zone(), -1, Integer::sum);
        }
      }
      gone = inst.terminated(clock.now());
      instances.put(gone.id(), gone);
      undelivered++;
    }
    notify(List.of(), List.of(gone));
  }

  /** Outdated = launched with a version other than the group's current target; unknown instance = empty. */
  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    record("isOutdated", instance);
    synchronized (lock) {
      FakeInstance inst = instances.get(instance.instanceId());
      if (inst == null) {
        return Optional.empty();
      }
      return Optional.of(!inst.version().equals(groups.get(inst.groupId()).targetVersion));
    }
  }

  /** {@code min(max - desired, quota - live)}, never negative. */
  @Override
  public int headroom(String groupId) {
    record("headroom", groupId);
    synchronized (lock) {
      Group g = requireGroupOrPermanent(groupId);
      int live = liveOf(groupId).size();
      return Math.max(0, Math.min(g.spec.max() - g.desired, g.quota - live));
    }
  }

  /** The provider ID of a fake-flavour instance, as the simulator writes it on the Node. */
  public static String providerId(String zone, String groupId, String instanceId) {
    return SCHEME + zone + "/" + groupId + "/" + instanceId;
  }

  // ---------------------------------------------------------------- internals

  private void record(String method, Object... args) {
    CloudException injected;
    synchronized (lock) {
      calls.add(new Call(method, Arrays.asList(args)));
      Deque<CloudException> q = failures.get(method);
      injected = q == null ? null : q.poll();
    }
    if (injected != null) {
      throw injected;
    }
  }

  private void notify(List<FakeInstance> running, List<FakeInstance> terminated) {
    try {
      for (Listener l : listeners) {
        terminated.forEach(l::onInstanceTerminated);
        running.forEach(l::onInstanceRunning);
      }
    } finally {
      synchronized (lock) {
        undelivered -= running.size() + terminated.size();
      }
    }
  }

  private List<FakeInstance> liveOf(String groupId) {
    return instances.values().stream()
        .filter(i -> i.groupId().equals(groupId) && i.state().live())
        .toList();
  }

  /**
   * Like an ASG's default termination policy: not-yet-running instances first, then those on an old
   * version, then the oldest.
   */
  private void scaleIn(Group g, List<FakeInstance> live, int count, Instant now, List<FakeInstance> out) {
    Comparator<FakeInstance> order =
        Comparator.comparing((FakeInstance i) -> i.state() != InstanceState.PROVISIONING)
            .thenComparing(i -> i.version().equals(g.targetVersion))
            .thenComparing(FakeInstance::launchedAt)
            .thenComparing(FakeInstance::id);
    List<FakeInstance> pool = new ArrayList<>(live);
    for (int k = 0; k < count && !pool.isEmpty(); k++) {
      List<FakeInstance> candidates = pool;
      if (g.spec.flavor().kind() == FakeFlavor.Kind.AWS) {
        // An ASG's default termination policy balances first: it picks from the zone with the most.
        Map<String, Integer> byZone = new LinkedHashMap<>();
        pool.forEach(i -> byZone.merge(i.zone(), 1, Integer::sum));
        int most = Collections.max(byZone.values());
        String zone = byZone.entrySet().stream().filter(e -> e.getValue() == most).findFirst().orElseThrow().getKey();
        candidates = pool.stream().filter(i -> i.zone().equals(zone)).toList();
      }
      FakeInstance victim = candidates.stream().min(order).orElseThrow();
      pool.remove(victim);
      FakeInstance gone = victim.terminated(now);
      instances.put(gone.id(), gone);
      out.add(gone);
    }
  }

  /**
   * GKE: every zone's managed instance group converges on its own target size (scale-in within the zone,
   * replacements in the same zone), within the group's quota for the whole pool.
   */
  private void reconcileZones(Group g, Instant now, List<FakeInstance> terminated) {
    for (Map.Entry<String, Integer> e : g.zoneTarget.entrySet()) {
      List<FakeInstance> inZone = liveOf(g.spec.id()).stream().filter(i -> i.zone().equals(e.getKey())).toList();
      if (inZone.size() > e.getValue()) {
        scaleIn(g, inZone, inZone.size() - e.getValue(), now, terminated);
      }
    }
    for (Map.Entry<String, Integer> e : g.zoneTarget.entrySet()) {
      long inZone = liveOf(g.spec.id()).stream().filter(i -> i.zone().equals(e.getKey())).count();
      int room = g.quota - liveOf(g.spec.id()).size();
      long launch = Math.min(e.getValue() - inZone, room);
      for (long i = 0; i < launch; i++) {
        FakeInstance inst = newInstance(g, e.getKey(), g.targetVersion, now);
        instances.put(inst.id(), inst);
      }
    }
  }

  /**
   * Spreads a new total over zone targets as rotator's GKE provider does: each added instance goes to the
   * zone with the smallest target, each removed one comes off the zone with the largest, ties to the first
   * zone in list order. From balanced targets the result stays balanced (differences of at most one).
   */
  static void spread(LinkedHashMap<String, Integer> zoneTarget, int total) {
    int delta = total - zoneTarget.values().stream().mapToInt(Integer::intValue).sum();
    for (int k = 0; k < Math.abs(delta); k++) {
      String pick = null;
      for (Map.Entry<String, Integer> e : zoneTarget.entrySet()) {
        if (pick == null
            || (delta > 0 ? e.getValue() < zoneTarget.get(pick) : e.getValue() > zoneTarget.get(pick))) {
          pick = e.getKey();
        }
      }
      zoneTarget.merge(pick, Integer.signum(delta), Integer::sum);
    }
  }

  private Map<String, Integer> liveByZone(Group g) {
    Map<String, Integer> out = new LinkedHashMap<>();
    g.spec.zones().forEach(z -> out.put(z, 0));
    liveOf(g.spec.id()).forEach(i -> out.merge(i.zone(), 1, Integer::sum));
    return out;
  }

  /** aws:/// and gce:// providerIDs: the instance by its id or name, if it is ours and the ID is exact. */
  private Optional<FakeInstance> lookup(String providerId) {
    String key;
    if (providerId.startsWith(AWS_SCHEME)) {
      String[] parts = providerId.substring(AWS_SCHEME.length()).split("/", -1);
      if (parts.length != 2) {
        return Optional.empty();
      }
      key = parts[1];
    } else if (providerId.startsWith(GCE_SCHEME)) {
      String[] parts = providerId.substring(GCE_SCHEME.length()).split("/", -1);
      if (parts.length != 3) {
        return Optional.empty();
      }
      key = parts[2];
    } else {
      return Optional.empty();
    }
    // Exact match of the whole ID: right zone, right project, right flavour.
    return Optional.ofNullable(instances.get(key)).filter(i -> i.providerId().equals(providerId));
  }

  /** The zone with the fewest live instances; ties go round-robin so zones fill evenly. */
  private String pickZone(Group g) {
    List<String> zones = g.spec.zones();
    Map<String, Integer> count = new HashMap<>();
    zones.forEach(z -> count.put(z, 0));
    liveOf(g.spec.id()).forEach(i -> count.merge(i.zone(), 1, Integer::sum));
    String best = null;
    for (int k = 0; k < zones.size(); k++) {
      String z = zones.get((g.zoneCursor + k) % zones.size());
      if (best == null || count.get(z) < count.get(best)) {
        best = z;
      }
    }
    g.zoneCursor = (zones.indexOf(best) + 1) % zones.size();
    return best;
  }

  private FakeInstance newInstance(Group g, String zone, String version, Instant now) {
    instanceSeq++;
    long n = instanceSeq;
    FakeFlavor f = g.spec.flavor();
    String group = g.spec.id();
    String id;
    String providerId;
    String nodeName;
    String ip;
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("topology.kubernetes.io/region", f.regionOf(zone));
    switch (f.kind()) {
      case AWS -> {
        // Real ids are i- and 17 hex digits; a bijective mix of the sequence keeps them unique and repeatable.
        id = "i-0" + String.format("%016x", mix(n));
        providerId = AWS_SCHEME + zone + "/" + id;
        int zoneIndex = g.spec.zones().indexOf(zone);
        ip = "10." + (zoneIndex + 1) + "." + (n / 250) % 250 + "." + (n % 250 + 4);
        String domain = f.region().equals("us-east-1") ? "ec2.internal" : f.region() + ".compute.internal";
        nodeName = "ip-" + ip.replace('.', '-') + "." + domain;
        labels.put("eks.amazonaws.com/nodegroup", group);
        labels.put("eks.amazonaws.com/capacityType", "ON_DEMAND");
      }
      case GKE -> {
        String prefix = "gke-" + f.cluster() + "-" + group + "-" + migHash(f, group, zone) + "-";
        id = null;
        for (int attempt = 0; attempt < NAME_ATTEMPTS && id == null; attempt++) {
          String candidate = prefix + base36(mix(n * NAME_ATTEMPTS + attempt), 4);
          if (!instances.containsKey(candidate)) {
            id = candidate;
          }
        }
        if (id == null) {
          throw new IllegalStateException("no free instance name in " + prefix + "* after " + NAME_ATTEMPTS + " tries");
        }
        providerId = GCE_SCHEME + f.project() + "/" + zone + "/" + id;
        nodeName = id;
        ip = "10.128." + (n / 250) % 250 + "." + (n % 250 + 2);
        labels.put("cloud.google.com/gke-nodepool", group);
        labels.put("cloud.google.com/gke-os-distribution", "cos");
      }
      default -> {
        id = String.format("i-%05d", n);
        providerId = providerId(zone, group, id);
        nodeName = group + "-" + id.substring(2);
        ip = "10.0." + (n / 250) % 250 + "." + (n % 250 + 1);
      }
    }
    return new FakeInstance(
        id,
        group,
        zone,
        version,
        g.spec.instanceType(),
        g.spec.cpuMillis(),
        g.spec.memoryMi(),
        InstanceState.PROVISIONING,
        now,
        null,
        null,
        providerId,
        nodeName,
        ip,
        labels);
  }

  /** The 8 hex digits GKE puts in the names of one zone's instance group of a pool (stable per zone). */
  private static String migHash(FakeFlavor f, String group, String zone) {
    long h = 1125899906842597L;
    for (char c : (f.project() + "/" + f.cluster() + "/" + group + "/" + zone).toCharArray()) {
      h = 31 * h + c;
    }
    return String.format("%08x", mix(h) & 0xffffffffL);
  }

  /** SplitMix64's finaliser: a bijection on longs, so distinct inputs give distinct outputs. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static String base36(long v, int length) {
    StringBuilder b = new StringBuilder(length);
    long u = v;
    for (int i = 0; i < length; i++) {
      b.append(BASE36.charAt((int) Long.remainderUnsigned(u, 36)));
      u = Long.divideUnsigned(u, 36);
    }
    return b.toString();
  }

  private Group requireGroup(String groupId) {
    Group g = groups.get(groupId);
    if (g == null) {
      throw new IllegalArgumentException("no group " + groupId);
    }
    return g;
  }

  private Group requireGroupOrPermanent(String groupId) {
    Group g = groups.get(groupId);
    if (g == null || g.deleted) {
      throw new CloudException(CloudException.Kind.PERMANENT, "node group " + groupId + " does not exist");
    }
    return g;
  }
}
