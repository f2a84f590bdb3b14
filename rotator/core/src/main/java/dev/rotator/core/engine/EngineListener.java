package dev.rotator.core.engine;

/** Observes a run (progress display, metrics, events). Called on the engine's thread; keep it cheap. */
public interface EngineListener {

  /** A node changed state. */
  default void onTransition(NodeProgress node) {}

  /** A line worth logging (eviction blocked, gate waiting, ...). */
  default void onInfo(String node, String message) {}

  /** The end of each evaluation round, with every node's progress. */
  default void onRound(java.util.List<NodeProgress> nodes) {}

  EngineListener NONE = new EngineListener() {};
}
