package dev.rotator.kubernetes;

import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Turns fabric8 failures into the engine's typed {@link ClusterException}:
 *
 * <ul>
 *   <li>404 → NOT_FOUND;
 *   <li>400, 401, 403, 405, 413, 415, 422 and other 4xx → PERMANENT (retrying the same request cannot help);
 *   <li>408, 409, 410, 429, 5xx and transport failures (no HTTP code: connection refused or reset,
 *       timeout) → RETRYABLE.
 * </ul>
 */
final class KubeErrors {
  private KubeErrors() {}

  static ClusterException map(String what, KubernetesClientException e) {
    int code = e.getCode();
    return new ClusterException(kindOf(code), what + ": " + describe(e), e);
  }

  /** Any failure of a call into fabric8; non-fabric8 runtime failures are transport trouble. */
  static ClusterException map(String what, RuntimeException e) {
    if (e instanceof ClusterException ce) {
      return ce;
    }
    if (e instanceof KubernetesClientException kce) {
      return map(what, kce);
    }
    return new ClusterException(Kind.RETRYABLE, what + ": " + e, e);
  }

  static Kind kindOf(int code) {
    if (code == 404) {
      return Kind.NOT_FOUND;
    }
    if (code == 0 || code == 408 || code == 409 || code == 410 || code == 429 || code >= 500) {
      return Kind.RETRYABLE;
    }
    if (code >= 400) {
      return Kind.PERMANENT;
    }
    // 1xx/2xx/3xx surfaced as an exception: an unexpected answer, worth another try.
    return Kind.RETRYABLE;
  }

  static String describe(KubernetesClientException e) {
    StringBuilder sb = new StringBuilder();
    if (e.getCode() > 0) {
      sb.append("HTTP ").append(e.getCode()).append(' ');
    }
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      sb.append(e.getStatus().getMessage());
    } else {
      sb.append(e.getMessage());
      Throwable cause = e.getCause();
      if (cause != null && cause.getMessage() != null && !String.valueOf(e.getMessage()).contains(cause.getMessage())) {
        sb.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
      }
    }
    return sb.toString();
  }
}
