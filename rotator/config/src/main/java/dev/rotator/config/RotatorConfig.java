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
    AlertSettings alerts,
    ServeSettings serve,
    LoggingSettings logging,
    NodePoolSettings nodePool,
    SlackSettings slack,
    LockSettings lock) {

  /** A configuration with the default {@code lock} settings. */
  public RotatorConfig(ClusterSettings cluster, ProviderSettings provider, SelectorSettings selector,
      RotationPolicy policy, GateSettings gates, AlertSettings alerts, ServeSettings serve, LoggingSettings logging,
      NodePoolSettings nodePool, SlackSettings slack) {
    this(cluster, provider, selector, policy, gates, alerts, serve, logging, nodePool, slack, LockSettings.defaults());
  }

  /** A configuration with the defaults of {@code serve} and {@code logging}. */
  public RotatorConfig(ClusterSettings cluster, ProviderSettings provider, SelectorSettings selector,
      RotationPolicy policy, GateSettings gates, AlertSettings alerts) {
    this(cluster, provider, selector, policy, gates, alerts, ServeSettings.defaults(), LoggingSettings.defaults());
  }

  /** A configuration with the default strategy (nodes, no {@code nodePool}). */
  public RotatorConfig(ClusterSettings cluster, ProviderSettings provider, SelectorSettings selector,
      RotationPolicy policy, GateSettings gates, AlertSettings alerts, ServeSettings serve, LoggingSettings logging) {
    this(cluster, provider, selector, policy, gates, alerts, serve, logging, NodePoolSettings.defaults());
  }

  /** A configuration without Slack. */
  public RotatorConfig(ClusterSettings cluster, ProviderSettings provider, SelectorSettings selector,
      RotationPolicy policy, GateSettings gates, AlertSettings alerts, ServeSettings serve, LoggingSettings logging,
      NodePoolSettings nodePool) {
    this(cluster, provider, selector, policy, gates, alerts, serve, logging, nodePool, SlackSettings.disabled());
  }

  public RotatorConfig {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(selector, "selector");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(gates, "gates");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(serve, "serve");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(nodePool, "nodePool");
    Objects.requireNonNull(slack, "slack");
    Objects.requireNonNull(lock, "lock");
  }

  /** Same as {@link ConfigLoader#defaults()}. */
  public static RotatorConfig defaults() {
    return ConfigLoader.defaults();
  }

  public RotatorConfig withPolicy(RotationPolicy newPolicy) {
    return new RotatorConfig(cluster, provider, selector, newPolicy, gates, alerts, serve, logging, nodePool, slack, lock);
  }

  public RotatorConfig withSelector(SelectorSettings newSelector) {
    return new RotatorConfig(cluster, provider, newSelector, policy, gates, alerts, serve, logging, nodePool, slack, lock);
  }

  public RotatorConfig withCluster(ClusterSettings newCluster) {
    return new RotatorConfig(newCluster, provider, selector, policy, gates, alerts, serve, logging, nodePool, slack, lock);
  }
}
