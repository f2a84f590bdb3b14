package dev.rotator.health.etcd;

/**
 * A CA, certificate or key file for the etcd client cannot be used (missing, unreadable, not PEM,
 * encrypted, a key type we do not read). A configuration error: the check cannot be built, so the
 * CLI reports it as bad configuration (exit 2) instead of running a gate that could never pass.
 */
public final class InvalidTlsMaterialException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidTlsMaterialException(String message) {
    super(message);
  }

  public InvalidTlsMaterialException(String message, Throwable cause) {
    super(message, cause);
  }
}
