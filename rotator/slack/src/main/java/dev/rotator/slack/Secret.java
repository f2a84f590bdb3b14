package dev.rotator.slack;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A secret value (bot token, signing secret, app token). {@link #toString()} never shows it, and every
 * value ever wrapped is remembered so that {@link #redact(String)} can scrub it from text that is about to
 * be logged or shown (an exception message from an HTTP client, say).
 */
public final class Secret {
  private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();
  /** Values shorter than this are not scrubbed: they would mangle ordinary words and are no real secret. */
  private static final int MIN_REDACTED = 6;

  private final String value;
  private final String source;

  private Secret(String value, String source) {
    this.value = value;
    this.source = source;
  }

  /**
   * Wraps a value.
   *
   * @param source where it came from, for messages ({@code env SLACK_BOT_TOKEN}); never the value
   */
  public static Secret of(String value, String source) {
    Objects.requireNonNull(value, "value");
    String v = value.strip();
    if (v.isEmpty()) {
      throw new IllegalArgumentException("the secret from " + source + " is empty");
    }
    if (v.length() >= MIN_REDACTED) {
      KNOWN.add(v);
    }
    return new Secret(v, source);
  }

  /** The value, for the one call that needs it (an Authorization header, an HMAC key). */
  public String reveal() {
    return value;
  }

  /** Where the value came from, e.g. {@code env SLACK_BOT_TOKEN} or {@code file /var/run/secrets/x}. */
  public String source() {
    return source;
  }

  /** {@code text} with every known secret value replaced by {@code ****}. Null stays null. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String s : KNOWN) {
      if (out.contains(s)) {
        out = out.replace(s, "****");
      }
    }
    return out;
  }

  /** A throwable as one redacted line: its class and message. */
  public static String describe(Throwable t) {
    return redact(t.getClass().getSimpleName() + ": " + t.getMessage());
  }

  @Override
  public String toString() {
    return "Secret[" + source + ", ****]";
  }
}
