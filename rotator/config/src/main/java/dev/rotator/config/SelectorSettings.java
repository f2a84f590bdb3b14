package dev.rotator.config;

import dev.rotator.core.engine.OutdatedSelector;
import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What makes a node outdated. A node is outdated when <em>any</em> criterion set here says so; at least
 * one must be set (a selector that matches nothing would make rotator a silent no-op).
 *
 * @param kubeletVersionBelow kubelet older than this version (e.g. {@code v1.31.2})
 * @param label a label the node must carry with this value
 * @param annotation an annotation the node must carry with this value
 * @param maxAge nodes created longer ago than this
 * @param provider ask the cloud provider (launch template / node pool version)
 */
public record SelectorSettings(
    Optional<String> kubeletVersionBelow,
    Optional<Match> label,
    Optional<Match> annotation,
    Optional<Duration> maxAge,
    boolean provider) {

  /** A key that must have a value. */
  public record Match(String key, String value) {
    public Match {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  public SelectorSettings {
    Objects.requireNonNull(kubeletVersionBelow, "kubeletVersionBelow");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(annotation, "annotation");
    Objects.requireNonNull(maxAge, "maxAge");
    if (kubeletVersionBelow.isEmpty()
        && label.isEmpty()
        && annotation.isEmpty()
        && maxAge.isEmpty()
        && !provider) {
      throw new IllegalArgumentException(
          "no criterion set: set at least one of kubeletVersionBelow, label, annotation, maxAge, provider");
    }
  }

  /** The default when rotator.yaml has no {@code selector} section: the cloud provider decides. */
  public static SelectorSettings defaults() {
    return new SelectorSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true);
  }

  /**
   * The engine's selector: any of the criteria set, in the order kubelet version, label, annotation, age,
   * provider (the first that matches gives the reason shown in plans).
   *
   * @param cloud needed when {@link #provider()} is set
   * @param clock needed when {@link #maxAge()} is set
   */
  public OutdatedSelector toSelector(CloudProvider cloud, Clock clock) {
    List<OutdatedSelector> all = new ArrayList<>();
    kubeletVersionBelow.ifPresent(v -> all.add(OutdatedSelector.kubeletBelow(v)));
    label.ifPresent(m -> all.add(OutdatedSelector.labelNot(m.key(), m.value())));
    annotation.ifPresent(m -> all.add(OutdatedSelector.annotationNot(m.key(), m.value())));
    maxAge.ifPresent(
        age -> all.add(OutdatedSelector.olderThan(age, Objects.requireNonNull(clock, "selector.maxAge needs a clock"))));
    if (provider) {
      all.add(OutdatedSelector.providerSays(Objects.requireNonNull(cloud, "selector.provider needs a CloudProvider")));
    }
    return all.size() == 1 ? all.get(0) : OutdatedSelector.anyOf(all);
  }
}
