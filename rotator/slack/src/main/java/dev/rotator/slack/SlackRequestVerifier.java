package dev.rotator.slack;

import dev.rotator.core.port.Clock;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack request signing, stricter than Bolt's: {@code X-Slack-Signature} must be {@code v0=} HMAC-SHA256 of
 * {@code v0:<X-Slack-Request-Timestamp>:<body>} under the signing secret (compared in constant time), the
 * timestamp within {@link #WINDOW} of the clock in <em>both</em> directions (Bolt accepts any future
 * timestamp), and the signature not seen before inside the window (Bolt accepts replays). The replay cache
 * is bounded: when it is full of live entries, requests are refused rather than let through unchecked.
 */
public final class SlackRequestVerifier {
  public static final Duration WINDOW = Duration.ofMinutes(5);
  public static final String SIGNATURE = "X-Slack-Signature";
  public static final String TIMESTAMP = "X-Slack-Request-Timestamp";

  /** Why a request was refused, or OK. */
  public enum Verdict {
    OK,
    MISSING_HEADERS,
    BAD_TIMESTAMP,
    STALE,
    FUTURE,
    BAD_SIGNATURE,
    REPLAY,
    /** The replay cache is full of live entries: refused (fail closed). */
    BUSY
  }

  private final byte[] key;
  private final Clock clock;
  private final int maxRemembered;
  /** signature → until when it counts as a replay, in arrival order. */
  private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();

  public SlackRequestVerifier(Secret signingSecret, Clock clock, int maxRemembered) {
    this.key = signingSecret.reveal().getBytes(StandardCharsets.UTF_8);
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxRemembered < 1) {
      throw new IllegalArgumentException("maxRemembered must be at least 1");
    }
    this.maxRemembered = maxRemembered;
  }

  /**
   * Checks one request and, when it passes, remembers its signature.
   *
   * @param signature the X-Slack-Signature header, or null
   * @param timestamp the X-Slack-Request-Timestamp header, or null
   * @param body the raw body bytes
   */
  public Verdict verify(String signature, String timestamp, byte[] body) {
    if (signature == null || timestamp == null || signature.isBlank() || timestamp.isBlank()) {
      return Verdict.MISSING_HEADERS;
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      return Verdict.BAD_TIMESTAMP;
    }
    Instant now = clock.now();
    long skew = now.getEpochSecond() - ts;
    if (skew > WINDOW.toSeconds()) {
      return Verdict.STALE;
    }
    if (-skew > WINDOW.toSeconds()) {
      return Verdict.FUTURE;
    }
    byte[] expected = ("v0=" + hmac(timestamp.strip(), body)).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, signature.strip().getBytes(StandardCharsets.US_ASCII))) {
      return Verdict.BAD_SIGNATURE;
    }
    synchronized (seen) {
      // A signature stays a replay as long as its timestamp is acceptable: until ts + WINDOW.
      for (Iterator<Map.Entry<String, Instant>> it = seen.entrySet().iterator(); it.hasNext(); ) {
        if (!it.next().getValue().isAfter(now)) {
          it.remove();
        }
      }
      String sig = signature.strip();
      if (seen.containsKey(sig)) {
        return Verdict.REPLAY;
      }
      if (seen.size() >= maxRemembered) {
        return Verdict.BUSY;
      }
      seen.put(sig, Instant.ofEpochSecond(ts).plus(WINDOW).plusSeconds(1));
    }
    return Verdict.OK;
  }

  /** The signature Slack would send for this timestamp and body (hex, without {@code v0=}). */
  String hmac(String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
      mac.update(body);
      return HexFormat.of().formatHex(mac.doFinal());
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Signatures remembered now (for tests). */
  int remembered() {
    synchronized (seen) {
      return seen.size();
    }
  }
}
