package dev.rotator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.observability.RotationMetrics;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/monitoring refers only to metrics rotator exports ({@link RotationMetrics#NAMES}, checked against a
 * real scrape in RotationMetricsTest), and its rules are valid PromQL ({@code promtool check rules}).
 */
class MonitoringManifestsTest {
  private static final Pattern METRIC = Pattern.compile("\\brotator_[a-z_]+\\b");
  /** Series a histogram adds to its name. */
  private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_sum", "_count");

  private static Path monitoring() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("deploy/monitoring"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no deploy/monitoring above " + Path.of("").toAbsolutePath());
    }
    return dir.resolve("deploy/monitoring");
  }

  /** Every rotator_ name in the expressions, mapped back to the exported name (histogram series stripped). */
  private static Set<String> unknownMetrics(List<String> exprs, Set<String> used) {
    Set<String> unknown = new TreeSet<>();
    for (String e : exprs) {
      Matcher m = METRIC.matcher(e);
      while (m.find()) {
        String name = m.group();
        String base = name;
        if (!RotationMetrics.NAMES.contains(name)) {
          for (String suffix : HISTOGRAM_SUFFIXES) {
            if (name.endsWith(suffix) && RotationMetrics.STEP_DURATION.equals(name.substring(0, name.length() - suffix.length()))) {
              base = RotationMetrics.STEP_DURATION;
            }
          }
        }
        if (RotationMetrics.NAMES.contains(base)) {
          used.add(base);
        } else {
          unknown.add(name);
        }
      }
    }
    return unknown;
  }

  private static List<String> dashboardExprs() throws IOException {
    JsonNode d = new ObjectMapper().readTree(monitoring().resolve("grafana-dashboard.json").toFile());
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : d.path("panels")) {
      for (JsonNode t : panel.path("targets")) {
        exprs.add(t.path("expr").asText());
      }
    }
    return exprs;
  }

  private static JsonNode rule() throws IOException {
    return new YAMLMapper().readTree(monitoring().resolve("prometheusrule.yaml").toFile());
  }

  private static List<String> ruleExprs() throws IOException {
    List<String> exprs = new ArrayList<>();
    for (JsonNode g : rule().at("/spec/groups")) {
      for (JsonNode r : g.path("rules")) {
        exprs.add(r.path("expr").asText());
      }
    }
    return exprs;
  }

  @Test
  @DisplayName("every metric the Grafana dashboard queries is one rotator exports, and it shows every one")
  void dashboardUsesExportedMetrics() throws IOException {
    List<String> exprs = dashboardExprs();
    assertTrue(exprs.size() >= 8, "panels with queries: " + exprs);
    Set<String> used = new TreeSet<>();
    assertEquals(Set.of(), unknownMetrics(exprs, used), "metrics the dashboard queries but rotator does not export");
    assertEquals(new TreeSet<>(RotationMetrics.NAMES), used, "every exported metric has a panel");
  }

  @Test
  @DisplayName("every metric the PrometheusRule examples use is one rotator exports; the named alerts exist")
  void rulesUseExportedMetrics() throws IOException {
    Set<String> used = new TreeSet<>();
    assertEquals(Set.of(), unknownMetrics(ruleExprs(), used), "metrics the rules use but rotator does not export");
    List<String> alerts = new ArrayList<>();
    rule().at("/spec/groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
    assertTrue(alerts.containsAll(List.of("RotatorFrozen", "RotatorNoSuccessfulRun", "RotatorEvictionsBlocked")),
        alerts.toString());
    assertTrue(used.containsAll(List.of(RotationMetrics.MODE, RotationMetrics.LAST_SUCCESS,
        RotationMetrics.EVICTIONS_BLOCKED)), used.toString());
  }

  @Test
  @DisplayName("promtool accepts the rules, and rotator's real /metrics text")
  void promtoolAccepts(@TempDir Path tmp) throws Exception {
    Path rules = tmp.resolve("rules.yaml");
    // A plain Prometheus rules file: the PrometheusRule's spec.
    Files.writeString(rules, new YAMLMapper().writeValueAsString(rule().path("spec")));
    run(tmp, "check", "rules", rules.toString());

    RotationMetrics m = new RotationMetrics();
    m.eventFailures(() -> 0);
    m.onEviction("n", new PodRef("a", "b"), EvictionResult.blocked("", List.of("a/pdb")));
    Path scrape = tmp.resolve("metrics.txt");
    Files.writeString(scrape, m.scrape());
    run(tmp, "check", "metrics", "<", scrape.toString());
  }

  /** Runs promtool (bounded); fails with its output unless it exits 0. {@code "<", file} feeds stdin. */
  private static void run(Path dir, String... args) throws Exception {
    String promtool = onPath("promtool");
    List<String> cmd = new ArrayList<>();
    cmd.add(promtool);
    File stdin = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("<")) {
        stdin = new File(args[++i]);
      } else {
        cmd.add(args[i]);
      }
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    if (stdin != null) {
      pb.redirectInput(stdin);
    }
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("promtool did not finish: " + cmd);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    assertFalse(out.contains("FAILED"), out);
  }

  private static String onPath(String name) {
    String path = System.getenv("PATH");
    for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
      File f = new File(d, name);
      if (f.isFile() && f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    fail(name + " is needed (Debian package prometheus) to check deploy/monitoring; PATH=" + path);
    return null;
  }
}
