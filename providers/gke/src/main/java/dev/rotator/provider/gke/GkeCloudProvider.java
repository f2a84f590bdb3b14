package dev.rotator.provider.gke;

import com.google.cloud.compute.v1.InstanceGroupManager;
import com.google.cloud.compute.v1.InstanceGroupManagerVersion;
import com.google.cloud.compute.v1.ManagedInstance;
import com.google.cloud.compute.v1.Quota;
import com.google.container.v1.Cluster;
import com.google.container.v1.NodePool;
import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import dev.rotator.provider.CloudProvider;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.NodeGroup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CloudProvider} on GKE node pools: strategy (a), rotator drains node by node and the pool's managed
 * instance groups (MIGs) bring the replacements. A node group is a node pool, by name.
 *
 * <p>Two Google APIs, because the GKE API (v1 {@code ClusterManager}) knows pools and versions but not the
 * instances in them: pools, sizes by SetNodePoolSize, versions and upgrades go through GKE; the MIG sizes,
 * instance membership, instance deletion and regional quotas go through Compute ({@code
 * google-cloud-compute}: {@code instanceGroupManagers}, {@code zoneOperations}, {@code regions}, {@code
 * machineTypes}). The credentials need {@code container.clusters.get/update} and {@code
 * compute.instanceGroupManagers.get/update}, {@code compute.regions.get}, {@code compute.machineTypes.get}.
 *
 * <ul>
 *   <li><b>instanceOf</b>: {@code gce://<project>/<zone>/<instance>} of this project; the instance belongs to
 *       the pool whose MIG (listed in the pool's {@code instanceGroupUrls}, in the same zone) has the name
 *       prefix of the instance (see {@link MigRef}). Other schemes, projects and unmanaged pools: empty.
 *   <li><b>desired</b> = the sum of the pool's MIG target sizes (Compute): the pool's real current size.
 *       GKE's {@code initialNodeCount} is only the size at creation. <b>min/max</b> = autoscaling's total
 *       limits, or its per-zone limits × zones; without autoscaling 0 and {@link GkeSettings#maxPoolSize}
 *       (0 = current size: no surge). <b>targetVersion</b> = the pool's {@code version}.
 *   <li><b>setDesiredCapacity</b>: the new total is spread over the MIGs, keeping zones balanced (growth goes
 *       to the smallest, shrinking to the largest). When every MIG ends at the same size — always for a
 *       single-zone pool — it is GKE's SetNodePoolSize with that per-zone count (SetNodePoolSize applies its
 *       count to every zone); otherwise, e.g. +1 on a three-zone pool, the MIGs concerned are resized through
 *       Compute, as GKE's cluster autoscaler does. Operations are followed to DONE within {@code
 *       operationTimeout}; an operation error is a {@link CloudException} of its code's kind.
 *   <li><b>terminate</b>: through the instance's MIG. With {@code decrementDesired}: {@code deleteInstances}
 *       (the MIG's target size drops by one). Without: {@code deleteInstances} then {@code resize} back to the
 *       size before, so the MIG creates a replacement with a <em>new</em> name (the engine recognises
 *       replacements as nodes it has not seen; {@code recreateInstances} would keep the name, and repeating it
 *       after a lost response would destroy the replacement). Already gone — pool, MIG or membership — is
 *       success. Should the resize fail after the delete was accepted, the error says so and how to repair.
 *       Known gap: a crash between the two calls leaves the MIG one smaller; the retried terminate then
 *       finds the instance gone (success) and the engine's replacement wait freezes with evidence.
 *   <li><b>isOutdated</b>: the pool's {@code version} is behind the target ({@link GkeSettings#targetVersion},
 *       else the control plane's {@code currentMasterVersion}), or the instance runs another instance
 *       template than its MIG's current one. Note: replacements come from the pool's <em>current</em>
 *       template, so strategy (a) converges on template drift; a pool whose version is behind keeps being
 *       reported outdated until its version is raised — that is GKE's native upgrade ({@link
 *       GkeNativeUpgrade}), strategy (b).
 *   <li><b>headroom</b>: {@code max − desired}, and with {@code checkQuota} no more than the region's free
 *       CPU quota (metric {@code PREEMPTIBLE_CPUS} for spot/preemptible pools, else {@code <FAMILY>_CPUS} when
 *       the region reports one, else {@code CPUS}) divided by the machine type's vCPUs, and the free {@code
 *       INSTANCES} quota. GPUs, local SSDs and addresses are not checked.
 *   <li><b>beginRotation</b>: refuses (RETRYABLE) to start on a pool GKE is changing itself (status other than
 *       RUNNING/RUNNING_WITH_ERROR, or a blue-green update in progress). Nothing to undo in {@code endRotation}.
 * </ul>
 *
 * <p>Every call is retried on RETRYABLE failures ({@link CloudRetry}); GAX's own retries are off.
 * Thread-safe; the caches (pool → MIG index, instance templates) live at most {@link GkeSettings#cacheTtl}.
 */
public final class GkeCloudProvider implements CloudProvider, dev.rotator.provider.NodePoolProvider, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GkeCloudProvider.class);
  private static final Pattern PROVIDER_ID = Pattern.compile("^gce://([^/]+)/([^/]+)/([^/]+)$");
  private static final Set<NodePool.Status> STEADY =
      Set.of(NodePool.Status.RUNNING, NodePool.Status.RUNNING_WITH_ERROR);

  private final GkeApi api;
  private final GkeSettings settings;
  private final Clock clock;
  private final boolean ownsClients;
  private final Object lock = new Object();
  /** Managed pools as last read (with their MIGs), and the control plane's version, read together. */
  private Map<String, NodePool> pools = Map.of();
  private String masterVersion = "";
  private Instant poolsReadAt = Instant.MIN;
  private final Map<MigRef, Templates> templates = new HashMap<>();

  private record Templates(Instant readAt, Set<String> current, Map<String, String> byInstance) {}

  /** A provider with its own clients (default credentials); {@link #close} closes them. */
  public GkeCloudProvider(GkeSettings settings, Clock clock) {
    this(settings, GkeClients.create(settings), clock, true);
  }

  /** A provider on clients the caller owns (tests, a shared client). */
  public GkeCloudProvider(GkeSettings settings, GkeClients clients, Clock clock) {
    this(settings, clients, clock, false);
  }

  private GkeCloudProvider(GkeSettings settings, GkeClients clients, Clock clock, boolean ownsClients) {
    this.settings = settings;
    this.clock = clock;
    this.api = new GkeApi(settings, clients, clock);
    this.ownsClients = ownsClients;
  }

  @Override
  public String name() {
    return "gke";
  }

  // ------------------------------------------------------------------------------------------ mapping

  @Override
  public Optional<InstanceRef> instanceOf(String providerId) {
    Matcher m = PROVIDER_ID.matcher(providerId == null ? "" : providerId);
    if (!m.matches() || !m.group(1).equals(settings.project())) {
      return Optional.empty();
    }
    // A node of a pool created since the last read (or of a blue-green upgrade's new groups) is found once
    // the cached map is older than the TTL: at most one GetCluster per TTL, however many nodes are unknown.
    return find(knownPools(), m.group(2), m.group(3));
  }

  private static Optional<InstanceRef> find(Map<String, NodePool> pools, String zone, String instance) {
    for (NodePool p : pools.values()) {
      for (MigRef mig : GkeApi.migsOf(p)) {
        if (mig.owns(zone, instance)) {
          return Optional.of(new InstanceRef(instance, p.getName(), zone));
        }
      }
    }
    return Optional.empty();
  }

  /** Managed pools, from the cache while it is younger than the TTL, else from one GetCluster call. */
  private Map<String, NodePool> knownPools() {
    synchronized (lock) {
      if (poolsReadAt != Instant.MIN && clock.now().isBefore(poolsReadAt.plus(settings.cacheTtl()))) {
        return pools;
      }
    }
    return readPools();
  }

  private Map<String, NodePool> readPools() {
    Cluster c = api.cluster();
    Map<String, NodePool> read = new LinkedHashMap<>();
    for (NodePool p : c.getNodePoolsList()) {
      if (settings.manages(p.getName())) {
        read.put(p.getName(), p);
      }
    }
    synchronized (lock) {
      pools = read;
      masterVersion = c.getCurrentMasterVersion();
      poolsReadAt = clock.now();
      return pools;
    }
  }

  // ------------------------------------------------------------------------------------------ groups

  @Override
  public List<NodeGroup> nodeGroups() {
    Map<String, NodePool> read = readPools();
    List<String> missing =
        settings.nodePools().stream().filter(p -> !read.containsKey(p)).toList();
    if (!missing.isEmpty()) {
      throw new CloudException(Kind.PERMANENT, "cluster " + settings.cluster() + " has no node pool(s) " + missing
          + " (configured in provider.gke.nodePools)");
    }
    List<NodeGroup> out = new ArrayList<>();
    for (NodePool p : read.values()) {
      out.add(view(p, sizes(p)));
    }
    return out;
  }

  @Override
  public NodeGroup nodeGroup(String groupId) {
    NodePool p = managedPool(groupId);
    return view(p, sizes(p));
  }

  private NodePool managedPool(String pool) {
    if (!settings.manages(pool)) {
      throw new CloudException(Kind.PERMANENT, "node pool " + pool + " is not managed by rotator (provider.gke"
          + ".nodePools = " + settings.nodePools() + ")");
    }
    return api.nodePool(pool); // NOT_FOUND → PERMANENT
  }

  /** Current target size of each of the pool's MIGs, in the pool's order. */
  private LinkedHashMap<MigRef, Integer> sizes(NodePool p) {
    LinkedHashMap<MigRef, Integer> out = new LinkedHashMap<>();
    for (MigRef mig : GkeApi.migsOf(p)) {
      out.put(mig, api.mig(mig).getTargetSize());
    }
    return out;
  }

  private NodeGroup view(NodePool p, Map<MigRef, Integer> sizes) {
    int desired = sizes.values().stream().mapToInt(Integer::intValue).sum();
    int zones = Math.max(1, sizes.size());
    int min = 0;
    int max = settings.maxPoolSize() > 0 ? Math.max(settings.maxPoolSize(), desired) : desired;
    if (p.hasAutoscaling() && p.getAutoscaling().getEnabled()) {
      var a = p.getAutoscaling();
      boolean total = a.getTotalMaxNodeCount() > 0;
      min = total ? a.getTotalMinNodeCount() : a.getMinNodeCount() * zones;
      max = total ? a.getTotalMaxNodeCount() : a.getMaxNodeCount() * zones;
    }
    return new NodeGroup(p.getName(), desired, min, max, p.getVersion());
  }

  @Override
  public void setDesiredCapacity(String groupId, int desired) {
    NodePool p = managedPool(groupId);
    LinkedHashMap<MigRef, Integer> sizes = sizes(p);
    NodeGroup g = view(p, sizes);
    if (desired < g.min() || desired > g.max()) {
      throw new CloudException(Kind.PERMANENT, "node pool " + groupId + ": desired " + desired + " outside ["
          + g.min() + ", " + g.max() + "]");
    }
    if (desired == g.desired()) {
      return;
    }
    if (sizes.isEmpty()) {
      throw new CloudException(Kind.PERMANENT, "node pool " + groupId + " lists no instance group");
    }
    if (desired > g.desired() && settings.checkQuota()) {
      int room = quotaRoom(p, List.copyOf(sizes.keySet()));
      if (desired - g.desired() > room) {
        throw new CloudException(Kind.QUOTA, "node pool " + groupId + ": adding " + (desired - g.desired())
            + " node(s) exceeds the regional quota headroom of " + room);
      }
    }
    LinkedHashMap<MigRef, Integer> target = spread(sizes, desired);
    Set<Integer> distinct = Set.copyOf(target.values());
    if (distinct.size() == 1) {
      int perZone = distinct.iterator().next();
      LOG.info("node pool {}: SetNodePoolSize {} per zone ({} zone(s), total {} -> {})",
          groupId, perZone, target.size(), g.desired(), desired);
      api.setNodePoolSize(groupId, perZone);
      return;
    }
    LOG.info("node pool {}: resizing instance groups {} -> {} (total {} -> {})", groupId, sizes, target,
        g.desired(), desired);
    Map<MigRef, com.google.cloud.compute.v1.Operation> started = new LinkedHashMap<>();
    for (var e : target.entrySet()) {
      if (!e.getValue().equals(sizes.get(e.getKey()))) {
        started.put(e.getKey(), api.resizeStart(e.getKey(), e.getValue()));
      }
    }
    for (var e : started.entrySet()) {
      api.followCompute(e.getKey(), e.getValue(), "resize group " + e.getKey() + " to " + target.get(e.getKey()));
    }
  }

  /** Spreads a new total over the groups: growth to the smallest first, shrinking from the largest first. */
  static LinkedHashMap<MigRef, Integer> spread(LinkedHashMap<MigRef, Integer> sizes, int total) {
    LinkedHashMap<MigRef, Integer> out = new LinkedHashMap<>(sizes);
    int delta = total - sizes.values().stream().mapToInt(Integer::intValue).sum();
    for (int i = 0; i < Math.abs(delta); i++) {
      MigRef pick = null;
      for (var e : out.entrySet()) {
        if (pick == null
            || (delta > 0 ? e.getValue() < out.get(pick) : e.getValue() > out.get(pick))) {
          pick = e.getKey();
        }
      }
      out.put(pick, out.get(pick) + Integer.signum(delta));
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ terminate

  @Override
  public void terminate(InstanceRef instance, boolean decrementDesired) {
    String pool = instance.groupId();
    String name = instance.instanceId();
    NodePool p;
    try {
      p = managedPool(pool);
    } catch (CloudException e) {
      if (GkeErrors.isNotFound(e)) {
        LOG.info("instance {}: node pool {} is gone, so is the instance", name, pool);
        return;
      }
      throw e;
    }
    Optional<MigRef> owner = GkeApi.migsOf(p).stream().filter(m -> m.owns(instance.zone(), name)).findFirst();
    if (owner.isEmpty()) {
      LOG.info("instance {}: no instance group of node pool {} owns it any more; already gone", name, pool);
      return;
    }
    MigRef mig = owner.get();
    ManagedInstance member = api.managedInstances(mig).get(name);
    if (member == null || "DELETING".equals(member.getCurrentAction())
        || "ABANDONING".equals(member.getCurrentAction())) {
      LOG.info("instance {}: not (or no longer) a member of {}; already gone", name, mig);
      return;
    }
    if (decrementDesired) {
      NodeGroup g = view(p, sizes(p));
      if (g.desired() - 1 < g.min()) {
        throw new CloudException(Kind.PERMANENT, "node pool " + pool + ": decrementing desired " + g.desired()
            + " would go below min " + g.min());
      }
      api.deleteInstance(mig, name);
      LOG.info("instance {}: deleted from {} (target size decremented)", name, mig);
      return;
    }
    int before = api.mig(mig).getTargetSize();
    String deleting = "delete instance " + name + " from group " + mig;
    var deleteOp = api.deleteStart(mig, name);
    // The delete lowered the target size as soon as it was accepted; restore it at once so the MIG starts the
    // replacement (a new name) while the old VM shuts down, instead of after.
    com.google.cloud.compute.v1.Operation resizeOp;
    try {
      resizeOp = api.resizeStart(mig, before);
    } catch (CloudException e) {
      throw new CloudException(Kind.PERMANENT, "instance " + name + " was deleted from " + mig
          + " but the group could not be resized back to " + before + " (resize it to " + before
          + " by hand, then resume): " + e.getMessage(), e);
    }
    api.followCompute(mig, deleteOp, deleting);
    api.followCompute(mig, resizeOp, "resize group " + mig + " back to " + before);
    LOG.info("instance {}: deleted from {}, group resized back to {} for a replacement", name, mig, before);
  }

  // ------------------------------------------------------------------------------------------ outdated

  @Override
  public Optional<Boolean> isOutdated(InstanceRef instance) {
    NodePool p = knownPools().get(instance.groupId());
    if (p == null) {
      return Optional.empty();
    }
    String target;
    synchronized (lock) {
      target = settings.targetVersion().isEmpty() ? masterVersion : settings.targetVersion();
    }
    if (!target.isEmpty() && !p.getVersion().isEmpty()
        && GkeVersion.parse(p.getVersion()).isBehind(GkeVersion.parse(target))) {
      return Optional.of(true);
    }
    Optional<MigRef> owner =
        GkeApi.migsOf(p).stream().filter(m -> m.owns(instance.zone(), instance.instanceId())).findFirst();
    if (owner.isEmpty()) {
      return Optional.empty();
    }
    Templates t = templates(owner.get(), instance.instanceId());
    String mine = t.byInstance().get(instance.instanceId());
    if (mine == null || mine.isEmpty() || t.current().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(!t.current().contains(lastSegment(mine)));
  }

  private Templates templates(MigRef mig, String instance) {
    synchronized (lock) {
      Templates t = templates.get(mig);
      if (t != null && t.byInstance().containsKey(instance)
          && clock.now().isBefore(t.readAt().plus(settings.cacheTtl()))) {
        return t;
      }
    }
    InstanceGroupManager g = api.mig(mig);
    Set<String> current = new java.util.HashSet<>();
    if (!g.getInstanceTemplate().isEmpty()) {
      current.add(lastSegment(g.getInstanceTemplate()));
    } else {
      for (InstanceGroupManagerVersion v : g.getVersionsList()) {
        current.add(lastSegment(v.getInstanceTemplate()));
      }
    }
    Map<String, String> byInstance = api.managedInstances(mig).entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getVersion().getInstanceTemplate()));
    Templates t = new Templates(clock.now(), Set.copyOf(current), byInstance);
    synchronized (lock) {
      templates.put(mig, t);
    }
    return t;
  }

  private static String lastSegment(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  // ------------------------------------------------------------------------------------------ headroom

  @Override
  public int headroom(String groupId) {
    NodePool p = managedPool(groupId);
    LinkedHashMap<MigRef, Integer> sizes = sizes(p);
    NodeGroup g = view(p, sizes);
    int room = g.max() - g.desired();
    if (settings.checkQuota() && room > 0 && !sizes.isEmpty()) {
      room = Math.min(room, quotaRoom(p, List.copyOf(sizes.keySet())));
    }
    return Math.max(0, room);
  }

  /** How many more nodes of this pool the region's CPU and instance quotas allow. */
  private int quotaRoom(NodePool p, List<MigRef> migs) {
    String machineType = p.getConfig().getMachineType();
    Map<String, Quota> quotas = api.regionQuotas(migs.get(0).region());
    int room = Integer.MAX_VALUE;
    if (!machineType.isEmpty()) {
      String metric = cpuMetric(machineType, p.getConfig().getPreemptible() || p.getConfig().getSpot(), quotas);
      Quota q = quotas.get(metric);
      if (q != null) {
        int cpus = Math.max(1, api.machineCpus(migs.get(0).zone(), machineType));
        room = Math.min(room, (int) Math.floor((q.getLimit() - q.getUsage()) / cpus));
      }
    } else {
      LOG.warn("node pool {}: no machine type reported; CPU quota not checked", p.getName());
    }
    Quota instances = quotas.get("INSTANCES");
    if (instances != null) {
      room = Math.min(room, (int) Math.floor(instances.getLimit() - instances.getUsage()));
    }
    return Math.max(0, room);
  }

  static String cpuMetric(String machineType, boolean spot, Map<String, Quota> quotas) {
    if (spot && quotas.containsKey("PREEMPTIBLE_CPUS")) {
      return "PREEMPTIBLE_CPUS";
    }
    int dash = machineType.indexOf('-');
    String family = (dash > 0 ? machineType.substring(0, dash) : machineType).toUpperCase(Locale.ROOT);
    return quotas.containsKey(family + "_CPUS") ? family + "_CPUS" : "CPUS";
  }

  // ------------------------------------------------------------------------------------------ rotation

  /** Refuses to start while GKE itself is changing the pool (an upgrade, a repair, a resize in flight). */
  @Override
  public void beginRotation(String groupId) {
    NodePool p = managedPool(groupId);
    if (!STEADY.contains(p.getStatus())) {
      throw new CloudException(Kind.RETRYABLE, "node pool " + groupId + " is " + p.getStatus()
          + " (GKE is changing it" + (p.getStatusMessage().isEmpty() ? "" : ": " + p.getStatusMessage())
          + "); not rotating it now");
    }
    if (p.hasUpdateInfo() && p.getUpdateInfo().hasBlueGreenInfo()
        && p.getUpdateInfo().getBlueGreenInfo().getPhaseValue() != 0) {
      throw new CloudException(Kind.RETRYABLE, "node pool " + groupId + " is in a GKE blue-green update (phase "
          + p.getUpdateInfo().getBlueGreenInfo().getPhase() + "); not rotating it now");
    }
  }

  // ------------------------------------------------------------------------------------------ whole pools

  /** Node-pool switch operations ({@link GkeNodePools}). */
  private GkeNodePools wholePools() {
    return new GkeNodePools(api);
  }

  @Override
  public Optional<dev.rotator.provider.NodePool> pool(String name) {
    return wholePools().pool(name);
  }

  @Override
  public void createPool(dev.rotator.provider.NodePool pool, dev.rotator.provider.NodePool from) {
    wholePools().createPool(pool, from);
    synchronized (lock) {
      poolsReadAt = Instant.MIN; // the new pool's nodes must map to it at once
    }
  }

  @Override
  public boolean deletePool(String name) {
    boolean gone = wholePools().deletePool(name);
    synchronized (lock) {
      poolsReadAt = Instant.MIN;
    }
    return gone;
  }

  @Override
  public List<InstanceRef> poolInstances(String name) {
    return wholePools().poolInstances(name);
  }

  @Override
  public dev.rotator.provider.QuotaHeadroom quotaFor(
      dev.rotator.provider.NodePool pool, dev.rotator.provider.NodePool from, int count) {
    return wholePools().quotaFor(pool, from, count);
  }

  /** Retry metrics of this provider's calls (for /metrics). */
  public io.github.resilience4j.retry.Retry.Metrics retryMetrics() {
    return api.retry.metrics();
  }

  @Override
  public void close() {
    if (ownsClients) {
      api.clients.close();
    }
  }
}
