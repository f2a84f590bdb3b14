package dev.rotator.provider.aws;

import dev.rotator.core.port.Clock;
import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs AWS calls: classifies every failure into a {@link CloudException} and retries the RETRYABLE ones
 * (throttling, 5xx, network) with resilience4j's exponential backoff with jitter, a bounded number of
 * attempts.
 *
 * <p>The waits go through the injected {@link Clock}, not resilience4j's own {@code Thread.sleep}: the
 * retry's {@link Retry.AsyncContext} only computes the next interval, which keeps tests and the simulator
 * in control of time.
 */
final class AwsCalls {

  /** Error codes that mean "slow down / try again": throttling, transient server trouble, contention. */
  static final Set<String> RETRYABLE_CODES =
      Set.of(
          "Throttling",
          "ThrottlingException",
          "ThrottledException",
          "RequestThrottled",
          "RequestThrottledException",
          "RequestLimitExceeded",
          "TooManyRequestsException",
          "SlowDown",
          "PriorRequestNotComplete",
          "ServiceUnavailable",
          "ServiceUnavailableException",
          "InternalFailure",
          "InternalError",
          "InternalServerError",
          "InternalServiceException",
          "ResourceContention",
          "ScalingActivityInProgress",
          "RequestTimeout",
          "RequestTimeoutException");

  /** Error codes that mean the account ran out of something. */
  static final Set<String> QUOTA_CODES =
      Set.of(
          "LimitExceeded",
          "InsufficientInstanceCapacity",
          "InstanceLimitExceeded",
          "VcpuLimitExceeded",
          "MaxSpotInstanceCountExceeded",
          "ServiceQuotaExceededException");

  private final Retry retry;
  private final Clock clock;
  private final int maxAttempts;

  AwsCalls(AwsSettings settings, Clock clock) {
    this.clock = clock;
    this.maxAttempts = settings.maxAttempts();
    RetryConfig config =
        RetryConfig.custom()
            .maxAttempts(settings.maxAttempts())
            .intervalFunction(
                IntervalFunction.ofExponentialRandomBackoff(
                    settings.backoffInitial(), 2.0, 0.5, settings.backoffMax()))
            .retryOnException(e -> e instanceof CloudException c && c.kind() == Kind.RETRYABLE)
            .failAfterMaxAttempts(false)
            .build();
    this.retry = Retry.of("aws", config);
  }

  /**
   * Runs {@code op}, retrying RETRYABLE failures.
   *
   * @param call the AWS operation, for messages ({@code SetDesiredCapacity})
   * @param subject what it is about, for messages ({@code group ng-1}, {@code instance i-0abc})
   * @throws CloudException the classified failure; a RETRYABLE one only after the last attempt
   */
  <T> T call(String call, String subject, Supplier<T> op) {
    Retry.AsyncContext<T> ctx = retry.asyncContext();
    for (int attempt = 1; ; attempt++) {
      CloudException failure;
      try {
        T result = op.get();
        ctx.onComplete();
        return result;
      } catch (SdkException e) {
        failure = classify(call, subject, e);
      }
      long waitMillis = ctx.onError(failure);
      if (waitMillis < 0 || attempt >= maxAttempts) {
        if (failure.kind() == Kind.RETRYABLE && attempt > 1) {
          throw new CloudException(
              failure.kind(), failure.getMessage() + " (gave up after " + attempt + " attempts)", failure.getCause());
        }
        throw failure;
      }
      try {
        clock.sleep(Duration.ofMillis(waitMillis));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new CloudException(
            Kind.RETRYABLE, failure.getMessage() + " (interrupted while backing off)", failure.getCause());
      }
    }
  }

  /** A call without a result. */
  void run(String call, String subject, Runnable op) {
    call(
        call,
        subject,
        () -> {
          op.run();
          return null;
        });
  }

  /** The AWS error code of a service error, or empty. */
  static String errorCode(SdkException e) {
    if (e instanceof AwsServiceException ase && ase.awsErrorDetails() != null) {
      String code = ase.awsErrorDetails().errorCode();
      return code == null ? "" : code;
    }
    return "";
  }

  /** The AWS error message of a service error (no request metadata), or the exception's message. */
  static String errorMessage(SdkException e) {
    if (e instanceof AwsServiceException ase && ase.awsErrorDetails() != null) {
      String m = ase.awsErrorDetails().errorMessage();
      return m == null ? "" : m;
    }
    return String.valueOf(e.getMessage());
  }

  /** Maps an SDK failure to the port's kinds; the message names the call and its subject. */
  static CloudException classify(String call, String subject, SdkException e) {
    String prefix = call + " " + subject + ": ";
    if (e instanceof AwsServiceException ase) {
      String code = errorCode(ase);
      int status = ase.statusCode();
      String text = prefix + (code.isEmpty() ? "error" : code) + " (HTTP " + status + "): " + errorMessage(ase);
      if (RETRYABLE_CODES.contains(code) || status >= 500 || status == 429 || ase.isThrottlingException()) {
        return new CloudException(Kind.RETRYABLE, text, e);
      }
      if (QUOTA_CODES.contains(code) || code.toLowerCase(Locale.ROOT).endsWith("limitexceeded")) {
        return new CloudException(Kind.QUOTA, text, e);
      }
      // AccessDenied, UnauthorizedOperation, AuthFailure, ValidationError, NoSuchResource, …: a human must act.
      return new CloudException(Kind.PERMANENT, text, e);
    }
    if (e instanceof SdkClientException) {
      // Connection refused/reset, timeouts, unreadable responses: the network, not the request.
      return new CloudException(Kind.RETRYABLE, prefix + "no answer: " + e.getMessage(), e);
    }
    return new CloudException(Kind.PERMANENT, prefix + e.getMessage(), e);
  }
}
