package dev.rotator.sim.store;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Deep copies of model objects. Stored objects are never changed in place (events and watch frames share
 * them across threads), so every change starts from a copy. Builders copy nested objects; a JSON round
 * trip covers anything else.
 */
public final class Copies {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private Copies() {}

  @SuppressWarnings("unchecked")
  public static <T extends HasMetadata> T copy(T o) {
    HasMetadata c;
    if (o instanceof Pod p) {
      c = new PodBuilder(p).build();
    } else if (o instanceof Node n) {
      c = new NodeBuilder(n).build();
    } else if (o instanceof PodDisruptionBudget p) {
      c = new PodDisruptionBudgetBuilder(p).build();
    } else if (o instanceof ConfigMap m) {
      c = new ConfigMapBuilder(m).build();
    } else if (o instanceof ReplicaSet r) {
      c = new ReplicaSetBuilder(r).build();
    } else if (o instanceof Deployment d) {
      c = new DeploymentBuilder(d).build();
    } else if (o instanceof StatefulSet s) {
      c = new StatefulSetBuilder(s).build();
    } else if (o instanceof DaemonSet d) {
      c = new DaemonSetBuilder(d).build();
    } else if (o instanceof Lease l) {
      c = new LeaseBuilder(l).build();
    } else if (o instanceof Namespace n) {
      c = new NamespaceBuilder(n).build();
    } else if (o instanceof Event e) {
      c = new EventBuilder(e).build();
    } else {
      c = JSON.clone(o);
    }
    return (T) c;
  }
}
