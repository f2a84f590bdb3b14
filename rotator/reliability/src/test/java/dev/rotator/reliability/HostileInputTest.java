package dev.rotator.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.cli.RotatorCommand;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.Simulator;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad and hostile input through the CLI entry point, against a running simulator whose API counts every request:
 * a seeded corpus of mutated rotator.yaml files ({@code run} and {@code plan}), of mutated scenario files ({@code
 * sim}), and broken kubeconfigs. Each must end with exit 2 (1 for a cluster that cannot be reached), one clear
 * line on stderr, no stack trace, and, for bad configuration, not one request to the cluster.
 */
@Order(2)
class HostileInputTest {
  static final long SEED = 8L;
  static final int CONFIG_CASES_PER_CLASS = 6;
  private static final Results RESULTS = new Results("hostile-input");
  private static Simulator sim;
  private static Path kubeconfig;
  @TempDir static Path tmp;

  static final String BASE_CONFIG = """
      apiVersion: rotator.dev/v1alpha1
      kind: RotatorConfig
      selector:
        kubeletVersionBelow: v1.31.2
      policy:
        maxUnavailable: 1
        maxSurge: 1
        drainTimeout: 10m
      """;

  static final String BASE_SCENARIO = """
      name: hostile
      clock: {scale: 200}
      nodeGroups:
        - {name: workers, size: 2, kubeletVersion: v1.30.6, targetVersion: v1.31.2}
      workloads:
        - {namespace: shop, name: web, replicas: 2, pdb: {maxUnavailable: 1}}
      """;

  @BeforeAll
  static void startSimulator() {
    sim = Simulator.start(Scenario.parse(BASE_SCENARIO, "hostile.yaml"));
    kubeconfig = tmp.resolve("kubeconfig");
    sim.writeKubeconfig(kubeconfig);
  }

  @AfterAll
  static void stop() {
    if (sim != null) {
      sim.close();
    }
    RESULTS.write();
  }

  record Cli(int exit, String out, String err) {}

  /** Runs the CLI in this JVM, capturing its writers and System.out/err (loggers write there). */
  static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
    ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    int exit;
    try {
      System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
      CommandLine cl = RotatorCommand.commandLine();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      exit = cl.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Cli(exit, out + sysOut.toString(StandardCharsets.UTF_8), err + sysErr.toString(StandardCharsets.UTF_8));
  }

  static boolean stackTrace(String s) {
    return s.contains("\tat ") || s.contains("Exception in thread") || s.matches("(?s).*\\n\\s+at [a-z].*");
  }

  /** Mutated rotator.yaml files, by class; every one must be refused. */
  static List<String[]> configCorpus() {
    Random r = new Random(SEED);
    List<String[]> c = new ArrayList<>();
    String[] junk = {"\"abc\"", "[1, 2]", "{a: 1}", "true", "1.5", "\"\""};
    String[] intKeys = {"maxUnavailable", "maxSurge", "maxNodesPerRun"};
    String[] durKeys = {"drainTimeout", "pollInterval", "replacementTimeout", "soak"};
    for (int i = 0; i < CONFIG_CASES_PER_CLASS; i++) {
      c.add(new String[] {"wrong types", BASE_CONFIG.replace("maxUnavailable: 1",
          intKeys[r.nextInt(intKeys.length)] + ": " + junk[r.nextInt(junk.length)])});
      c.add(new String[] {"missing or empty values", switch (i % 3) {
        case 0 -> BASE_CONFIG.replace("kubeletVersionBelow: v1.31.2", "kubeletVersionBelow:");
        case 1 -> BASE_CONFIG + "  maintenanceWindows:\n    - days: [mon]\n      timeZone: UTC\n";
        default -> BASE_CONFIG.replace("kind: RotatorConfig", "kind:");
      }});
      c.add(new String[] {"huge numbers", BASE_CONFIG.replace("maxUnavailable: 1", "maxUnavailable: "
          + (i % 2 == 0 ? "9".repeat(20 + r.nextInt(80)) : "1e" + (300 + r.nextInt(100))))});
      c.add(new String[] {"negative durations", BASE_CONFIG.replace("drainTimeout: 10m",
          durKeys[r.nextInt(durKeys.length)] + ": -" + (1 + r.nextInt(99)) + "m")});
      c.add(new String[] {"unknown keys", i % 2 == 0
          ? BASE_CONFIG + "k" + Integer.toHexString(r.nextInt()) + ": 1\n"
          : BASE_CONFIG.replace("  maxSurge: 1", "  maxSurge: 1\n  maxSurg" + (char) ('a' + r.nextInt(26)) + ": 1")});
      c.add(new String[] {"invalid windows and time zones", BASE_CONFIG + "  maintenanceWindows:\n"
          + "    - days: [" + (i % 3 == 0 ? "funday" : "mon") + "]\n"
          + "      start: \"" + (i % 3 == 1 ? "25:61" : "22:00") + "\"\n      end: \"04:00\"\n"
          + "      timeZone: " + (i % 3 == 2 ? "Mars/Olympus_Mons" : "Europe/Berlin") + "\n"});
      c.add(new String[] {"invalid PromQL and URLs", BASE_CONFIG + "gates:\n  prometheus:\n    enabled: true\n"
          + "    url: " + (i % 2 == 0 ? "\"ht!tp://[::1" + r.nextInt(9) + "\"" : "http://prometheus:9090") + "\n"
          + "    alertMatchers: ['" + (i % 2 == 1 ? "{severity=\"critical\"" : "{severity=\"critical\"}") + "']\n"});
      c.add(new String[] {"YAML alias bombs, tags, duplicates", switch (i % 3) {
        case 0 -> "a: &a [x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b]\nd: [*c, *c, *c]\n";
        case 1 -> BASE_CONFIG + "extra: !!binary aGVsbG8=\n";
        default -> BASE_CONFIG + "policy:\n  maxSurge: 2\n";
      }});
      c.add(new String[] {"deep nesting", "a: " + "[".repeat(200 + r.nextInt(2000)) + "]".repeat(10) + "\n"});
      c.add(new String[] {"huge files", BASE_CONFIG + "# " + "x".repeat((1 << 20) + r.nextInt(4096)) + "\n"});
      byte[] bin = new byte[64 + r.nextInt(4096)];
      r.nextBytes(bin);
      c.add(new String[] {"binary", new String(bin, StandardCharsets.ISO_8859_1)});
    }
    return c;
  }

  @Test
  @DisplayName("every mutated rotator.yaml is refused by run and plan: exit 2, one line, no stack trace, zero API"
      + " requests")
  void badConfigs() throws Exception {
    List<String> failures = new ArrayList<>();
    int n = 0;
    for (String[] c : configCorpus()) {
      Path file = tmp.resolve("rotator-" + (n++) + ".yaml");
      Files.write(file, c[1].getBytes(StandardCharsets.ISO_8859_1));
      for (String command : new String[] {"run", "plan"}) {
        long before = sim.report().apiRequests();
        Cli r = cli(command, "-c", file.toString(), "--kubeconfig", kubeconfig.toString());
        long requests = sim.report().apiRequests() - before;
        List<String> problems = new ArrayList<>();
        if (r.exit() != 2) {
          problems.add("exit " + r.exit());
        }
        if (stackTrace(r.err()) || stackTrace(r.out())) {
          problems.add("stack trace");
        }
        if (r.err().strip().lines().count() != 1 || !r.err().startsWith("rotator: ")) {
          problems.add("not one clear line: " + r.err().lines().limit(3).toList());
        }
        if (requests != 0) {
          problems.add(requests + " API request(s)");
        }
        RESULTS.add("config", "rotator.yaml: " + c[0], r.exit() == 2 ? "rejected (exit 2)" : "exit " + r.exit(),
            problems.size());
        if (!problems.isEmpty()) {
          failures.add(command + " " + c[0] + " #" + n + ": " + problems + " " + r.err().lines().limit(2).toList());
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  /** Mutated scenario files; none of them may start a simulation. */
  static List<String[]> scenarioCorpus() {
    Random r = new Random(SEED + 1);
    List<String[]> c = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      c.add(new String[] {"wrong types", BASE_SCENARIO.replace("size: 2", "size: " + (i % 2 == 0 ? "two" : "[2]"))});
      c.add(new String[] {"missing fields", i % 2 == 0 ? BASE_SCENARIO.replace("name: hostile\n", "")
          : BASE_SCENARIO.substring(0, BASE_SCENARIO.indexOf("nodeGroups"))});
      c.add(new String[] {"huge numbers", BASE_SCENARIO.replace("size: 2", "size: " + "9".repeat(12 + r.nextInt(40)))});
      c.add(new String[] {"unknown keys", BASE_SCENARIO + "zz" + r.nextInt(1000) + ": 1\n"});
      c.add(new String[] {"bad faults", BASE_SCENARIO + "faults:\n  - {kind: " + (i % 2 == 0
          ? "connectionResets, percent: 0, startSeconds: 1}" : "meteorStrike, startSeconds: 1}") + "\n"});
      c.add(new String[] {"YAML bombs and nesting", i % 2 == 0
          ? "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b,"
              + " *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d]\n"
          : "name: " + "[".repeat(5000) + "\n"});
      byte[] bin = new byte[256 + r.nextInt(1024)];
      r.nextBytes(bin);
      c.add(new String[] {"binary", new String(bin, StandardCharsets.ISO_8859_1)});
    }
    return c;
  }

  @Test
  @DisplayName("every mutated scenario file is refused by rotator sim: exit 2, one line, no stack trace")
  void badScenarios() throws Exception {
    List<String> failures = new ArrayList<>();
    int n = 0;
    for (String[] c : scenarioCorpus()) {
      Path file = tmp.resolve("scenario-" + (n++) + ".yaml");
      Files.write(file, c[1].getBytes(StandardCharsets.ISO_8859_1));
      Cli r = cli("sim", "--scenario", file.toString());
      List<String> problems = new ArrayList<>();
      if (r.exit() != 2) {
        problems.add("exit " + r.exit());
      }
      if (stackTrace(r.err()) || stackTrace(r.out())) {
        problems.add("stack trace");
      }
      if (r.err().strip().lines().count() != 1) {
        problems.add("not one line: " + r.err().lines().limit(3).toList());
      }
      RESULTS.add("scenario", "scenario file: " + c[0], r.exit() == 2 ? "rejected (exit 2)" : "exit " + r.exit(),
          problems.size());
      if (!problems.isEmpty()) {
        failures.add(c[0] + " #" + n + ": " + problems + " " + r.err().lines().limit(2).toList());
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  @DisplayName("a missing, invalid, unreachable, TLS-skipping or untrusted-certificate kubeconfig fails clearly"
      + " (exit 1 or 2, no stack trace); an untrusted certificate never connects")
  void badKubeconfigs() throws Exception {
    MockWebServer tls = new MockWebServer();
    tls.useHttps();
    tls.start();
    try {
      String https = "https://127.0.0.1:" + tls.getPort();
      Path missing = tmp.resolve("does-not-exist");
      Path invalid = tmp.resolve("kc-invalid");
      Files.writeString(invalid, "clusters: [ {name: x\n  : : :\n");
      Path unreachable = tmp.resolve("kc-unreachable");
      Files.writeString(unreachable, kubeconfigFor("http://127.0.0.1:1", false));
      Path skip = tmp.resolve("kc-skip");
      Files.writeString(skip, kubeconfigFor(https, true));
      Path untrusted = tmp.resolve("kc-untrusted");
      Files.writeString(untrusted, kubeconfigFor(https, false));
      List<String> failures = new ArrayList<>();
      String[][] cases = {
        {"kubeconfig missing", missing.toString()},
        {"kubeconfig invalid YAML", invalid.toString()},
        {"kubeconfig server unreachable", unreachable.toString()},
        {"kubeconfig insecure-skip-tls-verify", skip.toString()},
        {"kubeconfig untrusted certificate", untrusted.toString()},
      };
      for (String[] c : cases) {
        int before = tls.getRequestCount();
        Cli r = cli("status", "--kubeconfig", c[1]);
        List<String> problems = new ArrayList<>();
        if (r.exit() != 1 && r.exit() != 2) {
          problems.add("exit " + r.exit());
        }
        if (stackTrace(r.err()) || stackTrace(r.out())) {
          problems.add("stack trace");
        }
        if (!r.err().startsWith("rotator: ")) {
          problems.add("unclear: " + r.err().lines().limit(2).toList());
        }
        if (tls.getRequestCount() != before) {
          problems.add("an HTTP request reached the server behind an untrusted certificate");
        }
        RESULTS.add("kubeconfig", c[0], "rejected (exit " + r.exit() + ")", problems.size());
        if (!problems.isEmpty()) {
          failures.add(c[0] + ": " + problems + " " + r.err().lines().limit(2).toList());
        }
      }
      assertEquals(List.of(), failures);
    } finally {
      tls.shutdown();
    }
  }

  static String kubeconfigFor(String server, boolean skipTls) {
    return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server + "\n"
        + (skipTls ? "    insecure-skip-tls-verify: true\n" : "")
        + "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"
        + "users:\n- name: u\n  user: {token: kube-token-s3cr3t}\n";
  }

  @Test
  @DisplayName("the corpus is deterministic: the same seed gives the same files")
  void deterministic() {
    List<String[]> a = configCorpus();
    List<String[]> b = configCorpus();
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i)[1], b.get(i)[1]);
    }
    assertFalse(a.isEmpty());
    assertTrue(scenarioCorpus().size() > 10);
  }
}
