package dev.rotator.core.engine;

import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudProvider;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a node is outdated. Pluggable: kubelet version below a target, a label or annotation
 * that differs from the wanted value, node age, the cloud provider's own answer, or any of several.
 */
public interface OutdatedSelector {

  /** Empty when the node is current, otherwise why it is outdated (shown in plan and status). */
  Optional<String> whyOutdated(NodeInfo node);

  /** Kubelet version older than {@code target} (e.g. {@code v1.31.2}). */
  static OutdatedSelector kubeletBelow(String target) {
    KubeVersion wanted = KubeVersion.parse(target);
    return node -> {
      KubeVersion have;
      try {
        have = KubeVersion.parse(node.kubeletVersion());
      } catch (IllegalArgumentException e) {
        return Optional.of("kubelet version '" + node.kubeletVersion() + "' unreadable");
      }
      return have.compareTo(wanted) < 0
          ? Optional.of("kubelet " + node.kubeletVersion() + " < " + target)
          : Optional.empty();
    };
  }

  /** Label {@code key} missing or not equal to {@code wanted}. */
  static OutdatedSelector labelNot(String key, String wanted) {
    return node -> {
      String v = node.labels().get(key);
      return wanted.equals(v)
          ? Optional.empty()
          : Optional.of("label " + key + "=" + (v == null ? "<none>" : v) + " != " + wanted);
    };
  }

  /** Annotation {@code key} missing or not equal to {@code wanted}. */
  static OutdatedSelector annotationNot(String key, String wanted) {
    return node -> {
      String v = node.annotations().get(key);
      return wanted.equals(v)
          ? Optional.empty()
          : Optional.of("annotation " + key + "=" + (v == null ? "<none>" : v) + " != " + wanted);
    };
  }

  /** Created longer ago than {@code maxAge}. */
  static OutdatedSelector olderThan(Duration maxAge, Clock clock) {
    return node -> {
      Duration age = Duration.between(node.created(), clock.now());
      return age.compareTo(maxAge) > 0
          ? Optional.of("age " + age.toHours() + "h > " + maxAge.toHours() + "h")
          : Optional.empty();
    };
  }

  /** The cloud provider says the instance runs an old template/version. */
  static OutdatedSelector providerSays(CloudProvider cloud) {
    return node ->
        cloud
            .instanceOf(node.providerId())
            .flatMap(cloud::isOutdated)
            .filter(Boolean::booleanValue)
            .map(b -> "provider " + cloud.name() + ": instance template outdated");
  }

  /** Outdated when any of the selectors says so (the first reason is reported). */
  static OutdatedSelector anyOf(List<OutdatedSelector> selectors) {
    List<OutdatedSelector> copy = List.copyOf(selectors);
    return node -> {
      for (OutdatedSelector s : copy) {
        Optional<String> why = s.whyOutdated(node);
        if (why.isPresent()) {
          return why;
        }
      }
      return Optional.empty();
    };
  }
}
