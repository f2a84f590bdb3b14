package dev.rotator.provider;

/** A typed failure from a cloud provider; the kind decides the engine's policy. */
public class CloudException extends RuntimeException {

  /** What the engine should do about it. */
  public enum Kind {
    /** Throttling, 5xx, timeouts: retry with backoff. */
    RETRYABLE,
    /** Access denied, a group that does not exist, an invalid request: freeze. */
    PERMANENT,
    /** Quota or capacity exhausted: freeze (or degrade to no surge, as configured). */
    QUOTA
  }

  private final Kind kind;

  public CloudException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public CloudException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
