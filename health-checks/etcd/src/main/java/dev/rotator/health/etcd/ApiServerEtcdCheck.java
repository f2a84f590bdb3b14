package dev.rotator.health.etcd;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The etcd gate for clusters whose etcd rotator cannot reach (EKS, GKE, AKS, or a control plane
 * behind a firewall): ask the API server, which talks to etcd, through its per-check health
 * endpoints.
 *
 * <ol>
 *   <li>{@code GET /readyz/etcd}; on 404 (API servers before 1.16) {@code GET /livez/etcd};
 *   <li>200 with body {@code ok} → HEALTHY;
 *   <li>another 2xx body, 401/403 (RBAC: rotator needs {@code get} on the non-resource URLs {@code
 *       /readyz/etcd} and {@code /livez/etcd}; the public-info role covers only {@code /readyz}
 *       itself), 429, 404 on both paths, an error or no answer within the timeout → UNKNOWN: these
 *       say nothing about etcd, and the gate fails closed on them anyway;
 *   <li>any other status (500 {@code [-]etcd failed}, 503) → UNHEALTHY with the body.
 * </ol>
 *
 * Requests go through the given client's own HTTP stack (its authentication, TLS, proxy), derived
 * with retries switched off: fabric8 otherwise retries 5xx and 429 with backoff for up to ~19 s,
 * which would hide a failing etcd behind the gate's timeout.
 */
public final class ApiServerEtcdCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "etcd-apiserver";

  static final String READYZ = "readyz/etcd";
  static final String LIVEZ = "livez/etcd";
  private static final int MAX_BODY_IN_REASON = 300;

  /**
   * @param timeout bound of each request (at most two per evaluation)
   */
  public record Settings(Duration timeout) {
    public Settings {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()
          || timeout.isZero()
          || timeout.compareTo(Duration.ofSeconds(30)) > 0) {
        throw new IllegalArgumentException(
            "etcd-apiserver timeout must be > 0 and <= 30s, got " + timeout);
      }
    }

    /** 2 s per request. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(2));
    }
  }

  private final HttpClient http;
  private final URI base;
  private final Settings settings;

  public ApiServerEtcdCheck(KubernetesClient client, Settings settings) {
    Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    RequestConfig noRetries =
        new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
            .withRequestRetryBackoffLimit(0)
            .build();
    // A derived client shares the connection pool and interceptors (auth) with the caller's; it is
    // not
    // closed here because closing it could close what it shares.
    this.http = client.getHttpClient().newBuilder().tag(noRetries).build();
    String master = client.getMasterUrl().toString();
    this.base = URI.create(master.endsWith("/") ? master : master + "/");
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.ETCD_QUORUM;
  }

  @Override
  public CheckResult check() {
    try {
      Reply r = get(READYZ);
      if (r.code() == 404) {
        Reply live = get(LIVEZ);
        if (live.code() == 404) {
          return CheckResult.unknown(
              NAME,
              "the API server serves neither /"
                  + READYZ
                  + " nor /"
                  + LIVEZ
                  + " (HTTP 404); it cannot tell rotator about etcd");
        }
        r = live;
      }
      return judge(r);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.unknown(NAME, "interrupted while asking the API server");
    } catch (TimeoutException e) {
      return CheckResult.unknown(
          NAME, "the API server did not answer within " + settings.timeout().toMillis() + " ms");
    } catch (ExecutionException | RuntimeException e) {
      return CheckResult.unknown(NAME, "cannot ask the API server about etcd: " + describe(e));
    }
  }

  private record Reply(String path, int code, String body) {}

  private Reply get(String path) throws InterruptedException, ExecutionException, TimeoutException {
    long ms = settings.timeout().toMillis();
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(base.resolve(path))
            .header("Accept", "text/plain")
            .timeout(ms, TimeUnit.MILLISECONDS)
            .build();
    // The request timeout is the HTTP layer's; this bound also covers interceptors (token refresh).
    CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request, String.class);
    HttpResponse<String> resp;
    try {
      resp = pending.get(ms + EtcdQuorumCheck.GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | InterruptedException e) {
      pending.cancel(true);
      throw e;
    }
    return new Reply("/" + path, resp.code(), resp.body() == null ? "" : resp.body());
  }

  private static CheckResult judge(Reply r) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("endpoint", r.path());
    values.put("httpStatus", Integer.toString(r.code()));
    values.put("body", snippet(r.body()));
    values.put("expected", "200 ok");
    String said = r.path() + " answered HTTP " + r.code() + ": " + snippet(r.body());
    if (r.code() == 200) {
      if (r.body().strip().equalsIgnoreCase("ok")) {
        return CheckResult.healthy(
            NAME, "the API server reports etcd ok (" + r.path() + ")", values);
      }
      return new CheckResult(
          NAME, CheckResult.Status.UNKNOWN, said + " (expected the body ok)", values);
    }
    if (r.code() == 401 || r.code() == 403) {
      return new CheckResult(
          NAME,
          CheckResult.Status.UNKNOWN,
          said + " (grant rotator get on the non-resource URLs /readyz/etcd and /livez/etcd)",
          values);
    }
    if (r.code() == 429 || (r.code() >= 200 && r.code() < 300)) {
      return new CheckResult(NAME, CheckResult.Status.UNKNOWN, said, values);
    }
    return CheckResult.unhealthy(
        NAME, "etcd is not healthy according to the API server: " + said, values);
  }

  private static String snippet(String body) {
    String b = body == null ? "" : body.strip().replaceAll("\\s+", " ");
    return b.length() <= MAX_BODY_IN_REASON ? b : b.substring(0, MAX_BODY_IN_REASON) + "…";
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof ExecutionException || t instanceof CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }
}
