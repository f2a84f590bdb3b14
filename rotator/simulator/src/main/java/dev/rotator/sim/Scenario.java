package dev.rotator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotator.provider.fake.FakeFlavor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A simulated cluster to run rotator against: node groups, workloads with their PDBs, the clock, and
 * optionally the rotator configuration to use. Documented with a complete example in docs/simulator.md.
 *
 * @param name scenario name (appears in the report)
 * @param seed seed for generated names, so runs are repeatable
 * @param clock simulated time
 * @param nodeGroups node groups of the fake cloud
 * @param workloads workloads and their PDBs
 * @param rotatorConfig the {@code rotator:} section, or null
 * @param controlPlaneVersion the version the simulated API server reports on {@code /version}
 * @param etcd the fake etcd cluster, or null when the scenario has none
 * @param prometheus the fake Prometheus, or null when the scenario has none
 * @param faults fault injections, in file order
 * @param timing the rotator's timing the report judges reactions by
 * @param unhealthyPodDeletes which graceful pod DELETEs the recorder accepts: the opt-in the scenario's
 *     {@code rotator.policy.unhealthyPodEviction} declares, read by the simulator itself
 */
public record Scenario(
    String name,
    long seed,
    ClockSpec clock,
    List<NodeGroupSpec> nodeGroups,
    List<WorkloadSpec> workloads,
    JsonNode rotatorConfig,
    String controlPlaneVersion,
    EtcdSpec etcd,
    PrometheusSpec prometheus,
    List<FaultSpec> faults,
    Timing timing,
    UnhealthyPodDeletes unhealthyPodDeletes) {

  /** Names of the scenarios shipped as resources. */
  public static final List<String> BUILTIN =
      List.of(
          "demo",
          "plain",
          "tight-pdb",
          "unsatisfiable-pdb",
          "etcd-quorum-loss",
          "api-exhaustion",
          "quota-hit",
          "version-skew",
          "nodes-not-ready",
          "alert-firing",
          "replacement-stuck",
          "aws-asg",
          "gke-pool",
          "pool-switch",
          "pool-switch-freeze",
          "pool-switch-no-quota",
          "small",
          "reference",
          "large");

  public Scenario {
    nodeGroups = List.copyOf(nodeGroups);
    workloads = List.copyOf(workloads);
    faults = List.copyOf(faults);
    rotatorConfig = rotatorConfig == null ? null : rotatorConfig.deepCopy();
    unhealthyPodDeletes = unhealthyPodDeletes == null ? UnhealthyPodDeletes.NONE : unhealthyPodDeletes;
  }

  /**
   * The pod DELETEs the recorder accepts from rotator instead of counting them as violations: graceful ones
   * (never {@code gracePeriodSeconds: 0}) of pods in scope that have been not Ready for at least {@code after}
   * (their Ready condition's last transition). Read by the simulator from the scenario's own {@code
   * rotator.policy.unhealthyPodEviction} (namespaces, selector, after), the operator's declared opt-in, not from
   * what rotator makes of it. With neither namespaces nor selector ({@link #NONE}) no pod DELETE is accepted.
   *
   * @param namespaces namespaces in scope; empty with a selector: every namespace
   * @param selector labels a pod must all carry; empty with namespaces: every pod of those namespaces
   * @param after how long the pod must have been not Ready
   */
  public record UnhealthyPodDeletes(List<String> namespaces, Map<String, String> selector, Duration after) {
    public static final UnhealthyPodDeletes NONE = new UnhealthyPodDeletes(List.of(), Map.of(), Duration.ofMinutes(10));

    public UnhealthyPodDeletes {
      namespaces = List.copyOf(namespaces);
      selector = Map.copyOf(selector);
    }

    /** True when namespaces or a selector are set. */
    public boolean enabled() {
      return !namespaces.isEmpty() || !selector.isEmpty();
    }

    /** Whether a pod of {@code namespace} with {@code labels} is in scope. */
    public boolean covers(String namespace, Map<String, String> labels) {
      if (!enabled() || (!namespaces.isEmpty() && !namespaces.contains(namespace))) {
        return false;
      }
      for (Map.Entry<String, String> e : selector.entrySet()) {
        if (labels == null || !e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * A fake etcd cluster on 127.0.0.1 (one HTTP server per member, speaking the etcd v3 JSON gateway).
   *
   * @param members number of members (1..7)
   */
  public record EtcdSpec(int members) {}

  /**
   * A fake Prometheus on 127.0.0.1 ({@code /api/v1/alerts}, {@code /api/v1/query}).
   *
   * @param queries instant-query answers: an expression the fake knows → the value of its one sample;
   *     any other expression answers an empty vector
   */
  public record PrometheusSpec(Map<String, Double> queries) {
    public PrometheusSpec {
      queries = Map.copyOf(queries);
    }
  }

  /**
   * The rotator's timing, read from the scenario's {@code rotator:} section (rotator's defaults where a
   * key is left out): what "one check interval" means when the report judges a reaction.
   *
   * @param pollInterval {@code rotator.policy.pollInterval} (default 5s)
   * @param checkTimeout {@code rotator.gates.checkTimeout} (default 10s)
   * @param replacementTimeout {@code rotator.policy.replacementTimeout} (default 15m)
   */
  public record Timing(Duration pollInterval, Duration checkTimeout, Duration replacementTimeout) {
    public static final Timing DEFAULTS =
        new Timing(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(15));

    /** One check interval: a round's wait plus the longest a gate evaluation may take. */
    public Duration grace() {
      return pollInterval.plus(checkTimeout);
    }
  }

  /** True when the simulator runs a fake etcd cluster for this scenario. */
  public boolean hasEtcd() {
    return etcd != null;
  }

  /** True when the simulator runs a fake Prometheus for this scenario. */
  public boolean hasPrometheus() {
    return prometheus != null;
  }

  /** The {@code rotator:} section (a rotator.yaml subtree), a copy; null when the scenario has none. */
  @Override
  public JsonNode rotatorConfig() {
    return rotatorConfig == null ? null : rotatorConfig.deepCopy();
  }

  /**
   * Simulated time.
   *
   * @param scale simulated seconds per wall second
   * @param start the simulated instant the simulation starts at
   */
  public record ClockSpec(double scale, Instant start) {}

  /**
   * A node group (an Auto Scaling group, a node pool).
   *
   * @param kubeletVersion the version of the nodes that exist at start
   * @param targetVersion the version replacement instances get; nodes below it are outdated
   * @param flavor the cloud the group imitates: ids, providerIDs, Node names and labels, zone placement
   *     (see {@link dev.rotator.provider.fake.FakeFlavor})
   */
  public record NodeGroupSpec(
      String name,
      List<String> zones,
      int size,
      int minSize,
      int maxSize,
      int quota,
      long cpuMillis,
      long memoryMi,
      String kubeletVersion,
      String targetVersion,
      int provisioningSeconds,
      int readySeconds,
      String instanceType,
      FakeFlavor flavor) {
    public NodeGroupSpec {
      zones = List.copyOf(zones);
      flavor = flavor == null ? FakeFlavor.FAKE : flavor;
    }
  }

  /** Kinds of workload a scenario can declare. */
  public enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    /** Pods without a controller: evicting one loses it. */
    Pod,
    /** A static pod on every node, seen through its mirror pod. */
    StaticPod
  }

  /** {@code 3} or {@code 50%}. */
  public record IntOrPercent(int value, boolean percent) {
    @Override
    public String toString() {
      return percent ? value + "%" : Integer.toString(value);
    }
  }

  /** Exactly one of the two is set. */
  public record PdbSpec(IntOrPercent minAvailable, IntOrPercent maxUnavailable) {}

  /** A toleration as in a pod spec. */
  public record TolerationSpec(String key, String operator, String value, String effect) {}

  public record WorkloadSpec(
      WorkloadKind kind,
      String namespace,
      String name,
      int replicas,
      long cpuMillis,
      long memoryMi,
      int startupSeconds,
      int terminationGraceSeconds,
      boolean emptyDir,
      boolean neverReady,
      Map<String, String> nodeSelector,
      List<TolerationSpec> tolerations,
      PdbSpec pdb) {
    public WorkloadSpec {
      nodeSelector = Map.copyOf(nodeSelector);
      tolerations = List.copyOf(tolerations);
    }
  }

  /** This scenario on a clock running {@code scale} simulated seconds per wall second. */
  public Scenario withScale(double scale) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be a positive finite number, got " + scale);
    }
    return new Scenario(name, seed, new ClockSpec(scale, clock.start()), nodeGroups, workloads, rotatorConfig,
        controlPlaneVersion, etcd, prometheus, faults, timing, unhealthyPodDeletes);
  }

  /** Reads a scenario file. */
  public static Scenario load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ScenarioException(file.toString(), "", "cannot read: " + e.getMessage());
    }
    return parse(text, file.getFileName().toString());
  }

  /** One of {@link #BUILTIN}. */
  public static Scenario builtin(String name) {
    if (!BUILTIN.contains(name)) {
      throw new IllegalArgumentException("no built-in scenario '" + name + "'; built-in scenarios: " + BUILTIN);
    }
    String resource = "/scenarios/" + name + ".yaml";
    try (InputStream in = Scenario.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("built-in scenario resource " + resource + " is missing from the jar");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name + ".yaml");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read built-in scenario " + name, e);
    }
  }

  /** Parses scenario YAML; {@code sourceName} prefixes error messages. */
  public static Scenario parse(String yaml, String sourceName) {
    return new ScenarioParser(sourceName).parse(yaml);
  }
}
