package dev.rotator.provider.gke;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.compute.v1.InstanceGroupManagersClient;
import com.google.cloud.compute.v1.InstanceGroupManagersSettings;
import com.google.cloud.compute.v1.MachineTypesClient;
import com.google.cloud.compute.v1.MachineTypesSettings;
import com.google.cloud.compute.v1.RegionsClient;
import com.google.cloud.compute.v1.RegionsSettings;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsSettings;
import com.google.cloud.container.v1.ClusterManagerClient;
import com.google.cloud.container.v1.ClusterManagerSettings;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * Builds the Google clients from {@link GkeSettings}: default credentials (Workload Identity / ADC) unless
 * {@code plaintext}, GAX retries off (one attempt per call, bounded by {@code callTimeout}) because {@link
 * CloudRetry} retries, endpoints overridable for emulators and tests.
 */
public final class GkeClients implements AutoCloseable {
  final ClusterManagerClient clusterManager;
  final InstanceGroupManagersClient instanceGroupManagers;
  final ZoneOperationsClient zoneOperations;
  final RegionsClient regions;
  final MachineTypesClient machineTypes;

  private GkeClients(
      ClusterManagerClient clusterManager,
      InstanceGroupManagersClient instanceGroupManagers,
      ZoneOperationsClient zoneOperations,
      RegionsClient regions,
      MachineTypesClient machineTypes) {
    this.clusterManager = clusterManager;
    this.instanceGroupManagers = instanceGroupManagers;
    this.zoneOperations = zoneOperations;
    this.regions = regions;
    this.machineTypes = machineTypes;
  }

  /** Clients for the real APIs (or the endpoints the settings name). */
  public static GkeClients create(GkeSettings s) {
    return create(s, null);
  }

  /**
   * Clients with the GKE API on the given transport (tests: an in-process gRPC channel); {@code null} =
   * the channel the settings describe.
   */
  public static GkeClients create(GkeSettings s, TransportChannelProvider containerTransport) {
    ClusterManagerClient cm = null;
    try {
      cm = ClusterManagerClient.create(clusterManagerSettings(s, containerTransport));
      InstanceGroupManagersSettings.Builder igm = InstanceGroupManagersSettings.newBuilder();
      ZoneOperationsSettings.Builder ops = ZoneOperationsSettings.newBuilder();
      RegionsSettings.Builder regions = RegionsSettings.newBuilder();
      MachineTypesSettings.Builder types = MachineTypesSettings.newBuilder();
      if (!s.computeEndpoint().isEmpty()) {
        igm.setEndpoint(s.computeEndpoint());
        ops.setEndpoint(s.computeEndpoint());
        regions.setEndpoint(s.computeEndpoint());
        types.setEndpoint(s.computeEndpoint());
      }
      if (s.plaintext()) {
        CredentialsProvider none = NoCredentialsProvider.create();
        igm.setCredentialsProvider(none);
        ops.setCredentialsProvider(none);
        regions.setCredentialsProvider(none);
        types.setCredentialsProvider(none);
      }
      Duration t = s.callTimeout();
      igm.applyToAllUnaryMethods(b -> noRetries(b, t));
      ops.applyToAllUnaryMethods(b -> noRetries(b, t));
      regions.applyToAllUnaryMethods(b -> noRetries(b, t));
      types.applyToAllUnaryMethods(b -> noRetries(b, t));
      return new GkeClients(
          cm,
          InstanceGroupManagersClient.create(igm.build()),
          ZoneOperationsClient.create(ops.build()),
          RegionsClient.create(regions.build()),
          MachineTypesClient.create(types.build()));
    } catch (IOException e) {
      if (cm != null) {
        cm.close();
      }
      // Raised when no default credentials can be found: a setup problem, not a rotation failure.
      throw new UncheckedIOException("cannot create the Google Cloud clients: " + e.getMessage(), e);
    }
  }

  static ClusterManagerSettings clusterManagerSettings(GkeSettings s, TransportChannelProvider transport)
      throws IOException {
    ClusterManagerSettings.Builder b = ClusterManagerSettings.newBuilder();
    if (transport != null) {
      b.setTransportChannelProvider(transport);
    } else if (!s.containerEndpoint().isEmpty() || s.plaintext()) {
      var channel = ClusterManagerSettings.defaultGrpcTransportProviderBuilder();
      if (!s.containerEndpoint().isEmpty()) {
        channel.setEndpoint(s.containerEndpoint());
      }
      if (s.plaintext()) {
        channel.setChannelConfigurator(ManagedChannelBuilder::usePlaintext);
      }
      b.setTransportChannelProvider(channel.build());
    }
    if (!s.containerEndpoint().isEmpty()) {
      b.setEndpoint(s.containerEndpoint());
    }
    if (s.plaintext() || transport != null) {
      b.setCredentialsProvider(NoCredentialsProvider.create());
    }
    Duration t = s.callTimeout();
    b.applyToAllUnaryMethods(m -> noRetries(m, t));
    return b.build();
  }

  private static Void noRetries(com.google.api.gax.rpc.UnaryCallSettings.Builder<?, ?> b, Duration timeout) {
    b.setRetryableCodes();
    b.setSimpleTimeoutNoRetriesDuration(timeout);
    return null;
  }

  @Override
  public void close() {
    clusterManager.close();
    instanceGroupManagers.close();
    zoneOperations.close();
    regions.close();
    machineTypes.close();
  }
}
