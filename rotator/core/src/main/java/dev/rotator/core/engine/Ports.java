package dev.rotator.core.engine;

import dev.rotator.core.port.Clock;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.StateStore;
import dev.rotator.provider.CloudProvider;
import java.util.Objects;

/** Everything outside the engine, reached through ports. */
public record Ports(
    Cluster cluster, CloudProvider cloud, StateStore store, Gate gate, Notifier notifier, Clock clock) {
  public Ports {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(gate, "gate");
    Objects.requireNonNull(notifier, "notifier");
    Objects.requireNonNull(clock, "clock");
  }
}
