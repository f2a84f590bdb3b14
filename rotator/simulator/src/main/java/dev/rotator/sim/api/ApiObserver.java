package dev.rotator.sim.api;

import io.fabric8.kubernetes.api.model.Pod;

/** Hears what the API server decided, for the recorder. Called under the store's lock. */
public interface ApiObserver {

  default void evictionAccepted(Pod pod, String client) {}

  /** An eviction refused with 429 because of {@code pdb} ({@code ns/name}). */
  default void evictionRefused(Pod pod, String pdb, String message, String client) {}

  /** A DELETE of a pod (or a pod collection) arrived; rotator must never send one. */
  default void podDeleteRequested(String namespace, String name, String client) {}

  ApiObserver NONE = new ApiObserver() {};
}
