package dev.rotator.config;

import dev.rotator.core.engine.RotationPolicy;
import java.util.Objects;

/**
 * A validated rotator.yaml (see docs/configuration.md). Built by {@link ConfigLoader}; every value in it
 * has been checked, so code that receives one never validates again.
 */
public record RotatorConfig(
    ClusterSettings cluster,
    ProviderSettings provider,
    SelectorSettings selector,
    RotationPolicy policy,
    GateSettings gates,
    AlertSettings alerts) {

  public RotatorConfig {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(selector, "selector");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(gates, "gates");
    Objects.requireNonNull(alerts, "alerts");
  }

  /** Same as {@link ConfigLoader#defaults()}. */
  public static RotatorConfig defaults() {
    return ConfigLoader.defaults();
  }

  public RotatorConfig withPolicy(RotationPolicy newPolicy) {
    return new RotatorConfig(cluster, provider, selector, newPolicy, gates, alerts);
  }

  public RotatorConfig withSelector(SelectorSettings newSelector) {
    return new RotatorConfig(cluster, provider, newSelector, policy, gates, alerts);
  }

  public RotatorConfig withCluster(ClusterSettings newCluster) {
    return new RotatorConfig(newCluster, provider, selector, policy, gates, alerts);
  }
}
