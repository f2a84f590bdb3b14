package dev.rotator.sim.store;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Optional;

/** The resources the simulated API server serves. */
public final class ResourceTypes {
  public static final ResourceType NAMESPACES =
      new ResourceType("", "v1", "namespaces", "Namespace", false, Namespace.class, true, List.of("ns"));
  public static final ResourceType NODES =
      new ResourceType("", "v1", "nodes", "Node", false, Node.class, true, List.of("no"));
  public static final ResourceType PODS =
      new ResourceType("", "v1", "pods", "Pod", true, Pod.class, true, List.of("po"));
  public static final ResourceType CONFIGMAPS =
      new ResourceType("", "v1", "configmaps", "ConfigMap", true, ConfigMap.class, false, List.of("cm"));
  public static final ResourceType EVENTS =
      new ResourceType("", "v1", "events", "Event", true, Event.class, false, List.of("ev"));
  public static final ResourceType EVENTS_V1 =
      new ResourceType(
          "events.k8s.io",
          "v1",
          "events",
          "Event",
          true,
          io.fabric8.kubernetes.api.model.events.v1.Event.class,
          false,
          List.of("ev"));
  public static final ResourceType PDBS =
      new ResourceType(
          "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, PodDisruptionBudget.class, true,
          List.of("pdb"));
  public static final ResourceType DEPLOYMENTS =
      new ResourceType("apps", "v1", "deployments", "Deployment", true, Deployment.class, true, List.of("deploy"));
  public static final ResourceType REPLICASETS =
      new ResourceType("apps", "v1", "replicasets", "ReplicaSet", true, ReplicaSet.class, true, List.of("rs"));
  public static final ResourceType STATEFULSETS =
      new ResourceType("apps", "v1", "statefulsets", "StatefulSet", true, StatefulSet.class, true, List.of("sts"));
  public static final ResourceType DAEMONSETS =
      new ResourceType("apps", "v1", "daemonsets", "DaemonSet", true, DaemonSet.class, true, List.of("ds"));
  public static final ResourceType LEASES =
      new ResourceType("coordination.k8s.io", "v1", "leases", "Lease", true, Lease.class, false, List.of());

  public static final List<ResourceType> ALL =
      List.of(
          NAMESPACES, NODES, PODS, CONFIGMAPS, EVENTS, EVENTS_V1, PDBS, DEPLOYMENTS, REPLICASETS, STATEFULSETS,
          DAEMONSETS, LEASES);

  private ResourceTypes() {}

  public static Optional<ResourceType> find(String group, String version, String plural) {
    return ALL.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  /** Group/versions served, e.g. {@code policy/v1}; the core group is {@code v1}. */
  public static List<String> groupVersions() {
    return ALL.stream().map(ResourceType::apiVersion).distinct().toList();
  }
}
