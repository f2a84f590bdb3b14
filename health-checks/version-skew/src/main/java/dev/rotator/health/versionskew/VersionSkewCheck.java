package dev.rotator.health.versionskew;

import dev.rotator.core.engine.KubeVersion;
import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.model.NodeInfo;
import dev.rotator.core.port.CheckResult;
import dev.rotator.core.port.Cluster;
import dev.rotator.core.port.HealthCheck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The version-skew gate: do the kubelets and the API server form a combination Kubernetes supports, and
 * is the rotation actually bringing nodes to the target version?
 *
 * <p>Through the {@link Cluster} port and a supplier of the API server's version (the CLI feeds it from
 * fabric8's {@code getKubernetesVersion()}), it finds:
 *
 * <ol>
 *   <li><b>kubelets newer than the API server</b> (by minor version): never supported; it means nodes
 *       were upgraded before the control plane, and rotating more nodes onto that image spreads it;
 *   <li><b>kubelets too old</b>: more than {@code maxMinorSkew} minor versions behind the API server. The
 *       Kubernetes version-skew policy allows 3 since v1.28 and 2 before; that is the default, chosen from
 *       the API server's version;
 *   <li><b>replacements that came up old</b>: a node created after the rotation started whose kubelet is
 *       below the target version. The rotation is then replacing old nodes with old nodes (a stale launch
 *       template, a pinned node-pool version) and is not converging; continuing only churns workloads.
 *       Checked only when a target version is configured and a rotation is running.
 * </ol>
 *
 * Any of these → UNHEALTHY ({@link ReasonCode#VERSION_SKEW}) naming the first few nodes. UNKNOWN (the
 * gate fails closed) when the API server's version or the node list cannot be read, when the cluster
 * reports no nodes at all, or when a kubelet's version is unreadable and nothing worse was found.
 * Versions are compared with {@link KubeVersion}: provider suffixes ({@code -eks-…}, {@code -gke.…}) are
 * ignored. Never throws.
 */
public final class VersionSkewCheck implements HealthCheck {

  /** The check's stable name. */
  public static final String NAME = "version-skew";

  /** How many offenders a reason names; the counts carry the rest. */
  static final int MAX_NAMED = 5;

  /** Largest skew a setting may allow: beyond this the setting is a typo, not a policy. */
  static final int MAX_SKEW = 10;

  /**
   * Settings.
   *
   * @param maxMinorSkew how many minor versions a kubelet may be behind the API server; empty = the
   *     Kubernetes policy for the API server's version (3 from v1.28, 2 before)
   * @param targetVersion the version the rotation brings nodes to (e.g. {@code v1.31.2}); a node created
   *     after the rotation started below it means the rotation is not converging. Empty: not checked
   */
  public record Settings(OptionalInt maxMinorSkew, Optional<String> targetVersion) {
    public Settings {
      Objects.requireNonNull(maxMinorSkew, "maxMinorSkew");
      Objects.requireNonNull(targetVersion, "targetVersion");
      if (maxMinorSkew.isPresent() && (maxMinorSkew.getAsInt() < 0 || maxMinorSkew.getAsInt() > MAX_SKEW)) {
        throw new IllegalArgumentException(
            "maxMinorSkew must be within 0.." + MAX_SKEW + ", got " + maxMinorSkew.getAsInt());
      }
      if (targetVersion.isPresent()) {
        try {
          KubeVersion.parse(targetVersion.get());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("targetVersion: " + e.getMessage(), e);
        }
      }
    }

    /** The Kubernetes skew policy, no target version. */
    public static Settings defaults() {
      return new Settings(OptionalInt.empty(), Optional.empty());
    }

    public Settings withTargetVersion(String v) {
      return new Settings(maxMinorSkew, Optional.ofNullable(v));
    }

    public Settings withMaxMinorSkew(int skew) {
      return new Settings(OptionalInt.of(skew), targetVersion);
    }
  }

  /** The skew the Kubernetes version-skew policy allows a kubelet behind this API server. */
  public static int policySkew(KubeVersion apiServer) {
    return apiServer.major() > 1 || apiServer.minor() >= 28 ? 3 : 2;
  }

  private final Cluster cluster;
  private final Supplier<String> apiServerVersion;
  private final Supplier<Instant> rotationStart;
  private final Settings settings;
  private final Optional<KubeVersion> target;

  /**
   * @param cluster where the nodes come from
   * @param apiServerVersion the API server's version ({@code gitVersion}, e.g. {@code v1.31.2-eks-1}),
   *     asked on every check (the control plane may be upgraded while rotator runs)
   * @param rotationStart when the current rotation started; null from the supplier = no rotation running
   *     (the convergence check is then skipped)
   */
  public VersionSkewCheck(
      Cluster cluster, Supplier<String> apiServerVersion, Supplier<Instant> rotationStart, Settings settings) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.apiServerVersion = Objects.requireNonNull(apiServerVersion, "apiServerVersion");
    this.rotationStart = Objects.requireNonNull(rotationStart, "rotationStart");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.target = settings.targetVersion().map(KubeVersion::parse);
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
    return ReasonCode.VERSION_SKEW;
  }

  @Override
  public CheckResult check() {
    String apiText;
    KubeVersion api;
    try {
      apiText = apiServerVersion.get();
      api = KubeVersion.parse(apiText);
    } catch (IllegalArgumentException e) {
      return CheckResult.unknown(NAME, "the API server's version is unreadable: " + e.getMessage());
    } catch (RuntimeException e) {
      return CheckResult.unknown(NAME, "cannot read the API server's version: " + describe(e));
    }
    List<NodeInfo> nodes;
    Instant start;
    try {
      nodes = cluster.nodes();
      start = rotationStart.get();
    } catch (RuntimeException e) {
      return CheckResult.unknown(NAME, "cannot read the cluster: " + describe(e));
    }
    if (nodes == null || nodes.isEmpty()) {
      return CheckResult.unknown(
          NAME, "the cluster reports no nodes at all; refusing to judge version skew from that");
    }

    int skew = settings.maxMinorSkew().orElse(policySkew(api));
    List<String> newer = new ArrayList<>();
    List<String> tooOld = new ArrayList<>();
    List<String> notConverging = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    KubeVersion oldest = null;
    KubeVersion newest = null;
    List<NodeInfo> sorted = new ArrayList<>(nodes);
    sorted.sort(Comparator.comparing(NodeInfo::name));
    for (NodeInfo n : sorted) {
      KubeVersion kv;
      try {
        kv = KubeVersion.parse(n.kubeletVersion());
      } catch (IllegalArgumentException e) {
        unreadable.add(n.name() + " ('" + n.kubeletVersion() + "')");
        continue;
      }
      oldest = oldest == null || kv.compareTo(oldest) < 0 ? kv : oldest;
      newest = newest == null || kv.compareTo(newest) > 0 ? kv : newest;
      String named = n.name() + " (" + n.kubeletVersion() + ")";
      if (kv.major() != api.major()) {
        // No skew policy spans major versions; there has never been a Kubernetes 2 to skew against.
        (kv.major() > api.major() ? newer : tooOld).add(named);
      } else if (kv.minor() > api.minor()) {
        newer.add(named);
      } else if (api.minor() - kv.minor() > skew) {
        tooOld.add(named);
      }
      if (target.isPresent()
          && start != null
          && n.created().isAfter(start)
          && kv.compareTo(target.get()) < 0) {
        notConverging.add(named);
      }
    }

    Map<String, String> values = new LinkedHashMap<>();
    values.put("apiServerVersion", apiText.trim());
    values.put("maxMinorSkew", Integer.toString(skew));
    values.put("nodes", Integer.toString(nodes.size()));
    values.put("oldestKubelet", oldest == null ? "n/a" : oldest.toString());
    values.put("newestKubelet", newest == null ? "n/a" : newest.toString());
    values.put("newerThanApiServer", Integer.toString(newer.size()));
    values.put("beyondMaxSkew", Integer.toString(tooOld.size()));
    values.put("unreadableVersions", Integer.toString(unreadable.size()));
    values.put("targetVersion", target.map(KubeVersion::toString).orElse("unset"));
    values.put("rotationStart", start == null ? "none" : start.toString());
    values.put("replacementsBelowTarget", Integer.toString(notConverging.size()));

    List<String> problems = new ArrayList<>();
    if (!newer.isEmpty()) {
      problems.add(
          newer.size() + " kubelet(s) newer than the API server " + api + " (never supported): " + names(newer));
    }
    if (!tooOld.isEmpty()) {
      problems.add(
          tooOld.size()
              + " kubelet(s) more than "
              + skew
              + " minor version(s) behind the API server "
              + api
              + ": "
              + names(tooOld));
    }
    if (!notConverging.isEmpty()) {
      problems.add(
          notConverging.size()
              + " node(s) created since the rotation started at "
              + start
              + " run below the target "
              + target.get()
              + " (the rotation is not converging; check the launch template or node-pool version): "
              + names(notConverging));
    }
    if (!problems.isEmpty()) {
      return CheckResult.unhealthy(NAME, String.join("; ", problems), values);
    }
    if (!unreadable.isEmpty()) {
      return new CheckResult(
          NAME,
          CheckResult.Status.UNKNOWN,
          unreadable.size() + " node(s) report no readable kubelet version: " + names(unreadable),
          values);
    }
    return CheckResult.healthy(
        NAME,
        nodes.size()
            + " kubelet(s) "
            + oldest
            + ".."
            + newest
            + " within "
            + skew
            + " minor version(s) of the API server "
            + api
            + (target.isPresent() && start != null ? "; every node created since the rotation started is at "
                + target.get() + " or newer" : ""),
        values);
  }

  private static String names(List<String> all) {
    if (all.size() <= MAX_NAMED) {
      return String.join(", ", all);
    }
    return String.join(", ", all.subList(0, MAX_NAMED)) + " and " + (all.size() - MAX_NAMED) + " more";
  }

  private static String describe(RuntimeException e) {
    String msg = e.getMessage();
    return e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }
}
