package dev.rotator.health.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Validation of the URLs health checks are configured with, shared so every check says the same.
 */
public final class HttpUrls {
  private HttpUrls() {}

  /**
   * Parses an absolute {@code http}/{@code https} URL with a host and no user info.
   *
   * @param what the setting's name, which starts every message ({@code url must be ...})
   * @throws IllegalArgumentException with a message fit for a configuration error
   */
  public static URI parse(String what, String url) {
    Objects.requireNonNull(url, what);
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(what + " is not a valid URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          what + " must be an http:// or https:// URL, got '" + url + "'");
    }
    if (uri.getRawUserInfo() != null) {
      // Credentials in a URL end up in logs, `rotator check` output and freeze reasons.
      throw new IllegalArgumentException(
          what
              + " must not carry credentials (user:password@): they would show in logs and freeze"
              + " reasons");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException(
          what
              + " has no valid host name (note that '_' is not allowed in host names), got '"
              + url
              + "'");
    }
    return uri;
  }
}
