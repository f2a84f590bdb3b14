package dev.rotator.core.port;

/** A typed failure from the cluster API; the kind decides the engine's policy. */
public class ClusterException extends RuntimeException {

  /** What the engine should do about it. */
  public enum Kind {
    /** 5xx, 429 outside eviction, timeouts, conflicts, connection resets: back off and retry. */
    RETRYABLE,
    /** The object does not exist (a node deleted by someone else). */
    NOT_FOUND,
    /** 401/403/400/422: retrying cannot help, freeze. */
    PERMANENT
  }

  private final Kind kind;

  public ClusterException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public ClusterException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
