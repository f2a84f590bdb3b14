package dev.rotator.sim.store;

/**
 * Observes every change, synchronously, under the store's lock, in commit order. A listener may write to
 * the store; those writes are queued and delivered after the current event has reached every listener, so
 * each listener sees events in order.
 */
public interface StoreListener {

  void onEvent(StoreEvent event);

  /**
   * Called when the outermost write (an API request, a controller tick) is done, before the lock is
   * released; a listener that batches work (PDB status) does it here. Writes made here are delivered as
   * events, and then this runs again until nothing changes.
   */
  default void afterBatch() {}
}
