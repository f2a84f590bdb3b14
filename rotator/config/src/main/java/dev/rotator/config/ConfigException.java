package dev.rotator.config;

/**
 * A configuration that cannot be used. The message always starts with the key path it is about ({@code
 * policy.maxUnavailable: expected an integer >= 0, got -1}), or {@code (root)} for the document as a
 * whole, and never contains a stack trace: it is meant to be printed to the operator as is (the CLI exits
 * 2 with it, before anything touches a cluster).
 */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The key path used for problems of the whole document (size, syntax, top-level type). */
  public static final String ROOT = "(root)";

  private final String keyPath;
  private final String problem;
  private final String source;

  public ConfigException(String keyPath, String problem) {
    this(keyPath, problem, "");
  }

  public ConfigException(String keyPath, String problem, String source) {
    super((keyPath == null || keyPath.isEmpty() ? ROOT : keyPath) + ": " + problem);
    this.keyPath = keyPath == null || keyPath.isEmpty() ? ROOT : keyPath;
    this.problem = problem;
    this.source = source == null ? "" : source;
  }

  /** The dotted key path, e.g. {@code policy.evictionBackoff.max}, or {@link #ROOT}. */
  public String keyPath() {
    return keyPath;
  }

  /** What is wrong and what is expected, without the key path. */
  public String problem() {
    return problem;
  }

  /** Where the configuration came from (a file name, {@code scenario.yaml#rotator}), or empty. */
  public String source() {
    return source;
  }

  /** The same problem, attributed to a source. */
  ConfigException withSource(String newSource) {
    ConfigException e = new ConfigException(keyPath, problem, newSource);
    e.setStackTrace(getStackTrace());
    return e;
  }

  /** {@code source: keyPath: problem}, for one-line reports. */
  public String describe() {
    return source.isEmpty() ? getMessage() : source + ": " + getMessage();
  }
}
