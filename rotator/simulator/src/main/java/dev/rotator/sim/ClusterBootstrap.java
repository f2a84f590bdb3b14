package dev.rotator.sim;

import dev.rotator.sim.Scenario.WorkloadKind;
import dev.rotator.sim.Scenario.WorkloadSpec;
import dev.rotator.sim.cluster.PodFacts;
import dev.rotator.sim.cluster.Resources;
import dev.rotator.sim.record.Recorder;
import dev.rotator.sim.store.Cause;
import dev.rotator.sim.store.ClusterStore;
import dev.rotator.sim.store.ResourceTypes;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns a scenario's workloads into API objects: namespaces, Deployments, StatefulSets, DaemonSets, pods, PDBs. */
final class ClusterBootstrap {
  static final String APP_LABEL = "app";

  private ClusterBootstrap() {}

  /** Namespaces every cluster has, plus rotator's own and the workloads'. */
  static void namespaces(ClusterStore store, Scenario s) {
    Set<String> names = new LinkedHashSet<>(List.of("default", "kube-system", "kube-public", "kube-node-lease",
        Recorder.STATE_NAMESPACE));
    s.workloads().forEach(w -> names.add(w.namespace()));
    store.write(
        Cause.BOOTSTRAP,
        () -> {
          for (String n : names) {
            store.create(
                ResourceTypes.NAMESPACES,
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(n)
                    .addToLabels("kubernetes.io/metadata.name", n)
                    .endMetadata()
                    .withNewSpec()
                    .addToFinalizers("kubernetes")
                    .endSpec()
                    .withNewStatus()
                    .withPhase("Active")
                    .endStatus()
                    .build());
          }
        });
  }

  /** Templates of the scenario's static pods; their metadata names the namespace and name prefix. */
  static List<PodTemplateSpec> staticPods(Scenario s) {
    List<PodTemplateSpec> out = new ArrayList<>();
    for (WorkloadSpec w : s.workloads()) {
      if (w.kind() == WorkloadKind.StaticPod) {
        PodTemplateSpec tpl = template(w);
        tpl.getMetadata().setName(w.name());
        tpl.getMetadata().setNamespace(w.namespace());
        out.add(tpl);
      }
    }
    return out;
  }

  /** Creates every workload's API objects and PDBs (static pods come from the kubelets instead). */
  static void workloads(ClusterStore store, Scenario s) {
    store.write(
        Cause.BOOTSTRAP,
        () -> {
          for (WorkloadSpec w : s.workloads()) {
            PodTemplateSpec tpl = template(w);
            Map<String, String> labels = Map.of(APP_LABEL, w.name());
            var meta = new ObjectMetaBuilder().withName(w.name()).withNamespace(w.namespace()).withLabels(labels).build();
            var selector = new LabelSelectorBuilder().withMatchLabels(labels).build();
            switch (w.kind()) {
              case Deployment -> store.create(
                  ResourceTypes.DEPLOYMENTS,
                  new DeploymentBuilder()
                      .withMetadata(meta)
                      .withNewSpec()
                      .withReplicas(w.replicas())
                      .withSelector(selector)
                      .withTemplate(tpl)
                      .withNewStrategy()
                      .withType("RollingUpdate")
                      .endStrategy()
                      .endSpec()
                      .build());
              case StatefulSet -> store.create(
                  ResourceTypes.STATEFULSETS,
                  new StatefulSetBuilder()
                      .withMetadata(meta)
                      .withNewSpec()
                      .withReplicas(w.replicas())
                      .withServiceName(w.name())
                      .withPodManagementPolicy("Parallel")
                      .withSelector(selector)
                      .withTemplate(tpl)
                      .endSpec()
                      .build());
              case DaemonSet -> store.create(
                  ResourceTypes.DAEMONSETS,
                  new DaemonSetBuilder()
                      .withMetadata(meta)
                      .withNewSpec()
                      .withSelector(selector)
                      .withTemplate(tpl)
                      .endSpec()
                      .build());
              case Pod -> {
                for (int i = 0; i < w.replicas(); i++) {
                  String name = w.replicas() == 1 ? w.name() : w.name() + "-" + i;
                  Pod p =
                      new PodBuilder()
                          .withMetadata(
                              new ObjectMetaBuilder()
                                  .withName(name)
                                  .withNamespace(w.namespace())
                                  .withLabels(new LinkedHashMap<>(tpl.getMetadata().getLabels()))
                                  .withAnnotations(new LinkedHashMap<>(tpl.getMetadata().getAnnotations()))
                                  .build())
                          .withSpec(new PodSpecBuilder(tpl.getSpec()).build())
                          .withNewStatus()
                          .withPhase("Pending")
                          .endStatus()
                          .build();
                  store.create(ResourceTypes.PODS, p);
                }
              }
              case StaticPod -> {
                // created per node by WorkloadController from staticPods()
              }
              default -> throw new IllegalStateException("unhandled workload kind " + w.kind());
            }
            if (w.pdb() != null) {
              var pdb = new PodDisruptionBudgetBuilder()
                  .withNewMetadata()
                  .withName(w.name())
                  .withNamespace(w.namespace())
                  .endMetadata()
                  .withNewSpec()
                  .withSelector(selector)
                  .endSpec()
                  .build();
              if (w.pdb().minAvailable() != null) {
                pdb.getSpec().setMinAvailable(intOrString(w.pdb().minAvailable()));
              } else {
                pdb.getSpec().setMaxUnavailable(intOrString(w.pdb().maxUnavailable()));
              }
              store.create(ResourceTypes.PDBS, pdb);
            }
          }
        });
  }

  private static IntOrString intOrString(Scenario.IntOrPercent v) {
    return v.percent() ? new IntOrString(v.value() + "%") : new IntOrString(v.value());
  }

  static PodTemplateSpec template(WorkloadSpec w) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(APP_LABEL, w.name());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(PodFacts.STARTUP_ANNOTATION, Integer.toString(w.startupSeconds()));
    if (w.neverReady()) {
      annotations.put(PodFacts.NEVER_READY_ANNOTATION, "true");
    }
    Map<String, Quantity> requests = new LinkedHashMap<>();
    requests.put("cpu", Resources.cpuQuantity(w.cpuMillis()));
    requests.put("memory", Resources.memoryQuantity(w.memoryMi()));
    var container = new ContainerBuilder()
        .withName(w.kind() == WorkloadKind.StaticPod ? w.name() : "app")
        .withImage("registry.sim.local/" + w.name() + ":1")
        .withNewResources()
        .withRequests(requests)
        .endResources();
    PodSpec spec = new PodSpecBuilder()
        .withTerminationGracePeriodSeconds((long) w.terminationGraceSeconds())
        .withNodeSelector(w.nodeSelector().isEmpty() ? null : new LinkedHashMap<>(w.nodeSelector()))
        .build();
    if (w.emptyDir()) {
      container.withVolumeMounts(new VolumeMountBuilder().withName("scratch").withMountPath("/scratch").build());
      spec.setVolumes(
          List.of(new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build()));
    }
    spec.setContainers(List.of(container.build()));
    if (!w.tolerations().isEmpty()) {
      spec.setTolerations(
          w.tolerations().stream()
              .map(t -> new TolerationBuilder()
                  .withKey(t.key().isEmpty() ? null : t.key())
                  .withOperator(t.operator())
                  .withValue(t.value().isEmpty() ? null : t.value())
                  .withEffect(t.effect().isEmpty() ? null : t.effect())
                  .build())
              .toList());
    }
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withSpec(spec)
        .build();
  }
}
