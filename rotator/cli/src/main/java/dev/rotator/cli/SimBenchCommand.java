package dev.rotator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotator.core.SystemClock;
import dev.rotator.core.engine.KubeVersion;
import dev.rotator.provider.InstanceRef;
import dev.rotator.provider.fake.FakeInstance;
import dev.rotator.sim.Scenario;
import dev.rotator.sim.SimReport;
import dev.rotator.sim.Simulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * rotator sim bench: the same simulated cluster rotated three ways, one table (docs/performance.md).
 *
 * <ol>
 *   <li>{@code rotator}: {@code rotator run} in its own JVM ({@code -Xmx} as given), the scenario's {@code
 *       rotator:} policy, {@code provider.type: sim} against a simulator served by this process;
 *   <li>{@code serial}: the same engine with a kops-like serial policy (maxUnavailable 1, no surge, no
 *       up-front taint, {@code policy.soak 10s}, {@code policy.pollInterval 10s} and {@code
 *       gates.consecutivePasses 2}: the gate must pass twice 10 s apart before the next node), on the first
 *       {@code --serial-nodes} nodes;
 *   <li>{@code kubectl}: the real kubectl, node by node (cordon, drain --ignore-daemonsets
 *       --delete-emptydir-data, read the providerID, delete node; terminate through the simulator's fake cloud;
 *       wait until the cluster is quiet, i.e. the replacement is Ready), on the first {@code --kubectl-nodes}.
 * </ol>
 *
 * Serial rows are linear in the node count, so the sampled rows' makespans are extrapolated to every outdated
 * node (marked {@code ~}); their per-node figures are measured.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {
      "Benchmarks one scenario three ways and prints one table: rotator with the scenario's policy (its own "
          + "JVM, -Xmx from --rotator-heap), the same engine with a serial kops-like policy, and the real "
          + "kubectl drain node by node, each on a fresh simulated cluster. Columns: simulated makespan, "
          + "makespan/lowerBound, wall seconds, API requests per rotated node, peak rotator heap and RSS, PDB "
          + "violations, pods lost. Serial rows run on a sample of nodes and extrapolate the makespan (~).",
      "See docs/performance.md."},
    footer = ExitCodes.FOOTER)
final class SimBenchCommand implements Callable<Integer> {
  private static final Set<String> ROWS = Set.of("rotator", "serial", "kubectl");
  private static final Pattern GC_HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  @Spec CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "NAME|FILE", defaultValue = "reference",
      description = "a built-in scenario (small, reference, large, ...) or a scenario file (default: ${DEFAULT-VALUE})")
  String scenarioName;

  @Option(names = "--only", paramLabel = "ROW", split = ",",
      description = "run only these rows: rotator, serial, kubectl (default: all)")
  List<String> only;

  @Option(names = "--serial-nodes", paramLabel = "N", defaultValue = "10",
      description = "nodes the serial policy rotates before its makespan is extrapolated (default: ${DEFAULT-VALUE})")
  int serialNodes;

  @Option(names = "--kubectl-nodes", paramLabel = "N", defaultValue = "5",
      description = "nodes kubectl drains before its makespan is extrapolated (default: ${DEFAULT-VALUE})")
  int kubectlNodes;

  @Option(names = "--scale", paramLabel = "X",
      description = "clock scale for the rotator and serial rows instead of the scenario's (the rotator's "
          + "60 s lease is 60/X wall seconds: keep X <= 50 on a busy machine)")
  Double scale;

  @Option(names = "--kubectl-scale", paramLabel = "X", defaultValue = "10",
      description = "clock scale for the kubectl row: kubectl polls and retries in wall time (1 s, 5 s), "
          + "which the scale multiplies (default: ${DEFAULT-VALUE})")
  double kubectlScale;

  @Option(names = "--rotator-heap", paramLabel = "SIZE", defaultValue = "256m",
      description = "-Xmx of the rotator JVM (default: ${DEFAULT-VALUE})")
  String heap;

  @Option(names = "--kubectl", paramLabel = "FILE", defaultValue = "/usr/bin/kubectl",
      description = "the kubectl binary (default: ${DEFAULT-VALUE})")
  Path kubectl;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "where kubeconfigs, rotator.yaml files, logs and the rows' JSON reports go (default: a temp dir)")
  Path workDir;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
      converter = RunCommand.DurationConverter.class,
      description = "wall-time limit of each row (default: ${DEFAULT-VALUE})")
  Duration timeout;

  /** One row of the table. */
  record Row(String name, int nodes, int outdated, boolean extrapolated, double makespan, Double lowerBound,
      double wallSeconds, double requestsPerNode, Long heapMiB, Long rssMiB, int pdbViolations, int podsLost,
      String outcome) {
    Double ratio() {
      return lowerBound == null || lowerBound <= 0 ? null : makespan / lowerBound;
    }
  }

  @Override
  public Integer call() throws Exception {
    Set<String> rows = new LinkedHashSet<>(only == null ? List.of("rotator", "serial", "kubectl") : only);
    for (String r : rows) {
      if (!ROWS.contains(r)) {
        throw new UsageException("--only: unknown row '" + r + "'; rows: rotator, serial, kubectl");
      }
    }
    if (serialNodes < 1 || kubectlNodes < 1) {
      throw new UsageException("--serial-nodes and --kubectl-nodes must be >= 1");
    }
    Scenario base = scenario();
    Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("rotator-bench-");
    PrintWriter out = spec.commandLine().getOut();
    Logging.quietEngine();
    out.printf("benchmark of scenario %s on %d cores, work dir %s%n", base.name(),
        Runtime.getRuntime().availableProcessors(), dir);
    out.flush();
    List<Row> table = new ArrayList<>();
    boolean unsafe = false;
    for (String r : rows) {
      out.printf("running %s ...%n", r);
      out.flush();
      Row row = switch (r) {
        case "rotator" -> rotatorRow(base, dir, false);
        case "serial" -> rotatorRow(base, dir, true);
        default -> kubectlRow(base, dir);
      };
      unsafe |= row.pdbViolations() > 0 || row.podsLost() > 0;
      table.add(row);
      out.println("  " + row.outcome());
      out.flush();
    }
    print(out, base, table);
    return unsafe ? ExitCodes.RUNTIME : ExitCodes.OK;
  }

  private Scenario scenario() {
    Path file = Path.of(scenarioName);
    if (!Scenario.BUILTIN.contains(scenarioName) && Files.isRegularFile(file)) {
      return Scenario.load(file);
    }
    try {
      return Scenario.builtin(scenarioName);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--scenario: " + e.getMessage() + " (or give a scenario file)");
    }
  }

  // ---------------------------------------------------------------- rotator rows

  private Row rotatorRow(Scenario base, Path dir, boolean serial) throws Exception {
    Scenario scenario = scale == null ? base : base.withScale(scale);
    String name = serial ? "serial" : "rotator";
    ObjectNode config = scenario.rotatorConfig() == null
        ? Output.JSON.createObjectNode() : (ObjectNode) scenario.rotatorConfig().deepCopy();
    config.putObject("provider").put("type", "sim");
    int sample = 0;
    if (serial) {
      ObjectNode policy = config.has("policy") ? (ObjectNode) config.get("policy") : config.putObject("policy");
      // kops neither surges nor pre-taints the outdated nodes; sampled, so no up-front cost may be extrapolated.
      policy.put("maxUnavailable", 1).put("maxSurge", 0).put("soak", "10s").put("pollInterval", "10s")
          .put("taintOutdated", false);
      ObjectNode gates = config.has("gates") ? (ObjectNode) config.get("gates") : config.putObject("gates");
      gates.put("consecutivePasses", 2);
      sample = serialNodes;
      policy.put("maxNodesPerRun", sample);
    }
    JsonNode policy = config.path("policy");
    int maxUnavailable = policy.path("maxUnavailable").asInt(1);
    int maxSurge = policy.path("maxSurge").asInt(1);
    Path yaml = dir.resolve(name + "-rotator.yaml");
    Files.writeString(yaml, Output.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    Path kubeconfig = dir.resolve(name + "-kubeconfig");
    long wallStart = System.nanoTime();
    try (Simulator sim = Simulator.start(scenario)) {
      sim.assumePolicy(maxUnavailable, maxSurge);
      sim.writeKubeconfig(kubeconfig);
      Child child = runRotator(dir, name, kubeconfig, yaml);
      sim.awaitQuiet(Duration.ofMinutes(30));
      SimReport r = sim.report();
      Files.writeString(dir.resolve(name + "-report.json"), r.toJson());
      double wall = (System.nanoTime() - wallStart) / 1e9;
      int rotated = Math.max(1, r.nodesRotated());
      int outdated = r.nodesOutdatedAtStart();
      boolean extrapolated = serial && r.nodesRotated() < outdated;
      double makespan = extrapolated ? r.makespanSeconds() * outdated / rotated : r.makespanSeconds();
      Double bound = r.lowerBound() == null ? null : r.lowerBound().seconds();
      return new Row(name, r.nodesRotated(), outdated, extrapolated, makespan, bound, wall,
          requests(r, "rotator/") / (double) rotated, child.heapMiB, child.rssMiB, r.pdbViolations(),
          r.podsLost(), "exit " + child.exit + ", " + r.nodesRotated() + "/" + outdated + " nodes rotated, "
              + String.format(Locale.ROOT, "%.0f", r.makespanSeconds()) + " simulated s measured; log "
              + dir.resolve(name + "-rotator.log"));
    }
  }

  /** A finished rotator JVM: its exit code, peak heap (from its GC log) and peak RSS (VmHWM). */
  private record Child(int exit, Long heapMiB, Long rssMiB) {}

  private Child runRotator(Path dir, String name, Path kubeconfig, Path yaml) throws Exception {
    Path gcLog = dir.resolve(name + "-gc.log");
    Path log = dir.resolve(name + "-rotator.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "-Xmx" + heap, "-Xlog:gc:file=" + gcLog, "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "run", "--kubeconfig", kubeconfig.toString(),
        "-c", yaml.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long rssKiB = 0;
    Instant deadline = SystemClock.INSTANCE.now().plus(timeout);
    // Bounded by --timeout; samples the peak RSS every 200 ms while the rotator runs.
    while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
      rssKiB = Math.max(rssKiB, peakRssKiB(p.pid()));
      if (SystemClock.INSTANCE.now().isAfter(deadline)) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
        throw new IllegalStateException(name + ": rotator did not finish within --timeout " + timeout
            + "; see " + log);
      }
    }
    return new Child(p.exitValue(), peakHeapMiB(gcLog), rssKiB == 0 ? null : rssKiB / 1024);
  }

  private static long peakRssKiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Gone between waitFor and the read, or no /proc: the samples taken so far stand.
    }
    return 0;
  }

  /** The most heap in use the GC log shows (before a collection), in MiB; null without a log. */
  private static Long peakHeapMiB(Path gcLog) {
    try {
      long peak = 0;
      for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
        Matcher m = GC_HEAP.matcher(line);
        if (m.find()) {
          peak = Math.max(peak, Long.parseLong(m.group(1)));
        }
      }
      return peak == 0 ? null : peak;
    } catch (IOException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- kubectl row

  private Row kubectlRow(Scenario base, Path dir) throws Exception {
    if (!Files.isExecutable(kubectl)) {
      throw new UsageException("--kubectl: not an executable file: " + kubectl);
    }
    Scenario scenario = base.withScale(kubectlScale);
    Path kubeconfig = dir.resolve("kubectl-kubeconfig");
    Path log = dir.resolve("kubectl.log");
    Files.deleteIfExists(log);
    long wallStart = System.nanoTime();
    try (Simulator sim = Simulator.start(scenario)) {
      sim.assumePolicy(1, 0);
      sim.writeKubeconfig(kubeconfig);
      SimCloudClient cloud = SimCloudClient.connect(sim.apiUrl());
      List<String> nodes = outdatedNodes(sim);
      int sample = Math.min(kubectlNodes, nodes.size());
      for (String node : nodes.subList(0, sample)) {
        kubectl(kubeconfig, log, "cordon", node);
        kubectl(kubeconfig, log, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=30m");
        String providerId = kubectl(kubeconfig, log, "get", "node", node, "-o", "jsonpath={.spec.providerID}").strip();
        kubectl(kubeconfig, log, "delete", "node", node);
        InstanceRef ref = cloud.instanceOf(providerId)
            .orElseThrow(() -> new IllegalStateException("no instance behind " + node + " (" + providerId + ")"));
        cloud.terminate(ref, false);
        if (!sim.awaitQuiet(Duration.ofMinutes(30))) {
          throw new IllegalStateException("kubectl row: the replacement of " + node + " did not become Ready");
        }
      }
      SimReport r = sim.report();
      Files.writeString(dir.resolve("kubectl-report.json"), r.toJson());
      double wall = (System.nanoTime() - wallStart) / 1e9;
      int outdated = r.nodesOutdatedAtStart();
      double makespan = r.makespanSeconds() * outdated / Math.max(1, sample);
      Double bound = r.lowerBound() == null ? null : r.lowerBound().seconds();
      return new Row("kubectl", sample, outdated, sample < outdated, makespan, bound, wall,
          requests(r, "kubectl") / (double) Math.max(1, sample), null, null, r.pdbViolations(), r.podsLost(),
          sample + " node(s) drained by kubectl, " + String.format(Locale.ROOT, "%.0f", r.makespanSeconds())
              + " simulated s measured; log " + log);
    }
  }

  /** Outdated nodes at the start, by name (what a script would loop over). */
  private static List<String> outdatedNodes(Simulator sim) {
    List<String> out = new ArrayList<>();
    for (FakeInstance i : sim.cloud().instances()) {
      String target = sim.cloud().targetVersion(i.groupId());
      if (i.nodeName() != null && KubeVersion.parse(i.version()).compareTo(KubeVersion.parse(target)) < 0) {
        out.add(i.nodeName());
      }
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  private String kubectl(Path kubeconfig, Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(kubectl.toString());
    cmd.add("--kubeconfig=" + kubeconfig);
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text;
    try (var in = p.getInputStream()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroy();
      throw new IllegalStateException("kubectl " + String.join(" ", args) + ": no answer within " + timeout);
    }
    Files.writeString(log, "$ kubectl " + String.join(" ", args) + "\n" + text + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " exited " + p.exitValue() + ": "
          + text.strip());
    }
    return text;
  }

  private static long requests(SimReport r, String clientPrefix) {
    long n = 0;
    for (Map.Entry<String, Long> e : r.apiRequestsByClient().entrySet()) {
      if (e.getKey().startsWith(clientPrefix)) {
        n += e.getValue();
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- table

  private static String marker(Row r) {
    return r.extrapolated() ? "~" : r.nodes() < r.outdated() ? ">" : "";
  }

  static void print(PrintWriter out, Scenario scenario, List<Row> rows) {
    out.println();
    out.printf("scenario %s (%d cores)%n", scenario.name(), Runtime.getRuntime().availableProcessors());
    out.printf("%-8s %7s %12s %9s %7s %13s %9s %8s %6s %8s%n", "row", "nodes", "makespan s", "/bound",
        "wall s", "requests/node", "heap MiB", "RSS MiB", "PDB v", "pods lost");
    for (Row r : rows) {
      out.printf(Locale.ROOT, "%-8s %7s %12s %9s %7.1f %13.1f %9s %8s %6d %8d%n", r.name(),
          r.nodes() + "/" + r.outdated(), marker(r) + String.format(Locale.ROOT, "%.0f", r.makespan()),
          r.ratio() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()), r.wallSeconds(),
          r.requestsPerNode(), r.heapMiB() == null ? "-" : r.heapMiB().toString(),
          r.rssMiB() == null ? "-" : r.rssMiB().toString(), r.pdbViolations(), r.podsLost());
    }
    out.println("~ extrapolated to every outdated node; > did not finish (frozen or stopped): time until then");
    Row rotator = rows.stream().filter(r -> r.name().equals("rotator")).findFirst().orElse(null);
    for (Row other : rows) {
      if (rotator != null && rotator.nodes() == rotator.outdated() && other != rotator && rotator.makespan() > 0) {
        out.printf(Locale.ROOT, "rotator is %.1fx faster than %s%n", other.makespan() / rotator.makespan(),
            other.name());
      }
    }
    out.flush();
  }
}
