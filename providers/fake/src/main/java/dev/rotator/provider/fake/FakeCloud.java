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

    Group(FakeGroupSpec spec) {
      this.spec = spec;
      this.desired = spec.desired();
      this.quota = spec.quota();
      this.targetVersion = spec.targetVersion();
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
      if (groups.containsKey(spec.id())) {
        throw new IllegalArgumentException("group " + spec.id() + " exists already");
      }
      groups.put(spec.id(), new Group(spec));
    }
  }

  /**
   * Adds an instance that is already RUNNING (a node that existed before the simulation), counted against
   * the group's desired capacity like any other. Listeners hear about it.
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

  /** Parses {@code fake:///<zone>/<group>/<instanceId>}; anything else is not ours. */
  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    record("instanceOf", providerId);
    return parseProviderId(providerId);
  }

  /** {@link #instanceOf} without recording a call: for observers (the simulator's recorder). */
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
      return groups.values().stream().map(Group::view).toList();
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

  /** The provider ID of an instance, as the simulator writes it on the Node. */
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
    live.stream()
        .sorted(order)
        .limit(count)
        .forEach(
            i -> {
              FakeInstance gone = i.terminated(now);
              instances.put(gone.id(), gone);
              out.add(gone);
            });
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
    String id = String.format("i-%05d", instanceSeq);
    return new FakeInstance(
        id,
        g.spec.id(),
        zone,
        version,
        g.spec.instanceType(),
        g.spec.cpuMillis(),
        g.spec.memoryMi(),
        InstanceState.PROVISIONING,
        now,
        null,
        null);
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
    if (g == null) {
      throw new CloudException(CloudException.Kind.PERMANENT, "node group " + groupId + " does not exist");
    }
    return g;
  }
}
