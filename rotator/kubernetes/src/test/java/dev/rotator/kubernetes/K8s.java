package dev.rotator.kubernetes;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;

/** Builders for the objects tests put into the mock API server. */
final class K8s {
  private K8s() {}

  static NodeBuilder node(String name) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("topology.kubernetes.io/zone", "zone-a")
        .endMetadata()
        .withNewSpec()
        .withProviderID("fake:///zone-a/" + name)
        .endSpec()
        .withNewStatus()
        .withNewNodeInfo()
        .withKubeletVersion("v1.30.4")
        .endNodeInfo()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus();
  }

  static Node readyNode(String name) {
    return node(name).build();
  }

  /** A running, Ready pod on {@code node} owned by a controller of {@code ownerKind} (null = no owner). */
  static PodBuilder pod(String ns, String name, String node, String ownerKind) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .addToLabels("app", name.replaceAll("-[0-9a-z]+$", ""))
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .addNewContainer()
            .withName("main")
            .withImage("registry.example/app:1")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("True")
            .endCondition()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus();
    if (ownerKind != null) {
      b.editMetadata()
          .addNewOwnerReference()
          .withApiVersion(ownerKind.equals("Node") ? "v1" : "apps/v1")
          .withKind(ownerKind)
          .withName(ownerKind.toLowerCase() + "-of-" + name)
          .withUid("uid-" + name)
          .withController(true)
          .endOwnerReference()
          .endMetadata();
    }
    return b;
  }

  static Pod replicaPod(String ns, String name, String node) {
    return pod(ns, name, node, "ReplicaSet").build();
  }

  static Pod labelled(Pod pod, Map<String, String> labels) {
    pod.getMetadata().setLabels(new java.util.HashMap<>(labels));
    return pod;
  }

  static PodDisruptionBudgetBuilder pdb(String ns, String name, Map<String, String> matchLabels) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(matchLabels)
        .endSelector()
        .withMaxUnavailable(new IntOrString(1))
        .endSpec()
        .withNewStatus()
        .withDisruptionsAllowed(1)
        .withCurrentHealthy(3)
        .withDesiredHealthy(2)
        .withExpectedPods(3)
        .endStatus();
  }

  static LabelSelectorRequirement requirement(String key, String op, String... values) {
    return new LabelSelectorRequirement(key, op, List.of(values));
  }

  static Taint taint(String key, String value, String effect) {
    return new io.fabric8.kubernetes.api.model.TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }
}
