package dev.rotator.health.prometheus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotator.health.http.BoundedHttpGet;
import dev.rotator.health.http.HttpUrls;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The two Prometheus HTTP API calls the checks need ({@code /api/v1/alerts} and an instant {@code
 * /api/v1/query}), each one bounded GET. Everything that is not a well-formed {@code
 * "status":"success"} answer is a {@link PrometheusException} whose message says what was wrong,
 * for an UNKNOWN result.
 */
public final class PrometheusApi {

  /**
   * The largest answer read. An alert list or an instant vector larger than this means an
   * expression selecting far more than a gate should look at; refusing it beats holding megabytes
   * per evaluation.
   */
  public static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ACCEPT_JSON = Map.of("Accept", "application/json");

  /**
   * The API answered, but not with what was asked: unreachable, non-200, error status, bad JSON.
   */
  public static final class PrometheusException extends Exception {
    private static final long serialVersionUID = 1L;

    PrometheusException(String message) {
      super(message);
    }

    PrometheusException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * An active alert.
   *
   * @param labels its labels, {@code alertname} included, sorted by name
   * @param state {@code firing} or {@code pending}
   */
  public record Alert(Map<String, String> labels, String state) {
    public Alert {
      labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
      Objects.requireNonNull(state, "state");
    }

    public String name() {
      return labels.getOrDefault("alertname", "");
    }

    public boolean firing() {
      return "firing".equals(state);
    }
  }

  /**
   * One sample of an instant query.
   *
   * @param labels the series' labels (empty for a scalar), sorted by name
   * @param value the sample value; NaN and infinities as Prometheus reports them
   */
  public record Sample(Map<String, String> labels, double value) {
    public Sample {
      labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
    }
  }

  private final URI base;
  private final BoundedHttpGet http;

  /**
   * @param baseUrl Prometheus' base URL, with its route prefix if it has one ({@code
   *     http://prometheus:9090}, {@code https://mon.example.com/prometheus})
   */
  public PrometheusApi(String baseUrl, BoundedHttpGet http) {
    this.base = baseUri(baseUrl);
    this.http = Objects.requireNonNull(http, "http");
  }

  /**
   * Validates a base URL: http/https, a host, no credentials, no query or fragment (the API paths
   * are appended to it). Returns it without a trailing slash.
   *
   * @throws IllegalArgumentException starting with {@code url}
   */
  public static URI baseUri(String baseUrl) {
    URI uri = HttpUrls.parse("url", baseUrl);
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "url must be Prometheus' base URL without '?' or '#' (the API paths are appended), got '"
              + baseUrl
              + "'");
    }
    String s = uri.toString();
    return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }

  public URI base() {
    return base;
  }

  /** {@code GET /api/v1/alerts}: the pending and firing alerts. */
  public List<Alert> alerts(Duration timeout) throws PrometheusException {
    JsonNode data = call(URI.create(base + "/api/v1/alerts"), timeout);
    JsonNode alerts = data.get("alerts");
    if (alerts == null || !alerts.isArray()) {
      throw new PrometheusException("the answer of /api/v1/alerts has no data.alerts list");
    }
    List<Alert> out = new ArrayList<>(alerts.size());
    for (JsonNode a : alerts) {
      JsonNode state = a.get("state");
      if (state == null || !state.isTextual()) {
        throw new PrometheusException("an alert in the answer of /api/v1/alerts has no state");
      }
      out.add(new Alert(labels(a.get("labels"), "an alert's labels"), state.asText()));
    }
    return out;
  }

  /**
   * {@code GET /api/v1/query}: evaluates {@code expr} now. A scalar comes back as one sample
   * without labels; a range vector or a string is refused (a threshold needs numbers at one
   * instant).
   */
  public List<Sample> query(String expr, Duration timeout) throws PrometheusException {
    // Prometheus' own evaluation timeout, so a heavy expression stops on the server too, not just
    // here.
    URI uri =
        URI.create(
            base
                + "/api/v1/query?query="
                + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&timeout="
                + Math.max(1, timeout.toMillis())
                + "ms");
    JsonNode data = call(uri, timeout);
    String type = data.path("resultType").asText("");
    JsonNode result = data.get("result");
    if (result == null) {
      throw new PrometheusException("the query answer has no data.result");
    }
    switch (type) {
      case "vector" -> {
        if (!result.isArray()) {
          throw new PrometheusException("the query answer's vector result is not a list");
        }
        List<Sample> out = new ArrayList<>(result.size());
        for (JsonNode s : result) {
          out.add(new Sample(labels(s.get("metric"), "a sample's metric"), value(s.get("value"))));
        }
        return out;
      }
      case "scalar" -> {
        return List.of(new Sample(Map.of(), value(result)));
      }
      case "matrix" ->
          throw new PrometheusException(
              "the expression returns a range vector (matrix); a threshold needs an instant vector"
                  + " or a scalar, e.g. wrap it in rate(...) or max_over_time(...)");
      default ->
          throw new PrometheusException(
              "the expression returns a "
                  + (type.isEmpty() ? "result of no type" : type)
                  + ", not a number");
    }
  }

  private JsonNode call(URI uri, Duration timeout) throws PrometheusException {
    BoundedHttpGet.Response r;
    try {
      r = http.get(uri, timeout, MAX_RESPONSE_BYTES, ACCEPT_JSON);
    } catch (BoundedHttpGet.HttpGetException e) {
      throw new PrometheusException("Prometheus unreachable: " + e.getMessage(), e);
    }
    String where = "GET " + uri.getRawPath();
    if (r.truncated()) {
      throw new PrometheusException(
          where
              + " answered more than "
              + MAX_RESPONSE_BYTES / (1024 * 1024)
              + " MiB; narrow the selection");
    }
    if (r.status() / 100 == 3) {
      throw new PrometheusException(
          where
              + " answered "
              + r.status()
              + r.location().map(l -> " redirecting to " + l).orElse("")
              + " (redirects are not followed; is the URL, with its route prefix, right?)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(r.body());
    } catch (JsonProcessingException e) {
      throw new PrometheusException(
          where + " answered " + r.status() + " with no valid JSON: " + snippet(r), e);
    } catch (java.io.IOException e) {
      throw new PrometheusException(where + " answered " + r.status() + " with unreadable JSON", e);
    }
    if (root == null || !root.isObject()) {
      throw new PrometheusException(
          where + " answered " + r.status() + " with no JSON object: " + snippet(r));
    }
    String status = root.path("status").asText("");
    if (!"success".equals(status) || r.status() != 200) {
      // Prometheus' API errors: 400 bad_data (a PromQL syntax error), 422 execution, 503 timeout.
      String error = root.path("error").asText("");
      String type = root.path("errorType").asText("");
      throw new PrometheusException(
          where
              + " answered "
              + r.status()
              + (status.isEmpty() ? "" : " status " + status)
              + (type.isEmpty() ? "" : " (" + type + ")")
              + (error.isEmpty() ? "" : ": " + error));
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new PrometheusException(where + " answered success with no data object");
    }
    return data;
  }

  private static Map<String, String> labels(JsonNode node, String what) throws PrometheusException {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new PrometheusException(what + " is not an object");
    }
    Map<String, String> out = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /**
   * A sample is {@code [unixTime, "value"]}; the value is a string so that NaN and ±Inf survive
   * JSON.
   */
  private static double value(JsonNode pair) throws PrometheusException {
    if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(1).isTextual()) {
      throw new PrometheusException("a sample is not [time, \"value\"]: " + pair);
    }
    String v = pair.get(1).asText();
    switch (v) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new PrometheusException("a sample value is not a number: '" + v + "'", e);
        }
    }
  }

  private static String snippet(BoundedHttpGet.Response r) {
    String t = r.bodyText().strip().replaceAll("\\s+", " ");
    return t.isEmpty()
        ? "(empty body)"
        : "'" + (t.length() > 120 ? t.substring(0, 120) + "..." : t) + "'";
  }
}
