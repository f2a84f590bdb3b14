package dev.rotator.sim.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;

/** Hears what the API server decided, for the recorder. Called under the store's lock. */
public interface ApiObserver {

  default void evictionAccepted(Pod pod, String client) {}

  /** An eviction refused with 429 because of {@code pdb} ({@code ns/name}). */
  default void evictionRefused(Pod pod, String pdb, String message, String client) {}

  /** A DELETE of a pod (or a pod collection) arrived, whatever becomes of it. */
  default void podDeleteRequested(String namespace, String name, String client) {}

  /**
   * A DELETE (not a dry run) passed its preconditions and is about to be carried out on {@code existing}, by
   * {@code client}; called under the store's lock before the store changes, so that the changes it causes can be
   * attributed to that client.
   *
   * @param gracePeriodSeconds the request's {@code gracePeriodSeconds}; null when it asked for none (a pod's own
   *     terminationGracePeriodSeconds then applies)
   */
  default void deleting(HasMetadata existing, Long gracePeriodSeconds, String client) {}

  ApiObserver NONE = new ApiObserver() {};
}
