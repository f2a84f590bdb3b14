package dev.rotator.sim;

/** A scenario file that cannot be used; the message names the offending key (e.g. {@code nodeGroups[0].cpu}). */
public final class ScenarioException extends RuntimeException {
  private final String key;

  public ScenarioException(String source, String key, String message) {
    super(source + ": " + (key.isEmpty() ? "" : key + ": ") + message);
    this.key = key;
  }

  /** The path of the offending key, like {@code workloads[2].pdb.minAvailable}; empty for the whole file. */
  public String key() {
    return key;
  }
}
