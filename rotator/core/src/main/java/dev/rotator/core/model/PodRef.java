package dev.rotator.core.model;

/** Namespace and name of a pod. */
public record PodRef(String namespace, String name) {
  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
