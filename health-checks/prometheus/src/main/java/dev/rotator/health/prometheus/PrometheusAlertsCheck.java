package dev.rotator.health.prometheus;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.HealthCheck;
import dev.rotator.health.http.BoundedHttpGet;
import dev.rotator.health.prometheus.PrometheusApi.Alert;
import dev.rotator.health.prometheus.PrometheusApi.PrometheusException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Blocks rotation while a Prometheus alert that matters is <b>firing</b>.
 *
 * <ol>
 *   <li>{@code GET <url>/api/v1/alerts}, bounded by the timeout.
 *   <li>Keep the alerts whose labels match at least one of the configured matcher sets (each set is
 *       {@link LabelMatchers}: all its matchers must hold).
 *   <li>Any of them in state {@code firing} → UNHEALTHY ({@link ReasonCode#ALERT_FIRING}), naming
 *       the first few with their labels. {@code pending} alerts do not block: their {@code for:}
 *       has not elapsed, which is exactly the noise the rule's author chose to wait out; they are
 *       counted in the values so that an operator sees what is coming.
 *   <li>Prometheus unreachable, a non-200 answer, or JSON that is not an alert list → UNKNOWN: an
 *       alerting system we cannot read tells us nothing, so the gate fails closed.
 * </ol>
 *
 * Values: {@code firingCount}, {@code maxFiring} (always 0), {@code pendingCount}, {@code
 * firingAlerts} (the first few, {@code Name{label="value", ...}}), {@code matchers}.
 */
public final class PrometheusAlertsCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "prometheus-alerts";

  /**
   * Settings, validated when built: a bad URL or matcher fails here, with a message, never at the
   * first gate evaluation.
   *
   * @param url Prometheus' base URL (http/https, with its route prefix if any, no query)
   * @param alertMatchers matcher sets; an alert blocks when it matches any of them, e.g. {@code
   *     {severity="critical"}}, {@code alertname=~"Ingress.*"}. At least one.
   * @param timeout the budget of the one request per check (default 5 s, at most 5 min)
   */
  public record Settings(String url, List<String> alertMatchers, Duration timeout) {
    /** Critical alerts block: the convention of kube-prometheus and most rule sets. */
    public static final List<String> DEFAULT_ALERT_MATCHERS = List.of("{severity=\"critical\"}");

    public Settings {
      PrometheusApi.baseUri(url);
      Objects.requireNonNull(alertMatchers, "alertMatchers");
      alertMatchers = List.copyOf(alertMatchers);
      if (alertMatchers.isEmpty()) {
        throw new IllegalArgumentException(
            "alertMatchers is empty; give at least one, e.g. '{severity=\"critical\"}'");
      }
      parse(alertMatchers);
      Support.checkTimeout(timeout);
    }

    /** Block on firing alerts with {@code severity="critical"}, 5 s timeout. */
    public static Settings defaults(String url) {
      return new Settings(url, DEFAULT_ALERT_MATCHERS, Support.DEFAULT_TIMEOUT);
    }

    /** The parsed matcher sets, in the configured order. */
    public List<LabelMatchers> selectors() {
      return parse(alertMatchers);
    }

    private static List<LabelMatchers> parse(List<String> texts) {
      List<LabelMatchers> out = new ArrayList<>(texts.size());
      for (int i = 0; i < texts.size(); i++) {
        try {
          out.add(LabelMatchers.parse(Objects.requireNonNull(texts.get(i), "matcher")));
        } catch (IllegalArgumentException | NullPointerException e) {
          throw new IllegalArgumentException("alertMatchers[" + i + "]: " + e.getMessage(), e);
        }
      }
      return List.copyOf(out);
    }
  }

  private final Settings settings;
  private final List<LabelMatchers> selectors;
  private final PrometheusApi api;

  public PrometheusAlertsCheck(Settings settings) {
    this(settings, new BoundedHttpGet(settings.timeout()));
  }

  /** With a shared HTTP client (it must not follow redirects). */
  public PrometheusAlertsCheck(Settings settings, BoundedHttpGet http) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.selectors = settings.selectors();
    this.api = new PrometheusApi(settings.url(), http);
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
    return ReasonCode.ALERT_FIRING;
  }

  @Override
  public CheckResult check() {
    List<Alert> alerts;
    try {
      alerts = api.alerts(settings.timeout());
    } catch (PrometheusException e) {
      return new CheckResult(
          NAME, CheckResult.Status.UNKNOWN, e.getMessage(), Map.of("url", api.base().toString()));
    }
    List<String> firing = new ArrayList<>();
    int pending = 0;
    for (Alert a : alerts) {
      if (selectors.stream().noneMatch(s -> s.matches(a.labels()))) {
        continue;
      }
      if (a.firing()) {
        firing.add(a.name() + Support.labels(a.labels(), "alertname"));
      } else if ("pending".equals(a.state())) {
        pending++;
      }
    }
    firing.sort(null);
    String matchers =
        selectors.stream().map(LabelMatchers::toString).collect(Collectors.joining(" or "));

    Map<String, String> values = new LinkedHashMap<>();
    values.put("firingCount", Integer.toString(firing.size()));
    values.put("maxFiring", "0");
    values.put("pendingCount", Integer.toString(pending));
    if (!firing.isEmpty()) {
      values.put("firingAlerts", Support.firstFew(firing));
    }
    values.put("matchers", matchers);

    if (!firing.isEmpty()) {
      return CheckResult.unhealthy(
          NAME,
          firing.size()
              + " alert(s) firing that match "
              + matchers
              + ": "
              + Support.firstFew(firing),
          values);
    }
    return CheckResult.healthy(
        NAME,
        "no firing alert matches "
            + matchers
            + (pending == 0 ? "" : " (" + pending + " pending, not blocking until they fire)"),
        values);
  }
}
