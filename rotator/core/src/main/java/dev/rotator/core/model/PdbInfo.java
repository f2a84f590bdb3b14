package dev.rotator.core.model;

/**
 * A PodDisruptionBudget as the engine sees it: its selector and what its status allows right now.
 *
 * @param namespace namespace (a PDB only covers pods of its own namespace)
 * @param name name
 * @param selector pod selector
 * @param minAvailable spec.minAvailable as written (an int or a percentage), or empty
 * @param maxUnavailable spec.maxUnavailable as written, or empty
 * @param disruptionsAllowed status.disruptionsAllowed
 * @param currentHealthy status.currentHealthy
 * @param desiredHealthy status.desiredHealthy
 * @param expectedPods status.expectedPods
 */
public record PdbInfo(
    String namespace,
    String name,
    LabelSelector selector,
    String minAvailable,
    String maxUnavailable,
    int disruptionsAllowed,
    int currentHealthy,
    int desiredHealthy,
    int expectedPods) {

  public PdbInfo {
    minAvailable = minAvailable == null ? "" : minAvailable;
    maxUnavailable = maxUnavailable == null ? "" : maxUnavailable;
  }

  public boolean covers(PodInfo pod) {
    return namespace.equals(pod.ref().namespace()) && selector.matches(pod.labels());
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
