package dev.rotator.provider.gke;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.compute.v1.Errors;
import com.google.cloud.compute.v1.InstanceGroupManager;
import com.google.cloud.compute.v1.InstanceGroupManagersDeleteInstancesRequest;
import com.google.cloud.compute.v1.InstanceGroupManagersListManagedInstancesResponse;
import com.google.cloud.compute.v1.MachineType;
import com.google.cloud.compute.v1.ManagedInstance;
import com.google.cloud.compute.v1.ManagedInstanceVersion;
import com.google.cloud.compute.v1.Quota;
import com.google.cloud.compute.v1.Region;
import com.google.container.v1.CancelOperationRequest;
import com.google.container.v1.Cluster;
import com.google.container.v1.ClusterManagerGrpc;
import com.google.container.v1.CompleteNodePoolUpgradeRequest;
import com.google.container.v1.GetClusterRequest;
import com.google.container.v1.GetNodePoolRequest;
import com.google.container.v1.GetOperationRequest;
import com.google.container.v1.ListNodePoolsRequest;
import com.google.container.v1.ListNodePoolsResponse;
import com.google.container.v1.NodeConfig;
import com.google.container.v1.NodePool;
import com.google.container.v1.NodePoolAutoscaling;
import com.google.container.v1.Operation;
import com.google.container.v1.RollbackNodePoolUpgradeRequest;
import com.google.container.v1.SetNodePoolSizeRequest;
import com.google.container.v1.UpdateNodePoolRequest;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotator.core.port.Clock;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small, stateful Google Cloud for one GKE cluster: the GKE API as a gRPC {@link
 * ClusterManagerGrpc.ClusterManagerImplBase} served in-process, and the Compute REST calls rotator makes
 * (instance group managers, zone operations, regions, machine types) served over HTTP on 127.0.0.1. Both
 * sides share one world: node pools own managed instance groups (MIGs) that own instances, so SetNodePoolSize
 * on the GKE side changes MIG sizes and instances on the Compute side.
 *
 * <p>Operations are DONE after {@link #opPolls} GetOperation polls. Upgrades move one step per poll (blue-
 * green: through GKE's phases, staying in NODE_POOL_SOAKING for {@link #soakPolls} polls unless completed).
 * Every call is recorded by name; {@link #failNext} and {@link #failNextHttp} inject call failures, {@link
 * #failNextOperation} makes the next operation of a method finish with an error.
 */
final class FakeGcp implements AutoCloseable {
  static final String PROJECT = "proj";
  static final String REGION = "europe-west1";
  static final String CLUSTER = "prod";
  static final String NEW_TEMPLATE_PREFIX = "tpl-";

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY each call waits ~40 ms for a
    // delayed ACK. Read once, when the server classes load, hence here.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  int opPolls = 2;
  int upgradePolls = 3;
  int soakPolls = 50;
  String masterVersion = "1.31.4-gke.1000";
  final Map<String, Quota> quotas = new LinkedHashMap<>();
  final Map<String, Integer> machineCpus = new HashMap<>(Map.of("e2-standard-4", 4, "n2-standard-8", 8));

  private final Map<String, Pool> pools = new LinkedHashMap<>();
  private final Map<String, Mig> migs = new LinkedHashMap<>();
  private final Map<String, GkeOp> gkeOps = new HashMap<>();
  private final Map<String, ComputeOp> computeOps = new HashMap<>();
  private final Map<String, Deque<Status>> grpcFailures = new HashMap<>();
  private final Map<String, Deque<HttpFailure>> httpFailures = new HashMap<>();
  private final Map<String, Deque<com.google.rpc.Status>> opFailures = new HashMap<>();
  private final Map<String, Deque<Errors>> computeOpFailures = new HashMap<>();
  private final List<String> calls = new ArrayList<>();
  private final List<Message> requests = new ArrayList<>();
  private long seq;
  private final List<GkeClients> created = new ArrayList<>();

  private final Server grpc;
  private Server tcp;
  private final ManagedChannel channel;
  private final HttpServer http;

  final class Pool {
    final String name;
    String version;
    String imageType = "COS_CONTAINERD";
    String machineType = "e2-standard-4";
    boolean spot;
    NodePoolAutoscaling autoscaling = NodePoolAutoscaling.getDefaultInstance();
    NodePool.Status status = NodePool.Status.RUNNING;
    NodePool.UpgradeSettings upgradeSettings = NodePool.UpgradeSettings.getDefaultInstance();
    final List<Mig> groups = new ArrayList<>();
    NodePool.UpdateInfo.BlueGreenInfo.Phase phase;
    /** Node labels and taints of the pool's config (CreateNodePool copies them from the request). */
    Map<String, String> labels = new LinkedHashMap<>();
    List<com.google.container.v1.NodeTaint> taints = new ArrayList<>();
    String upgradingFrom;
    boolean aborted;
    boolean soakCompleted;

    Pool(String name, String version) {
      this.name = name;
      this.version = version;
    }

    NodePool proto() {
      NodePool.Builder b = NodePool.newBuilder().setName(name).setVersion(version).setStatus(status)
          .setConfig(NodeConfig.newBuilder().setMachineType(machineType).setImageType(imageType).setSpot(spot)
              .putAllLabels(labels).addAllTaints(taints))
          .setInitialNodeCount(groups.isEmpty() ? 0 : groups.get(0).target)
          .setAutoscaling(autoscaling).setUpgradeSettings(upgradeSettings);
      for (Mig m : groups) {
        b.addInstanceGroupUrls(m.url());
        b.addLocations(m.zone);
      }
      if (phase != null) {
        b.setUpdateInfo(NodePool.UpdateInfo.newBuilder().setBlueGreenInfo(
            NodePool.UpdateInfo.BlueGreenInfo.newBuilder().setPhase(phase)));
      }
      return b.build();
    }
  }

  final class Mig {
    final String zone;
    final String name;
    int target;
    String template;
    final Map<String, String> instances = new LinkedHashMap<>(); // name → template

    Mig(String zone, String name, String template) {
      this.zone = zone;
      this.name = name;
      this.template = template;
    }

    String url() {
      return "https://www.googleapis.com/compute/v1/projects/" + PROJECT + "/zones/" + zone
          + "/instanceGroupManagers/" + name;
    }

    String base() {
      return name.substring(0, name.length() - "-grp".length());
    }

    /** Creates or deletes instances (newest first) to match the target size. */
    void reconcile() {
      while (instances.size() < target) {
        instances.put(base() + "-" + String.format("%04x", ++seq), template);
      }
      while (instances.size() > target) {
        String last = null;
        for (String n : instances.keySet()) {
          last = n;
        }
        instances.remove(last);
      }
    }
  }

  private static final class GkeOp {
    final String name;
    final Operation.Type type;
    final String pool;
    int pollsLeft;
    Operation.Status status = Operation.Status.RUNNING;
    com.google.rpc.Status error;
    Runnable onDone = () -> {};
    /** Upgrades: one step per poll; returns true when the operation may finish. */
    java.util.function.BooleanSupplier step;

    GkeOp(String name, Operation.Type type, String pool, int polls) {
      this.name = name;
      this.type = type;
      this.pool = pool;
      this.pollsLeft = polls;
    }

    Operation proto() {
      Operation.Builder b = Operation.newBuilder().setName(name).setOperationType(type).setStatus(status)
          .setTargetLink("nodePools/" + pool);
      if (error != null) {
        b.setError(error).setStatusMessage(error.getMessage());
      }
      return b.build();
    }
  }

  private static final class ComputeOp {
    final String name;
    final String zone;
    int pollsLeft;
    Errors error;

    ComputeOp(String name, String zone, int polls) {
      this.name = name;
      this.zone = zone;
      this.pollsLeft = polls;
    }

    com.google.cloud.compute.v1.Operation proto() {
      var b = com.google.cloud.compute.v1.Operation.newBuilder().setName(name).setZone(zone)
          .setStatus(pollsLeft <= 0 ? com.google.cloud.compute.v1.Operation.Status.DONE
              : com.google.cloud.compute.v1.Operation.Status.RUNNING);
      if (pollsLeft <= 0 && error != null) {
        b.setError(com.google.cloud.compute.v1.Error.newBuilder().addErrors(error)).setHttpErrorStatusCode(403);
      }
      return b.build();
    }
  }

  record HttpFailure(int status, String reason, String message) {}

  FakeGcp() throws IOException {
    String name = "fake-gke-" + System.identityHashCode(this);
    grpc = InProcessServerBuilder.forName(name).directExecutor().addService(new Gke()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/compute/v1/", this::compute);
    http.start();
    quota("CPUS", 1000, 100);
    quota("INSTANCES", 500, 40);
  }

  // ------------------------------------------------------------------------------------------ setup

  /** A pool with one MIG per zone, {@code perZone} instances each, all on template {@code tpl-<version>}. */
  synchronized Pool addPool(String name, String version, int perZone, String... zones) {
    Pool p = new Pool(name, version);
    String hash = String.format("%08x", name.hashCode() & 0xffffffffL);
    for (String z : zones) {
      Mig m = new Mig(z, "gke-" + CLUSTER + "-" + name + "-" + hash.substring(0, 4) + z.charAt(z.length() - 1)
          + "1-grp", template(version));
      m.target = perZone;
      m.reconcile();
      p.groups.add(m);
      migs.put(z + "/" + m.name, m);
    }
    pools.put(name, p);
    return p;
  }

  static String template(String version) {
    return "https://www.googleapis.com/compute/v1/projects/" + PROJECT + "/global/instanceTemplates/"
        + NEW_TEMPLATE_PREFIX + version.replace('.', '-');
  }

  synchronized void quota(String metric, double limit, double usage) {
    quotas.put(metric, Quota.newBuilder().setMetric(metric).setLimit(limit).setUsage(usage).build());
  }

  synchronized Pool pool(String name) {
    return pools.get(name);
  }

  synchronized List<String> instances(String pool) {
    List<String> out = new ArrayList<>();
    for (Mig m : pools.get(pool).groups) {
      out.addAll(m.instances.keySet());
    }
    return out;
  }

  synchronized List<Integer> sizes(String pool) {
    return pools.get(pool).groups.stream().map(m -> m.target).toList();
  }

  synchronized String zoneOf(String instance) {
    for (Mig m : migs.values()) {
      if (m.instances.containsKey(instance)) {
        return m.zone;
      }
    }
    throw new IllegalArgumentException("no instance " + instance);
  }

  /** Points one instance at another template (as if the MIG's template had changed since it was created). */
  synchronized void setInstanceTemplate(String instance, String template) {
    for (Mig m : migs.values()) {
      if (m.instances.containsKey(instance)) {
        m.instances.put(instance, template);
      }
    }
  }

  synchronized void failNext(String method, Status status) {
    grpcFailures.computeIfAbsent(method, k -> new ArrayDeque<>()).add(status);
  }

  synchronized void failNextHttp(String method, int status, String reason, String message) {
    httpFailures.computeIfAbsent(method, k -> new ArrayDeque<>()).add(new HttpFailure(status, reason, message));
  }

  /** The next operation started by {@code method} finishes (after its polls) with this error. */
  synchronized void failNextOperation(String method, io.grpc.Status.Code code, String message) {
    opFailures.computeIfAbsent(method, k -> new ArrayDeque<>())
        .add(com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message).build());
  }

  synchronized void failNextComputeOperation(String method, String code, String message) {
    computeOpFailures.computeIfAbsent(method, k -> new ArrayDeque<>())
        .add(Errors.newBuilder().setCode(code).setMessage(message).build());
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  synchronized long count(String method) {
    return calls.stream().filter(method::equals).count();
  }

  synchronized <T extends Message> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
  }

  synchronized void clearCalls() {
    calls.clear();
    requests.clear();
  }

  /** Settings pointing at this fake; retries fast, operations polled every 5 s of (manual) clock time. */
  GkeSettings settings() {
    return GkeSettings.defaults(PROJECT, REGION, CLUSTER)
        .withEndpoints("", "http://127.0.0.1:" + http.getAddress().getPort(), true)
        .withOperations(java.time.Duration.ofMinutes(10), java.time.Duration.ofSeconds(5))
        .withRetry(3, java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(1));
  }

  /** Real Google clients: the GKE one on the in-process channel, the Compute ones on loopback HTTP. */
  GkeClients clients(GkeSettings s) {
    GkeClients c = GkeClients.create(s, FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)));
    synchronized (this) {
      created.add(c);
    }
    return c;
  }

  GkeCloudProvider provider(GkeSettings s, Clock clock) {
    return new GkeCloudProvider(s, clients(s), clock);
  }

  /**
   * Also serves the GKE API over plaintext HTTP/2 on 127.0.0.1 (for the settings path a real deployment
   * takes: endpoint override, no in-process transport); returns {@code host:port}.
   */
  synchronized String serveGrpcOnLoopback() throws IOException {
    if (tcp == null) {
      tcp = io.grpc.Grpc.newServerBuilderForPort(0, io.grpc.InsecureServerCredentials.create())
          .addService(new Gke()).build().start();
    }
    return "127.0.0.1:" + tcp.getPort();
  }

  @Override
  public void close() {
    if (tcp != null) {
      tcp.shutdownNow();
    }
    List<GkeClients> all;
    synchronized (this) {
      all = List.copyOf(created);
    }
    all.forEach(GkeClients::close);
    channel.shutdownNow();
    grpc.shutdownNow();
    http.stop(0);
  }

  // ------------------------------------------------------------------------------------------ GKE (gRPC)

  private synchronized boolean injected(String method, Message request, StreamObserver<?> out) {
    calls.add(method);
    requests.add(request);
    Deque<Status> q = grpcFailures.get(method);
    if (q != null && !q.isEmpty()) {
      out.onError(q.poll().asRuntimeException());
      return true;
    }
    return false;
  }

  private Pool requirePool(String resourceName, StreamObserver<?> out) {
    String pool = resourceName.substring(resourceName.lastIndexOf('/') + 1);
    Pool p = pools.get(pool);
    if (p == null) {
      out.onError(Status.NOT_FOUND.withDescription("Node pool \"" + pool + "\" not found.").asRuntimeException());
    }
    return p;
  }

  private GkeOp newOp(String method, Operation.Type type, String pool, int polls) {
    GkeOp op = new GkeOp("operation-" + (++seq), type, pool, polls);
    Deque<com.google.rpc.Status> q = opFailures.get(method);
    if (q != null && !q.isEmpty()) {
      op.error = q.poll();
    }
    gkeOps.put(op.name, op);
    return op;
  }

  private final class Gke extends ClusterManagerGrpc.ClusterManagerImplBase {
    @Override
    public void getCluster(GetClusterRequest request, StreamObserver<Cluster> out) {
      synchronized (FakeGcp.this) {
        if (injected("getCluster", request, out)) {
          return;
        }
        if (!request.getName().endsWith("/clusters/" + CLUSTER)) {
          out.onError(Status.NOT_FOUND.withDescription("cluster not found").asRuntimeException());
          return;
        }
        Cluster.Builder c = Cluster.newBuilder().setName(CLUSTER).setCurrentMasterVersion(masterVersion)
            .setLocation(REGION);
        pools.values().forEach(p -> c.addNodePools(p.proto()));
        out.onNext(c.build());
        out.onCompleted();
      }
    }

    @Override
    public void listNodePools(ListNodePoolsRequest request, StreamObserver<ListNodePoolsResponse> out) {
      synchronized (FakeGcp.this) {
        if (injected("listNodePools", request, out)) {
          return;
        }
        ListNodePoolsResponse.Builder r = ListNodePoolsResponse.newBuilder();
        pools.values().forEach(p -> r.addNodePools(p.proto()));
        out.onNext(r.build());
        out.onCompleted();
      }
    }

    @Override
    public void getNodePool(GetNodePoolRequest request, StreamObserver<NodePool> out) {
      synchronized (FakeGcp.this) {
        if (injected("getNodePool", request, out)) {
          return;
        }
        Pool p = requirePool(request.getName(), out);
        if (p != null) {
          out.onNext(p.proto());
          out.onCompleted();
        }
      }
    }

    @Override
    public void setNodePoolSize(SetNodePoolSizeRequest request, StreamObserver<Operation> out) {
      synchronized (FakeGcp.this) {
        if (injected("setNodePoolSize", request, out)) {
          return;
        }
        Pool p = requirePool(request.getName(), out);
        if (p == null) {
          return;
        }
        GkeOp op = newOp("setNodePoolSize", Operation.Type.SET_NODE_POOL_SIZE, p.name, opPolls);
        if (op.error == null) {
          p.status = NodePool.Status.RECONCILING;
          op.onDone = () -> {
            for (Mig m : p.groups) {
              m.target = request.getNodeCount();
              m.reconcile();
            }
            p.status = NodePool.Status.RUNNING;
          };
        }
        out.onNext(op.proto());
        out.onCompleted();
      }
    }

    @Override
    public void updateNodePool(UpdateNodePoolRequest request, StreamObserver<Operation> out) {
      synchronized (FakeGcp.this) {
        if (injected("updateNodePool", request, out)) {
          return;
        }
        Pool p = requirePool(request.getName(), out);
        if (p == null) {
          return;
        }
        if (request.getNodeVersion().isEmpty()) {
          if (request.hasUpgradeSettings()) {
            p.upgradeSettings = request.getUpgradeSettings();
          }
          GkeOp op = newOp("updateNodePool", Operation.Type.UPGRADE_NODES, p.name, opPolls);
          out.onNext(op.proto());
          out.onCompleted();
          return;
        }
        if (p.status != NodePool.Status.RUNNING && p.status != NodePool.Status.RUNNING_WITH_ERROR) {
          out.onError(Status.FAILED_PRECONDITION.withDescription(
              "Cluster is running incompatible operation").asRuntimeException());
          return;
        }
        String to = request.getNodeVersion();
        GkeOp op = newOp("upgradeNodePool", Operation.Type.UPGRADE_NODES, p.name, Integer.MAX_VALUE);
        p.status = NodePool.Status.RECONCILING;
        p.upgradingFrom = p.version;
        p.aborted = false;
        p.soakCompleted = false;
        boolean blueGreen = p.upgradeSettings.getStrategy() == com.google.container.v1.NodePoolUpdateStrategy.BLUE_GREEN;
        var phases = List.of(
            NodePool.UpdateInfo.BlueGreenInfo.Phase.UPDATE_STARTED,
            NodePool.UpdateInfo.BlueGreenInfo.Phase.CREATING_GREEN_POOL,
            NodePool.UpdateInfo.BlueGreenInfo.Phase.CORDONING_BLUE_POOL,
            NodePool.UpdateInfo.BlueGreenInfo.Phase.DRAINING_BLUE_POOL,
            NodePool.UpdateInfo.BlueGreenInfo.Phase.NODE_POOL_SOAKING,
            NodePool.UpdateInfo.BlueGreenInfo.Phase.DELETING_BLUE_POOL);
        if (blueGreen) {
          p.phase = phases.get(0);
        }
        int[] steps = {0, 0};
        op.step = () -> {
          if (!blueGreen) {
            return ++steps[0] >= upgradePolls;
          }
          if (p.phase == NodePool.UpdateInfo.BlueGreenInfo.Phase.NODE_POOL_SOAKING) {
            if (!p.soakCompleted && ++steps[1] < soakPolls) {
              return false;
            }
          }
          int i = phases.indexOf(p.phase);
          if (i + 1 < phases.size()) {
            p.phase = phases.get(i + 1);
            return false;
          }
          return true;
        };
        op.onDone = () -> {
          if (op.error != null) {
            p.aborted = true;
            p.status = NodePool.Status.RUNNING_WITH_ERROR;
            return;
          }
          p.version = to;
          for (Mig m : p.groups) {
            m.template = template(to);
            m.instances.clear(); // every node replaced by one of the new version
            m.reconcile();
          }
          p.phase = null;
          p.status = NodePool.Status.RUNNING;
        };
        out.onNext(op.proto());
        out.onCompleted();
      }
    }

    @Override
    public void cancelOperation(CancelOperationRequest request, StreamObserver<Empty> out) {
      synchronized (FakeGcp.this) {
        if (injected("cancelOperation", request, out)) {
          return;
        }
        GkeOp op = gkeOps.get(request.getName().substring(request.getName().lastIndexOf('/') + 1));
        if (op == null) {
          out.onError(Status.NOT_FOUND.withDescription("operation not found").asRuntimeException());
          return;
        }
        if (op.status != Operation.Status.DONE) {
          op.status = Operation.Status.ABORTING;
          op.pollsLeft = 1;
          op.step = null;
          op.error = com.google.rpc.Status.newBuilder().setCode(io.grpc.Status.Code.CANCELLED.value())
              .setMessage("Operation was cancelled").build();
          Pool p = pools.get(op.pool);
          op.onDone = () -> {
            p.aborted = true;
            p.status = NodePool.Status.RUNNING_WITH_ERROR;
          };
        }
        out.onNext(Empty.getDefaultInstance());
        out.onCompleted();
      }
    }

    @Override
    public void rollbackNodePoolUpgrade(RollbackNodePoolUpgradeRequest request, StreamObserver<Operation> out) {
      synchronized (FakeGcp.this) {
        if (injected("rollbackNodePoolUpgrade", request, out)) {
          return;
        }
        Pool p = requirePool(request.getName(), out);
        if (p == null) {
          return;
        }
        GkeOp op = newOp("rollbackNodePoolUpgrade", Operation.Type.UPGRADE_NODES, p.name, opPolls);
        if (p.aborted) {
          op.onDone = () -> {
            p.version = p.upgradingFrom;
            p.phase = null;
            p.aborted = false;
            p.status = NodePool.Status.RUNNING;
          };
        }
        out.onNext(op.proto());
        out.onCompleted();
      }
    }

    @Override
    public void completeNodePoolUpgrade(CompleteNodePoolUpgradeRequest request, StreamObserver<Empty> out) {
      synchronized (FakeGcp.this) {
        if (injected("completeNodePoolUpgrade", request, out)) {
          return;
        }
        Pool p = requirePool(request.getName(), out);
        if (p == null) {
          return;
        }
        if (p.phase != NodePool.UpdateInfo.BlueGreenInfo.Phase.NODE_POOL_SOAKING) {
          out.onError(Status.FAILED_PRECONDITION.withDescription("node pool is not soaking").asRuntimeException());
          return;
        }
        p.soakCompleted = true;
        out.onNext(Empty.getDefaultInstance());
        out.onCompleted();
      }
    }

    /**
     * CreateNodePool: the pool exists at once (PROVISIONING, no instances); its MIGs, one per location with
     * {@code initialNodeCount} instances each, come when the operation is done. ALREADY_EXISTS for a taken name.
     */
    @Override
    public void createNodePool(com.google.container.v1.CreateNodePoolRequest request, StreamObserver<Operation> out) {
      synchronized (FakeGcp.this) {
        if (injected("createNodePool", request, out)) {
          return;
        }
        NodePool want = request.getNodePool();
        if (pools.containsKey(want.getName())) {
          out.onError(Status.ALREADY_EXISTS.withDescription("Node pool \"" + want.getName() + "\" already exists.")
              .asRuntimeException());
          return;
        }
        Pool p = new Pool(want.getName(), want.getVersion().isEmpty() ? masterVersion : want.getVersion());
        p.machineType = want.getConfig().getMachineType().isEmpty() ? p.machineType : want.getConfig().getMachineType();
        p.imageType = want.getConfig().getImageType().isEmpty() ? p.imageType : want.getConfig().getImageType();
        p.labels.putAll(want.getConfig().getLabelsMap());
        p.taints.addAll(want.getConfig().getTaintsList());
        p.autoscaling = want.getAutoscaling();
        p.status = NodePool.Status.PROVISIONING;
        pools.put(p.name, p);
        List<String> zones = want.getLocationsList();
        GkeOp op = newOp("createNodePool", Operation.Type.CREATE_NODE_POOL, p.name, opPolls);
        op.onDone = () -> {
          if (op.error != null) {
            p.status = NodePool.Status.ERROR;
            return;
          }
          String hash = String.format("%08x", p.name.hashCode() & 0xffffffffL);
          for (String z : zones) {
            Mig m = new Mig(z, "gke-" + CLUSTER + "-" + p.name + "-" + hash.substring(0, 4) + z.charAt(z.length() - 1)
                + "1-grp", template(p.version));
            m.target = want.getInitialNodeCount();
            m.reconcile();
            p.groups.add(m);
            migs.put(z + "/" + m.name, m);
          }
          p.status = NodePool.Status.RUNNING;
        };
        out.onNext(op.proto());
        out.onCompleted();
      }
    }

    /** DeleteNodePool: STOPPING, then gone with its MIGs and instances when the operation is done. */
    @Override
    public void deleteNodePool(com.google.container.v1.DeleteNodePoolRequest request, StreamObserver<Operation> out) {
      synchronized (FakeGcp.this) {
        if (injected("deleteNodePool", request, out)) {
          return;
        }
        Pool p = requirePool(request.getName(), out);
        if (p == null) {
          return;
        }
        GkeOp op = newOp("deleteNodePool", Operation.Type.DELETE_NODE_POOL, p.name, opPolls);
        if (op.error == null) {
          p.status = NodePool.Status.STOPPING;
          op.onDone = () -> {
            pools.remove(p.name);
            for (Mig m : p.groups) {
              migs.remove(m.zone + "/" + m.name);
            }
          };
        }
        out.onNext(op.proto());
        out.onCompleted();
      }
    }

    @Override
    public void getOperation(GetOperationRequest request, StreamObserver<Operation> out) {
      synchronized (FakeGcp.this) {
        if (injected("getOperation", request, out)) {
          return;
        }
        GkeOp op = gkeOps.get(request.getName().substring(request.getName().lastIndexOf('/') + 1));
        if (op == null) {
          out.onError(Status.NOT_FOUND.withDescription("operation not found").asRuntimeException());
          return;
        }
        if (op.status != Operation.Status.DONE) {
          // An upgrade steps until it may finish; an injected failure ends it at the next poll.
          boolean finish = op.step != null ? op.error != null || op.step.getAsBoolean() : --op.pollsLeft <= 0;
          if (finish) {
            op.status = Operation.Status.DONE;
            op.onDone.run();
          }
        }
        out.onNext(op.proto());
        out.onCompleted();
      }
    }
  }

  // ------------------------------------------------------------------------------------------ Compute (REST)

  private static final Pattern IGM = Pattern.compile(
      "/compute/v1/projects/([^/]+)/zones/([^/]+)/instanceGroupManagers/([^/:]+)(?:/(\\w+))?");
  private static final Pattern ZONE_OP = Pattern.compile("/compute/v1/projects/([^/]+)/zones/([^/]+)/operations/([^/]+)");
  private static final Pattern REGION_GET = Pattern.compile("/compute/v1/projects/([^/]+)/regions/([^/]+)");
  private static final Pattern MACHINE = Pattern.compile(
      "/compute/v1/projects/([^/]+)/zones/([^/]+)/machineTypes/([^/]+)");

  private void compute(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      String body;
      try (InputStream in = ex.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Object[] reply;
      synchronized (this) {
        reply = route(ex.getRequestMethod(), path, query, body);
      }
      byte[] bytes = ((String) reply[1]).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
      ex.sendResponseHeaders((Integer) reply[0], bytes.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    }
  }

  private Object[] route(String method, String path, Map<String, String> query, String body) throws IOException {
    Matcher m;
    String name;
    if ((m = IGM.matcher(path)).matches()) {
      String verb = m.group(4) == null ? "get" : m.group(4);
      name = "igm." + verb;
    } else if (ZONE_OP.matcher(path).matches()) {
      name = "zoneOperations.get";
    } else if (REGION_GET.matcher(path).matches()) {
      name = "regions.get";
    } else if (MACHINE.matcher(path).matches()) {
      name = "machineTypes.get";
    } else {
      return error(404, "notFound", "no route for " + method + " " + path);
    }
    calls.add(name);
    Deque<HttpFailure> q = httpFailures.get(name);
    if (q != null && !q.isEmpty()) {
      HttpFailure f = q.poll();
      return error(f.status(), f.reason(), f.message());
    }
    switch (name) {
      case "igm.get" -> {
        Mig mig = migs.get(m.group(2) + "/" + m.group(3));
        if (mig == null) {
          return error(404, "notFound", "The resource '" + path + "' was not found");
        }
        return ok(InstanceGroupManager.newBuilder().setName(mig.name).setZone(mig.zone).setTargetSize(mig.target)
            .setInstanceTemplate(mig.template).setBaseInstanceName(mig.base()).build());
      }
      case "igm.listManagedInstances" -> {
        Mig mig = migs.get(m.group(2) + "/" + m.group(3));
        if (mig == null) {
          return error(404, "notFound", "The resource '" + path + "' was not found");
        }
        var r = InstanceGroupManagersListManagedInstancesResponse.newBuilder();
        mig.instances.forEach((n, t) -> r.addManagedInstances(ManagedInstance.newBuilder().setName(n)
            .setInstance("https://www.googleapis.com/compute/v1/projects/" + PROJECT + "/zones/" + mig.zone
                + "/instances/" + n)
            .setInstanceStatus("RUNNING").setCurrentAction("NONE")
            .setVersion(ManagedInstanceVersion.newBuilder().setInstanceTemplate(t))));
        return ok(r.build());
      }
      case "igm.deleteInstances" -> {
        Mig mig = migs.get(m.group(2) + "/" + m.group(3));
        var req = InstanceGroupManagersDeleteInstancesRequest.newBuilder();
        JsonFormat.parser().ignoringUnknownFields().merge(body, req);
        requests.add(req.build());
        for (String url : req.getInstancesList()) {
          String inst = url.substring(url.lastIndexOf('/') + 1);
          if (mig.instances.remove(inst) != null) {
            mig.target--;
          } else if (!req.getSkipInstancesOnValidationError()) {
            return error(400, "invalid", "instance " + inst + " is not a member of " + mig.name);
          }
        }
        return ok(computeOp(name, mig.zone).proto());
      }
      case "igm.resize" -> {
        Mig mig = migs.get(m.group(2) + "/" + m.group(3));
        mig.target = Integer.parseInt(query.get("size"));
        mig.reconcile();
        return ok(computeOp(name, mig.zone).proto());
      }
      case "zoneOperations.get" -> {
        Matcher z = ZONE_OP.matcher(path);
        z.matches();
        ComputeOp op = computeOps.get(z.group(3));
        if (op == null) {
          return error(404, "notFound", "operation " + z.group(3) + " not found");
        }
        op.pollsLeft--;
        return ok(op.proto());
      }
      case "regions.get" -> {
        Matcher r = REGION_GET.matcher(path);
        r.matches();
        return ok(Region.newBuilder().setName(r.group(2)).addAllQuotas(quotas.values()).build());
      }
      case "machineTypes.get" -> {
        Matcher t = MACHINE.matcher(path);
        t.matches();
        Integer cpus = machineCpus.get(t.group(3));
        if (cpus == null) {
          return error(404, "notFound", "machine type " + t.group(3) + " not found");
        }
        return ok(MachineType.newBuilder().setName(t.group(3)).setGuestCpus(cpus).build());
      }
      default -> {
        return error(404, "notFound", name);
      }
    }
  }

  private ComputeOp computeOp(String method, String zone) {
    ComputeOp op = new ComputeOp("operation-c" + (++seq), zone, opPolls);
    Deque<Errors> q = computeOpFailures.get(method);
    if (q != null && !q.isEmpty()) {
      op.error = q.poll();
    }
    computeOps.put(op.name, op);
    return op;
  }

  private static Object[] ok(Message m) throws IOException {
    return new Object[] {200, JsonFormat.printer().print(m)};
  }

  private static Object[] error(int status, String reason, String message) {
    String json = "{\"error\":{\"code\":" + status + ",\"message\":\"" + message.replace("\"", "'")
        + "\",\"errors\":[{\"reason\":\"" + reason + "\",\"message\":\"" + message.replace("\"", "'") + "\"}]}}";
    return new Object[] {status, json};
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
