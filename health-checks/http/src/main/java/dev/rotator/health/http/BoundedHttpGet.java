package dev.rotator.health.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP GET as health checks need it: bounded in time and in size, and never following
 * redirects.
 *
 * <ul>
 *   <li><b>Time</b>: the whole exchange (connect, headers and body) must finish within the timeout.
 *       The JDK client's own request timeout only covers the wait for the headers, so a server
 *       trickling its body would otherwise hold the check past its budget.
 *   <li><b>Size</b>: at most {@code maxBytes} of the body are kept; the rest is not read (the
 *       connection is dropped) and the response says it was truncated. A health endpoint that
 *       streams a gigabyte must not take the rotator's heap with it.
 *   <li><b>Redirects</b> are returned as they are: a health URL that redirects (to a login page,
 *       say) has moved or is misconfigured, and following it would judge the wrong page.
 * </ul>
 *
 * Failures to get any answer are one typed exception, {@link HttpGetException}, whose message says
 * what happened in words fit for a check's reason. Thread-safe; one instance can serve many checks.
 */
public final class BoundedHttpGet {

  /**
   * What came back.
   *
   * @param status the HTTP status code
   * @param body the first bytes of the body, at most the limit asked for
   * @param truncated the body was longer than the limit and the rest was not read
   * @param location the {@code Location} header, if any (redirects)
   * @param charset the charset named by {@code Content-Type}, UTF-8 if none or unknown
   */
  public record Response(
      int status, byte[] body, boolean truncated, Optional<String> location, Charset charset) {
    public Response {
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(charset, "charset");
    }

    /** The body decoded with its charset; malformed bytes become U+FFFD rather than failing. */
    public String bodyText() {
      return new String(body, charset);
    }
  }

  /**
   * No answer could be had: timeout, connection refused, DNS, TLS, protocol error, interruption.
   */
  public static final class HttpGetException extends Exception {
    private static final long serialVersionUID = 1L;

    public HttpGetException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final HttpClient client;

  /** A client that never follows redirects and connects within {@code connectTimeout}. */
  public BoundedHttpGet(Duration connectTimeout) {
    this(
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            // HTTP/1.1 keeps plain-http requests free of the h2c upgrade dance, which some proxies
            // and
            // sidecars in front of health endpoints mishandle; a health probe gains nothing from
            // HTTP/2.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(positive(connectTimeout, "connectTimeout"))
            .build());
  }

  /**
   * Uses the given client. It must not follow redirects (checked), since the checks rely on seeing
   * them.
   */
  public BoundedHttpGet(HttpClient client) {
    this.client = Objects.requireNonNull(client, "client");
    if (client.followRedirects() != HttpClient.Redirect.NEVER) {
      throw new IllegalArgumentException(
          "the HTTP client must not follow redirects, it follows " + client.followRedirects());
    }
  }

  /**
   * GETs {@code uri}, waiting at most {@code timeout} for the whole exchange and keeping at most
   * {@code maxBytes} of the body.
   *
   * @param headers request headers to add (e.g. {@code Accept})
   * @throws HttpGetException when no complete answer came (the message says why)
   */
  public Response get(URI uri, Duration timeout, int maxBytes, Map<String, String> headers)
      throws HttpGetException {
    Objects.requireNonNull(uri, "uri");
    positive(timeout, "timeout");
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(timeout);
    headers.forEach(request::header);
    CompletableFuture<HttpResponse<Body>> pending =
        client.sendAsync(request.build(), info -> new BoundedSubscriber(maxBytes));
    HttpResponse<Body> response;
    try {
      response = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new HttpGetException(
          "no complete answer from " + uri + " within " + millis(timeout), e);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new HttpGetException("interrupted while waiting for " + uri, e);
    } catch (CancellationException e) {
      throw new HttpGetException("request to " + uri + " was cancelled", e);
    } catch (ExecutionException e) {
      throw new HttpGetException(describe(uri, timeout, e.getCause()), e.getCause());
    }
    Body body = response.body();
    return new Response(
        response.statusCode(),
        body.bytes(),
        body.truncated(),
        response.headers().firstValue("Location"),
        charset(response.headers().firstValue("Content-Type")));
  }

  private static String describe(URI uri, Duration timeout, Throwable cause) {
    if (cause instanceof HttpConnectTimeoutException) {
      return "could not connect to " + uri + " within " + millis(timeout);
    }
    if (cause instanceof HttpTimeoutException) {
      return "no answer from " + uri + " within " + millis(timeout);
    }
    if (cause instanceof ConnectException) {
      return "cannot connect to " + uri + " (connection refused or host unreachable)";
    }
    String msg = cause.getMessage();
    String what =
        cause.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
    if (cause instanceof IOException) {
      return "GET " + uri + " failed: " + what;
    }
    return "GET " + uri + " failed unexpectedly: " + what;
  }

  private static Charset charset(Optional<String> contentType) {
    if (contentType.isEmpty()) {
      return StandardCharsets.UTF_8;
    }
    for (String part : contentType.get().split(";")) {
      String p = part.trim();
      if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
        String name = p.substring("charset=".length()).replace("\"", "").trim();
        try {
          return Charset.forName(name);
        } catch (RuntimeException e) {
          // An unknown or illegal charset name: read the bytes as UTF-8, which is what nearly every
          // health endpoint sends anyway; a body check then fails visibly if that was wrong.
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  /** The body as read: the kept bytes and whether more were left unread. */
  record Body(byte[] bytes, boolean truncated) {}

  /**
   * Keeps the first {@code max} bytes, then cancels the subscription, which makes the JDK client
   * drop the connection instead of reading the rest.
   */
  static final class BoundedSubscriber implements HttpResponse.BodySubscriber<Body> {
    private final int max;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final CompletableFuture<Body> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    BoundedSubscriber(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<Body> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        int take = Math.min(b.remaining(), max - kept.size());
        byte[] chunk = new byte[take];
        b.get(chunk);
        kept.write(chunk, 0, take);
        if (b.hasRemaining()) {
          // Complete first: the cancellation below must not be what the caller sees.
          result.complete(new Body(kept.toByteArray(), true));
          subscription.cancel();
          return;
        }
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(new Body(kept.toByteArray(), false));
    }
  }
}
