package dev.rotator.provider.aws;

import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.servicequotas.ServiceQuotasClient;

/**
 * The three SDK clients the provider uses, sharing one HTTP client. Closing this closes them all.
 *
 * <p>Retries: the SDK's own retries are off ({@code maxAttempts(1)}); {@link AwsCloudProvider} retries
 * throttling, 5xx and network errors with resilience4j, so the two never multiply and a persistent
 * failure costs exactly {@link AwsSettings#maxAttempts()} requests.
 */
public record AwsClients(
    AutoScalingClient autoScaling, Ec2Client ec2, ServiceQuotasClient serviceQuotas, SdkHttpClient http)
    implements AutoCloseable {

  public AwsClients {
    Objects.requireNonNull(autoScaling, "autoScaling");
    Objects.requireNonNull(ec2, "ec2");
    Objects.requireNonNull(serviceQuotas, "serviceQuotas");
  }

  /**
   * Clients with the SDK's default credential chain (environment, profile, web identity / IRSA, EKS Pod
   * Identity, IMDS). The production path: credentials never come from rotator.yaml.
   */
  public static AwsClients create(AwsSettings settings) {
    return create(settings, DefaultCredentialsProvider.builder().build());
  }

  /** Clients with the given credentials (tests pass static dummy ones to a local fake). */
  public static AwsClients create(AwsSettings settings, AwsCredentialsProvider credentials) {
    SdkHttpClient http =
        ApacheHttpClient.builder()
            .connectionTimeout(settings.callTimeout())
            .socketTimeout(settings.callTimeout())
            .build();
    ClientOverrideConfiguration override =
        ClientOverrideConfiguration.builder()
            .retryStrategy(AwsRetryStrategy.doNotRetry())
            .apiCallAttemptTimeout(settings.callTimeout())
            .apiCallTimeout(settings.callTimeout().multipliedBy(2))
            .build();
    AutoScalingClient as =
        configure(AutoScalingClient.builder(), settings, credentials, override, settings.endpoints().autoScaling())
            .httpClient(http)
            .build();
    Ec2Client ec2 =
        configure(Ec2Client.builder(), settings, credentials, override, settings.endpoints().ec2())
            .httpClient(http)
            .build();
    ServiceQuotasClient sq =
        configure(
                ServiceQuotasClient.builder(), settings, credentials, override,
                settings.endpoints().serviceQuotas())
            .httpClient(http)
            .build();
    return new AwsClients(as, ec2, sq, http);
  }

  private static <B extends AwsClientBuilder<B, ?>> B configure(
      B builder,
      AwsSettings settings,
      AwsCredentialsProvider credentials,
      ClientOverrideConfiguration override,
      java.net.URI endpoint) {
    builder.credentialsProvider(credentials).overrideConfiguration(override);
    if (!settings.region().isEmpty()) {
      builder.region(Region.of(settings.region()));
    }
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder;
  }

  @Override
  public void close() {
    autoScaling.close();
    ec2.close();
    serviceQuotas.close();
    if (http != null) {
      // Clients built with an explicit httpClient do not close it themselves.
      http.close();
    }
  }
}
