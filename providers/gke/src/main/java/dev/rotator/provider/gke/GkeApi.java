package dev.rotator.provider.gke;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.compute.v1.DeleteInstancesInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.Errors;
import com.google.cloud.compute.v1.GetInstanceGroupManagerRequest;
import com.google.cloud.compute.v1.GetZoneOperationRequest;
import com.google.cloud.compute.v1.InstanceGroupManager;
import com.google.cloud.compute.v1.InstanceGroupManagersDeleteInstancesRequest;
import com.google.cloud.compute.v1.InstanceGroupManagersListManagedInstancesResponse;
import com.google.cloud.compute.v1.ListManagedInstancesInstanceGroupManagersRequest;
import com.google.cloud.compute.v1.ManagedInstance;
import com.google.cloud.compute.v1.Quota;
import com.google.cloud.compute.v1.ResizeInstanceGroupManagerRequest;
import com.google.container.v1.CancelOperationRequest;
import com.google.container.v1.Cluster;
import com.google.container.v1.CompleteNodePoolUpgradeRequest;
import com.google.container.v1.GetClusterRequest;
import com.google.container.v1.GetNodePoolRequest;
import com.google.container.v1.GetOperationRequest;
import com.google.container.v1.ListNodePoolsRequest;
import com.google.container.v1.NodePool;
import com.google.container.v1.Operation;
import com.google.container.v1.RollbackNodePoolUpgradeRequest;
import com.google.container.v1.SetNodePoolSizeRequest;
import com.google.container.v1.UpdateNodePoolRequest;
import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The GKE and Compute calls rotator makes, each one retried ({@link CloudRetry}), mapped to {@link
 * CloudException} ({@link GkeErrors}), and long-running operations followed on the injected clock. Shared by
 * {@link GkeCloudProvider} and {@link GkeNativeUpgrade}.
 */
final class GkeApi {
  /** Managed instances per page, and pages read at most (a MIG holds at most 2,000 instances). */
  private static final int PAGE_SIZE = 500;
  private static final int MAX_PAGES = 20;

  final GkeSettings settings;
  final GkeClients clients;
  final Clock clock;
  final CloudRetry retry;

  GkeApi(GkeSettings settings, GkeClients clients, Clock clock) {
    this.settings = settings;
    this.clients = clients;
    this.clock = clock;
    this.retry = new CloudRetry("gke", settings, clock);
  }

  // ------------------------------------------------------------------------------------------ GKE (gRPC)

  Cluster cluster() {
    return call("get cluster " + settings.cluster(), () -> clients.clusterManager.getCluster(
        GetClusterRequest.newBuilder().setName(settings.clusterName()).build()));
  }

  List<NodePool> nodePools() {
    return call("list node pools of " + settings.cluster(), () -> clients.clusterManager.listNodePools(
        ListNodePoolsRequest.newBuilder().setParent(settings.clusterName()).build())).getNodePoolsList();
  }

  NodePool nodePool(String pool) {
    return call("get node pool " + pool, () -> clients.clusterManager.getNodePool(
        GetNodePoolRequest.newBuilder().setName(settings.poolName(pool)).build()));
  }

  /** SetNodePoolSize (the count applies to every zone of the pool), followed until DONE. */
  Operation setNodePoolSize(String pool, int perZone) {
    String what = "set size of node pool " + pool + " to " + perZone + " per zone";
    Operation op = call(what, () -> clients.clusterManager.setNodePoolSize(SetNodePoolSizeRequest.newBuilder()
        .setName(settings.poolName(pool)).setNodeCount(perZone).build()));
    return follow(op, what);
  }

  Operation updateNodePool(UpdateNodePoolRequest request, String what) {
    return call(what, () -> clients.clusterManager.updateNodePool(request));
  }

  Operation rollbackNodePoolUpgrade(String pool, boolean respectPdb) {
    return call("roll back upgrade of node pool " + pool, () -> clients.clusterManager.rollbackNodePoolUpgrade(
        RollbackNodePoolUpgradeRequest.newBuilder().setName(settings.poolName(pool)).setRespectPdb(respectPdb)
            .build()));
  }

  void completeNodePoolUpgrade(String pool) {
    retry.run("complete upgrade of node pool " + pool, () -> mapped("complete upgrade of node pool " + pool,
        () -> {
          clients.clusterManager.completeNodePoolUpgrade(
              CompleteNodePoolUpgradeRequest.newBuilder().setName(settings.poolName(pool)).build());
          return null;
        }));
  }

  /** Asks GKE to stop an operation (an upgrade stops where it is: some nodes new, some old). */
  void cancelOperation(String name) {
    String full = name.contains("/") ? name : settings.operationName(name);
    retry.run("cancel operation " + name, () -> mapped("cancel operation " + name, () -> {
      clients.clusterManager.cancelOperation(CancelOperationRequest.newBuilder().setName(full).build());
      return null;
    }));
  }

  Operation getOperation(String name) {
    String full = name.contains("/") ? name : settings.operationName(name);
    return call("get operation " + name, () -> clients.clusterManager.getOperation(
        GetOperationRequest.newBuilder().setName(full).build()));
  }

  /** Polls a GKE operation until DONE (then checks its error) or {@code operationTimeout} (RETRYABLE). */
  Operation follow(Operation op, String what) {
    Instant deadline = clock.now().plus(settings.operationTimeout());
    long maxPolls = maxPolls();
    Operation current = op;
    for (long poll = 0; current.getStatus() != Operation.Status.DONE; poll++) {
      if (poll >= maxPolls || !clock.now().isBefore(deadline)) {
        throw new CloudException(Kind.RETRYABLE, what + ": operation " + current.getName() + " still "
            + current.getStatus() + " after " + settings.operationTimeout().toSeconds() + "s; it may still finish");
      }
      pause(what);
      current = getOperation(current.getName());
    }
    checkDone(current, what);
    return current;
  }

  long maxPolls() {
    return settings.operationTimeout().toMillis() / Math.max(1, settings.pollInterval().toMillis()) + 1;
  }

  void pause(String what) {
    try {
      clock.sleep(settings.pollInterval());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CloudException(Kind.RETRYABLE, what + ": interrupted while waiting for the operation", e);
    }
  }

  /** Throws when a DONE operation carries an error (its code decides the kind). */
  static void checkDone(Operation op, String what) {
    if (op.hasError() && op.getError().getCode() != 0) {
      String msg = op.getError().getMessage().isEmpty() ? op.getStatusMessage() : op.getError().getMessage();
      throw new CloudException(GkeErrors.kind(op.getError().getCode(), msg),
          what + ": operation " + op.getName() + " failed: " + msg);
    }
  }

  // ------------------------------------------------------------------------------------ Compute (REST)

  InstanceGroupManager mig(MigRef mig) {
    return call("get instance group " + mig, () -> clients.instanceGroupManagers.get(
        GetInstanceGroupManagerRequest.newBuilder().setProject(mig.project()).setZone(mig.zone())
            .setInstanceGroupManager(mig.name()).build()));
  }

  /** The group's managed instances by instance name (bounded paging). */
  Map<String, ManagedInstance> managedInstances(MigRef mig) {
    Map<String, ManagedInstance> out = new HashMap<>();
    String token = "";
    for (int page = 0; page < MAX_PAGES; page++) {
      var request = ListManagedInstancesInstanceGroupManagersRequest.newBuilder()
          .setProject(mig.project()).setZone(mig.zone()).setInstanceGroupManager(mig.name())
          .setMaxResults(PAGE_SIZE);
      if (!token.isEmpty()) {
        request.setPageToken(token);
      }
      InstanceGroupManagersListManagedInstancesResponse r = call("list instances of group " + mig,
          () -> clients.instanceGroupManagers.listManagedInstancesCallable().call(request.build()));
      for (ManagedInstance mi : r.getManagedInstancesList()) {
        out.put(instanceName(mi), mi);
      }
      token = r.getNextPageToken();
      if (token.isEmpty()) {
        return out;
      }
    }
    throw new CloudException(Kind.PERMANENT,
        "list instances of group " + mig + ": more than " + MAX_PAGES * PAGE_SIZE + " instances");
  }

  static String instanceName(ManagedInstance mi) {
    if (mi.hasName() && !mi.getName().isEmpty()) {
      return mi.getName();
    }
    String url = mi.getInstance();
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /**
   * Deletes one instance through its MIG, which lowers the group's target size by one. {@code
   * skipInstancesOnValidationError} makes an instance that is no longer a member a no-op, not an error.
   */
  void deleteInstance(MigRef mig, String instance) {
    followCompute(mig, deleteStart(mig, instance), "delete instance " + instance + " from group " + mig);
  }

  /** Starts {@link #deleteInstance}; returns the operation to follow. */
  com.google.cloud.compute.v1.Operation deleteStart(MigRef mig, String instance) {
    return call("delete instance " + instance + " from group " + mig,
        () -> clients.instanceGroupManagers.deleteInstancesCallable().call(
            DeleteInstancesInstanceGroupManagerRequest.newBuilder()
                .setProject(mig.project()).setZone(mig.zone()).setInstanceGroupManager(mig.name())
                .setInstanceGroupManagersDeleteInstancesRequestResource(
                    InstanceGroupManagersDeleteInstancesRequest.newBuilder()
                        .addInstances(mig.instancePath(instance)).setSkipInstancesOnValidationError(true))
                .build()));
  }

  /** Starts a resize; returns the operation to follow. */
  com.google.cloud.compute.v1.Operation resizeStart(MigRef mig, int size) {
    return call("resize group " + mig + " to " + size, () -> clients.instanceGroupManagers.resizeCallable().call(
        ResizeInstanceGroupManagerRequest.newBuilder().setProject(mig.project()).setZone(mig.zone())
            .setInstanceGroupManager(mig.name()).setSize(size).build()));
  }

  void resize(MigRef mig, int size) {
    followCompute(mig, resizeStart(mig, size), "resize group " + mig + " to " + size);
  }

  /** Polls a zonal Compute operation until DONE or {@code operationTimeout}. */
  void followCompute(MigRef mig, com.google.cloud.compute.v1.Operation op, String what) {
    Instant deadline = clock.now().plus(settings.operationTimeout());
    long maxPolls = maxPolls();
    var current = op;
    for (long poll = 0; current.getStatus() != com.google.cloud.compute.v1.Operation.Status.DONE; poll++) {
      if (poll >= maxPolls || !clock.now().isBefore(deadline)) {
        throw new CloudException(Kind.RETRYABLE, what + ": operation " + current.getName() + " still "
            + current.getStatus() + " after " + settings.operationTimeout().toSeconds() + "s; it may still finish");
      }
      pause(what);
      String name = current.getName();
      current = call("get operation " + name, () -> clients.zoneOperations.get(GetZoneOperationRequest.newBuilder()
          .setProject(mig.project()).setZone(mig.zone()).setOperation(name).build()));
    }
    if (current.hasError() && current.getError().getErrorsCount() > 0) {
      Errors first = current.getError().getErrors(0);
      String msg = current.getError().getErrorsList().stream()
          .map(e -> e.getCode() + ": " + e.getMessage()).collect(Collectors.joining("; "));
      throw new CloudException(GkeErrors.computeOperationKind(first.getCode(), current.getHttpErrorStatusCode()),
          what + ": operation " + current.getName() + " failed: " + msg);
    }
  }

  /** A region's quotas by metric ({@code CPUS}, {@code N2_CPUS}, {@code INSTANCES}, …). */
  Map<String, Quota> regionQuotas(String region) {
    var r = call("get quotas of region " + region, () -> clients.regions.get(settings.project(), region));
    Map<String, Quota> out = new HashMap<>();
    for (Quota q : r.getQuotasList()) {
      out.put(q.getMetric(), q);
    }
    return out;
  }

  int machineCpus(String zone, String machineType) {
    return call("get machine type " + machineType,
        () -> clients.machineTypes.get(settings.project(), zone, machineType)).getGuestCpus();
  }

  // ------------------------------------------------------------------------------------------ plumbing

  <T> T call(String what, Supplier<T> op) {
    return retry.call(what, () -> mapped(what, op));
  }

  private static <T> T mapped(String what, Supplier<T> op) {
    try {
      return op.get();
    } catch (ApiException e) {
      throw GkeErrors.of(what, e);
    }
  }

  static List<MigRef> migsOf(NodePool pool) {
    List<MigRef> out = new ArrayList<>();
    List<String> urls = new ArrayList<>(pool.getInstanceGroupUrlsList());
    // During a blue-green upgrade the pool owns two sets of groups; nodes of both are the pool's.
    if (pool.hasUpdateInfo() && pool.getUpdateInfo().hasBlueGreenInfo()) {
      urls.addAll(pool.getUpdateInfo().getBlueGreenInfo().getBlueInstanceGroupUrlsList());
      urls.addAll(pool.getUpdateInfo().getBlueGreenInfo().getGreenInstanceGroupUrlsList());
    }
    for (String url : urls) {
      MigRef.parse(url).ifPresent(m -> {
        if (!out.contains(m)) {
          out.add(m);
        }
      });
    }
    return out;
  }
}
