package dev.rotator.sim.store;

/**
 * Why the store changed. Every mutation carries one, so the recorder can tell an allowed eviction from a
 * pod lost with its node without trusting anyone's claims.
 */
public enum Cause {
  /** A write through the API (create, update, patch) by a client. */
  API,
  /** A DELETE request through the API. */
  API_DELETE,
  /** An eviction the Eviction API accepted. */
  EVICTION,
  /** Setting up the scenario before the recorder is armed. */
  BOOTSTRAP,
  /** The simulated scheduler binding or marking a pod. */
  SCHEDULER,
  /** The simulated kubelet starting, readying or finishing a pod. */
  KUBELET,
  /** A workload controller creating pods, scaling down or updating status. */
  CONTROLLER,
  /** The PDB status controller. */
  PDB_CONTROLLER,
  /** Node registration, readiness and the cloud node lifecycle (deleting Nodes whose instance is gone). */
  NODE_LIFECYCLE,
  /** Pods marked not ready because their node's instance was terminated under them. */
  NODE_LOST,
  /** Pod garbage collection: pods bound to a Node that no longer exists. */
  POD_GC,
  /** A fault the scenario injects (a node turning NotReady, and back). */
  FAULT
}
