package dev.rotator.core.engine;

/** Observes a run (progress display, metrics, events). Called on the engine's thread; keep it cheap. */
public interface EngineListener {

  /** A node changed state. */
  default void onTransition(NodeProgress node) {}

  /** A line worth logging (eviction blocked, gate waiting, ...). */
  default void onInfo(String node, String message) {}

  /**
   * The Eviction API answered for one pod of a draining node (every attempt, refused ones included: a
   * {@link dev.rotator.core.port.EvictionResult.Outcome#BLOCKED} names the PDBs when the server did).
   */
  default void onEviction(String node, dev.rotator.core.model.PodRef pod, dev.rotator.core.port.EvictionResult result) {}

  /** The end of each evaluation round, with every node's progress. */
  default void onRound(java.util.List<NodeProgress> nodes) {}

  EngineListener NONE = new EngineListener() {};
}
