package dev.rotator.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Which cluster, and where rotator keeps its state in it.
 *
 * @param kubeconfig kubeconfig file; empty: {@code $KUBECONFIG}, then {@code ~/.kube/config}, then the
 *     in-cluster service account (the client's usual lookup)
 * @param context kubeconfig context; empty: the file's current context
 * @param stateNamespace namespace of the state ConfigMap (mode, progress) and of the lock Lease
 * @param stateConfigMap name of the state ConfigMap
 */
public record ClusterSettings(
    Optional<String> kubeconfig, Optional<String> context, String stateNamespace, String stateConfigMap) {

  public static final String DEFAULT_STATE_NAMESPACE = "rotator-system";
  public static final String DEFAULT_STATE_CONFIGMAP = "rotator-state";

  public ClusterSettings {
    Objects.requireNonNull(kubeconfig, "kubeconfig");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(stateNamespace, "stateNamespace");
    Objects.requireNonNull(stateConfigMap, "stateConfigMap");
  }

  /** A copy with another kubeconfig (a command-line flag overriding the file); null keeps this one. */
  public ClusterSettings withKubeconfig(String path) {
    return path == null ? this : new ClusterSettings(Optional.of(path), context, stateNamespace, stateConfigMap);
  }

  /** A copy with another context; null keeps this one. */
  public ClusterSettings withContext(String name) {
    return name == null ? this : new ClusterSettings(kubeconfig, Optional.of(name), stateNamespace, stateConfigMap);
  }

  public static ClusterSettings defaults() {
    return new ClusterSettings(
        Optional.empty(), Optional.empty(), DEFAULT_STATE_NAMESPACE, DEFAULT_STATE_CONFIGMAP);
  }
}
