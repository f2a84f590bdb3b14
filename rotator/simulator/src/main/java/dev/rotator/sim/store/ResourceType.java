package dev.rotator.sim.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * One kind of object the simulated API server stores and serves.
 *
 * @param group API group, empty for the core group
 * @param version API version
 * @param plural the path segment ({@code pods})
 * @param kind the kind ({@code Pod})
 * @param namespaced whether objects live in a namespace
 * @param type the fabric8 model class objects are kept as
 * @param statusSubresource whether writes to the main resource keep the stored status (and {@code /status}
 *     writes keep the stored spec), as on a real API server
 * @param shortNames short names for discovery
 */
public record ResourceType(
    String group,
    String version,
    String plural,
    String kind,
    boolean namespaced,
    Class<? extends HasMetadata> type,
    boolean statusSubresource,
    List<String> shortNames) {

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  public String listKind() {
    return kind + "List";
  }

  /** {@code pods} or {@code deployments.apps}, as kubectl and error messages name a resource. */
  public String qualifiedName() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  @Override
  public String toString() {
    return qualifiedName();
  }
}
