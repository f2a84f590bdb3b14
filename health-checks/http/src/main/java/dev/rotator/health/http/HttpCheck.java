package dev.rotator.health.http;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A custom HTTP gate: GET one URL and expect a status and, optionally, something in the body.
 *
 * <ol>
 *   <li>GET the URL, the whole exchange bounded by the timeout, redirects not followed, at most
 *       {@value #MAX_BODY_BYTES} bytes of the body read.
 *   <li>No answer (refused, timeout, DNS, TLS) → UNKNOWN: the gate fails closed.
 *   <li>A status other than the expected one (a redirect included) → UNHEALTHY.
 *   <li>{@code bodyContains} not a substring of, or {@code bodyRegex} not found in, the body read →
 *       UNHEALTHY. Both may be given; then both must match. Text beyond the first {@value
 *       #MAX_BODY_BYTES} bytes is never seen, so put what you expect near the start.
 *   <li>Otherwise HEALTHY.
 * </ol>
 *
 * Reason code {@link ReasonCode#HTTP_CHECK}; the check's name is the configured one.
 */
public final class HttpCheck implements HealthCheck {

  /** How much of a body is read: enough for any health page, little enough to never matter. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /**
   * The longest timeout accepted: a gate waiting longer than this is not a health check any more.
   */
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");

  /**
   * One HTTP check, validated when built: a bad value fails here, never at the first gate
   * evaluation.
   *
   * @param name the check's name, shown in {@code rotator check} and freeze reasons: letters,
   *     digits, {@code .}, {@code _}, {@code -}, at most 63 characters
   * @param url an absolute {@code http} or {@code https} URL with a host and no user info
   *     (credentials in a URL end up in logs and freeze reasons)
   * @param expectStatus the status that means healthy, 100..599 (default 200)
   * @param bodyContains a substring the body must contain, or null for no body check
   * @param bodyRegex a Java regular expression that must be found in the body, or null
   * @param timeout the whole exchange's budget, positive, at most {@link #MAX_TIMEOUT} (default 5
   *     s)
   */
  public record Settings(
      String name,
      String url,
      int expectStatus,
      String bodyContains,
      String bodyRegex,
      Duration timeout) {

    public static final int DEFAULT_EXPECT_STATUS = 200;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public Settings {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "name must be 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a"
                + " letter or digit, got '"
                + name
                + "'");
      }
      parseUrl(url);
      if (expectStatus < 100 || expectStatus > 599) {
        throw new IllegalArgumentException("expectStatus must be 100..599, got " + expectStatus);
      }
      if (bodyContains != null && bodyContains.isEmpty()) {
        throw new IllegalArgumentException(
            "bodyContains is empty, which every body contains; leave it out to skip the body"
                + " check");
      }
      if (bodyRegex != null) {
        compile(bodyRegex);
      }
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "timeout must be positive and at most "
                + MAX_TIMEOUT.toMinutes()
                + "m, got "
                + timeout);
      }
    }

    /** Expect 200 within 5 s, no body check. */
    public static Settings defaults(String name, String url) {
      return new Settings(name, url, DEFAULT_EXPECT_STATUS, null, null, DEFAULT_TIMEOUT);
    }

    public URI uri() {
      return parseUrl(url);
    }

    private static URI parseUrl(String url) {
      return HttpUrls.parse("url", url);
    }

    private static Pattern compile(String regex) {
      try {
        return Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "bodyRegex is not a valid regular expression: "
                + e.getDescription()
                + " near index "
                + e.getIndex(),
            e);
      }
    }
  }

  private final Settings settings;
  private final URI uri;
  private final Pattern bodyPattern;
  private final BoundedHttpGet http;

  public HttpCheck(Settings settings) {
    this(settings, new BoundedHttpGet(settings.timeout()));
  }

  /** With a shared HTTP client (it must not follow redirects). */
  public HttpCheck(Settings settings, BoundedHttpGet http) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.http = Objects.requireNonNull(http, "http");
    this.uri = settings.uri();
    this.bodyPattern = settings.bodyRegex() == null ? null : Settings.compile(settings.bodyRegex());
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return settings.name();
  }

  @Override
  public ReasonCode reasonCode() {
    return ReasonCode.HTTP_CHECK;
  }

  @Override
  public CheckResult check() {
    BoundedHttpGet.Response response;
    try {
      response = http.get(uri, settings.timeout(), MAX_BODY_BYTES, Map.of());
    } catch (BoundedHttpGet.HttpGetException e) {
      return CheckResult.unknown(name(), e.getMessage());
    }

    Map<String, String> values = new LinkedHashMap<>();
    values.put("url", uri.toString());
    values.put("status", Integer.toString(response.status()));
    values.put("expectStatus", Integer.toString(settings.expectStatus()));
    if (settings.bodyContains() != null) {
      values.put("bodyContains", settings.bodyContains());
    }
    if (settings.bodyRegex() != null) {
      values.put("bodyRegex", settings.bodyRegex());
    }
    values.put("bodyBytesRead", Integer.toString(response.body().length));
    values.put("bodyTruncated", Boolean.toString(response.truncated()));
    response.location().ifPresent(l -> values.put("location", l));

    String got = "GET " + uri + " answered " + response.status();
    if (response.status() != settings.expectStatus()) {
      String redirect =
          response.status() / 100 == 3
              ? response.location().map(l -> " redirecting to " + l).orElse(" (a redirect)")
                  + ", not followed"
              : "";
      return CheckResult.unhealthy(
          name(), got + redirect + "; expected " + settings.expectStatus(), values);
    }

    String text = response.bodyText();
    String scope =
        response.truncated() ? "the body's first " + MAX_BODY_BYTES / 1024 + " KiB" : "the body";
    if (settings.bodyContains() != null && !text.contains(settings.bodyContains())) {
      return CheckResult.unhealthy(
          name(),
          got + " but " + scope + " does not contain \"" + settings.bodyContains() + "\"",
          values);
    }
    if (bodyPattern != null) {
      boolean found;
      try {
        found = bodyPattern.matcher(new InterruptibleText(text)).find();
      } catch (InterruptibleText.Interrupted e) {
        // The interrupt flag is still set (isInterrupted does not clear it) for whoever runs us.
        return CheckResult.unknown(name(), "interrupted while matching bodyRegex against the body");
      }
      if (!found) {
        return CheckResult.unhealthy(
            name(),
            got + " but " + scope + " has no match for /" + settings.bodyRegex() + "/",
            values);
      }
    }
    return CheckResult.healthy(name(), got + " as expected" + bodyNote(), values);
  }

  private String bodyNote() {
    if (settings.bodyContains() == null && bodyPattern == null) {
      return "";
    }
    return ", body as expected";
  }

  /**
   * The body, for the regex engine, checking for interruption as it is read. A regex that
   * backtracks catastrophically never returns by itself; when the gate gives up on this check it
   * interrupts the thread, and this is what lets the matcher notice instead of burning a core
   * forever.
   */
  static final class InterruptibleText implements CharSequence {
    static final class Interrupted extends RuntimeException {
      private static final long serialVersionUID = 1L;

      Interrupted() {
        super("interrupted", null, false, false);
      }
    }

    private final CharSequence inner;

    InterruptibleText(CharSequence inner) {
      this.inner = inner;
    }

    @Override
    public char charAt(int index) {
      if (Thread.currentThread().isInterrupted()) {
        throw new Interrupted();
      }
      return inner.charAt(index);
    }

    @Override
    public int length() {
      return inner.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new InterruptibleText(inner.subSequence(start, end));
    }

    @Override
    public String toString() {
      return inner.toString();
    }
  }
}
