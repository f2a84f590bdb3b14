package dev.rotator.config;

import dev.rotator.provider.aws.AwsSettings;
import dev.rotator.provider.gke.GkeNativeUpgrade;
import dev.rotator.provider.gke.GkeSettings;
import java.util.Objects;
import java.util.Optional;

/**
 * The cloud provider behind the cluster's nodes, with the settings of the one selected: {@link #aws()} is
 * present exactly when the type is {@link Type#AWS}, {@link #gke()} exactly when it is {@link Type#GKE}, and
 * {@link #gkeNativeUpgrade()} exactly when GKE uses {@link GkeStrategy#NATIVE}. No credentials anywhere:
 * each SDK takes them from its default chain.
 *
 * @param type which provider
 * @param aws {@code provider.aws}, validated by {@link AwsSettings} itself
 * @param gke {@code provider.gke}, validated by {@link GkeSettings} itself
 * @param gkeStrategy {@code provider.gke.strategy}; {@link GkeStrategy#NODES} for the other types
 * @param gkeNativeUpgrade {@code provider.gke.nativeUpgrade}, when the strategy is native
 */
public record ProviderSettings(
    Type type,
    Optional<AwsSettings> aws,
    Optional<GkeSettings> gke,
    GkeStrategy gkeStrategy,
    Optional<GkeNativeUpgrade.Spec> gkeNativeUpgrade) {

  /** Provider types. */
  public enum Type {
    /** The in-memory cloud of the simulator and the demo. */
    FAKE,
    /** AWS Auto Scaling groups ({@code providers/aws}). */
    AWS,
    /** GKE node pools ({@code providers/gke}). */
    GKE,
    /**
     * The fake cloud of a simulator running in another process ({@code rotator sim serve}), reached on the
     * Kubernetes API server's own loopback address; rotator also takes the simulator's clock from there.
     */
    SIM
  }

  /** How nodes of a GKE cluster are replaced. */
  public enum GkeStrategy {
    /**
     * rotator's own engine, node by node: cordon, drain, delete the VM through the node pool's managed
     * instance group, which recreates it.
     */
    NODES,
    /**
     * GKE's own node pool upgrade (surge or blue-green), started, gated and stopped by rotator: {@code rotator
     * run} upgrades one pool at a time, checking the mode and the gate between GKE's operation polls.
     */
    NATIVE
  }

  public ProviderSettings {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(gke, "gke");
    Objects.requireNonNull(gkeStrategy, "gkeStrategy");
    Objects.requireNonNull(gkeNativeUpgrade, "gkeNativeUpgrade");
    if (aws.isPresent() != (type == Type.AWS)) {
      throw new IllegalArgumentException("AWS settings go with provider type AWS only (type is " + type + ")");
    }
    if (gke.isPresent() != (type == Type.GKE)) {
      throw new IllegalArgumentException("GKE settings go with provider type GKE only (type is " + type + ")");
    }
    if (gkeStrategy == GkeStrategy.NATIVE && type != Type.GKE) {
      throw new IllegalArgumentException("the native strategy is a GKE strategy (type is " + type + ")");
    }
    if (gkeNativeUpgrade.isPresent() != (gkeStrategy == GkeStrategy.NATIVE)) {
      throw new IllegalArgumentException("a native upgrade spec goes with the native strategy, and only with it");
    }
  }

  /** The in-memory cloud: the default when rotator.yaml has no {@code provider} section. */
  public static ProviderSettings fake() {
    return new ProviderSettings(Type.FAKE, Optional.empty(), Optional.empty(), GkeStrategy.NODES, Optional.empty());
  }

  /** AWS Auto Scaling groups. */
  public static ProviderSettings aws(AwsSettings settings) {
    return new ProviderSettings(
        Type.AWS, Optional.of(settings), Optional.empty(), GkeStrategy.NODES, Optional.empty());
  }

  /** GKE node pools, rotated node by node by rotator's engine. */
  public static ProviderSettings gke(GkeSettings settings) {
    return new ProviderSettings(
        Type.GKE, Optional.empty(), Optional.of(settings), GkeStrategy.NODES, Optional.empty());
  }

  /** GKE node pools, upgraded by GKE's own node pool upgrade. */
  public static ProviderSettings gkeNative(GkeSettings settings, GkeNativeUpgrade.Spec spec) {
    return new ProviderSettings(
        Type.GKE, Optional.empty(), Optional.of(settings), GkeStrategy.NATIVE, Optional.of(spec));
  }

  /** The fake cloud of {@code rotator sim serve}, behind the kubeconfig's loopback API server. */
  public static ProviderSettings sim() {
    return new ProviderSettings(Type.SIM, Optional.empty(), Optional.empty(), GkeStrategy.NODES, Optional.empty());
  }

  public static ProviderSettings defaults() {
    return fake();
  }
}
