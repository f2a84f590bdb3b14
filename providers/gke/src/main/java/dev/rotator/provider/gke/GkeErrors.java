package dev.rotator.provider.gke;

import com.google.api.gax.grpc.GrpcStatusCode;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import io.grpc.Status;
import java.util.Locale;

/**
 * Turns Google API failures into {@link CloudException} kinds. The same status codes come from the gRPC GKE
 * API and from the Compute REST API (GAX maps HTTP statuses onto them: 429 → RESOURCE_EXHAUSTED, 403 →
 * PERMISSION_DENIED, 404 → NOT_FOUND, 503 → UNAVAILABLE).
 *
 * <ul>
 *   <li>RETRYABLE: UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ABORTED, UNKNOWN; RESOURCE_EXHAUSTED that is a
 *       request-rate limit; FAILED_PRECONDITION because another operation is running on the cluster (GKE
 *       serialises operations); 403 "rate limit exceeded" from Compute.
 *   <li>QUOTA: RESOURCE_EXHAUSTED or 403 whose text speaks of a quota that is not a per-time-unit rate
 *       (CPUS, INSTANCES, …), and Compute operation errors {@code QUOTA_EXCEEDED} / {@code *RESOURCE_POOL_EXHAUSTED*}
 *       (no capacity in the zone: nothing to retry soon either).
 *   <li>PERMANENT: everything else — PERMISSION_DENIED, UNAUTHENTICATED, INVALID_ARGUMENT, NOT_FOUND, …
 * </ul>
 */
final class GkeErrors {
  private GkeErrors() {}

  static CloudException of(String what, ApiException e) {
    StatusCode.Code code = e.getStatusCode().getCode();
    return new CloudException(kind(code, e.getMessage()), what + ": " + code + ": " + e.getMessage(), e);
  }

  /** Whether the failure was the API saying "not found" (404 / NOT_FOUND). */
  static boolean isNotFound(CloudException e) {
    return e.getCause() instanceof ApiException api && api.getStatusCode().getCode() == StatusCode.Code.NOT_FOUND;
  }

  /** The kind for a status code and its message (also used for errors inside finished operations). */
  static Kind kind(StatusCode.Code code, String message) {
    String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ABORTED, UNKNOWN -> Kind.RETRYABLE;
      case RESOURCE_EXHAUSTED -> isRate(text) || !text.contains("quota") ? Kind.RETRYABLE : Kind.QUOTA;
      case PERMISSION_DENIED -> isRate(text) ? Kind.RETRYABLE : text.contains("quota") ? Kind.QUOTA : Kind.PERMANENT;
      case FAILED_PRECONDITION ->
          text.contains("operation") && (text.contains("in progress") || text.contains("incompatible")
              || text.contains("running")) ? Kind.RETRYABLE : Kind.PERMANENT;
      default -> Kind.PERMANENT;
    };
  }

  /** Kind from a numeric gRPC code, as carried by {@code google.rpc.Status} inside a GKE operation. */
  static Kind kind(int grpcCode, String message) {
    return kind(GrpcStatusCode.of(Status.fromCodeValue(grpcCode).getCode()).getCode(), message);
  }

  /** Kind of a Compute operation error code ({@code QUOTA_EXCEEDED}, {@code RESOURCE_NOT_FOUND}, …). */
  static Kind computeOperationKind(String errorCode, int httpStatus) {
    String c = errorCode == null ? "" : errorCode;
    if (c.equals("QUOTA_EXCEEDED") || c.contains("RESOURCE_POOL_EXHAUSTED")) {
      return Kind.QUOTA;
    }
    if (c.equals("RATE_LIMIT_EXCEEDED") || httpStatus >= 500 || httpStatus == 429) {
      return Kind.RETRYABLE;
    }
    return Kind.PERMANENT;
  }

  private static boolean isRate(String text) {
    return text.contains("rate limit") || text.contains("ratelimit") || text.contains("per minute")
        || text.contains("per second") || text.contains("per 100 seconds") || text.contains("requests per");
  }
}
