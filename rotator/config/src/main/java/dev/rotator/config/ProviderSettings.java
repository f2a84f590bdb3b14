package dev.rotator.config;

import java.util.Objects;

/**
 * The cloud provider behind the cluster's nodes.
 *
 * @param type which provider; only {@link Type#FAKE} is available in this build (the loader refuses the
 *     others with a clear message until their modules exist)
 */
public record ProviderSettings(Type type) {

  /** Provider types. */
  public enum Type {
    /** The in-memory cloud of the simulator and the demo. */
    FAKE,
    /** AWS Auto Scaling groups (a later release). */
    AWS,
    /** GKE node pools (a later release). */
    GKE;

    /** Whether this build contains the provider. */
    public boolean available() {
      return this == FAKE;
    }
  }

  public ProviderSettings {
    Objects.requireNonNull(type, "type");
  }

  public static ProviderSettings defaults() {
    return new ProviderSettings(Type.FAKE);
  }
}
