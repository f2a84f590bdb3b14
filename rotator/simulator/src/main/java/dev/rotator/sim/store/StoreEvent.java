package dev.rotator.sim.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * One change to the store. {@code object} and {@code old} are immutable snapshots (the store never changes
 * a stored object in place), so the event may be read on any thread.
 *
 * @param type ADDED, MODIFIED or DELETED
 * @param resource what kind of object
 * @param object the object after the change (for DELETED: its last state)
 * @param old the object before the change (null for ADDED)
 * @param resourceVersion the store's resourceVersion after the change
 * @param cause why it changed
 */
public record StoreEvent(
    Type type, ResourceType resource, HasMetadata object, HasMetadata old, long resourceVersion, Cause cause) {

  public enum Type {
    ADDED,
    MODIFIED,
    DELETED
  }

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** The object as JSON; computed on demand (off the store lock, by the watch sender). */
  public String objectJson() {
    return JSON.asJson(object);
  }

  public String namespace() {
    return object.getMetadata().getNamespace();
  }

  public String name() {
    return object.getMetadata().getName();
  }
}
