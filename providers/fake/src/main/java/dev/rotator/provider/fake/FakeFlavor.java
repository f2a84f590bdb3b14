package dev.rotator.provider.fake;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which real cloud a fake node group imitates: how its instances are named and labelled, and how it
 * places them over zones. The rotation contract ({@link dev.rotator.provider.CloudProvider}) is the same
 * for every flavour; only what a real provider would see differs.
 *
 * <ul>
 *   <li>{@link Kind#FAKE}: ids {@code i-00001}, providerID {@code fake:///<zone>/<group>/<id>}, Node name
 *       {@code <group>-00001}; one desired capacity, new instances go to the zone with the fewest.
 *   <li>{@link Kind#AWS} (an Auto Scaling group): ids {@code i-} + 17 hex digits, providerID {@code
 *       aws:///<zone>/<id>}, Node name {@code ip-10-x-y-z.<region>.compute.internal} ({@code ec2.internal}
 *       in us-east-1), label {@code eks.amazonaws.com/nodegroup}. A replacement launches in the zone with
 *       the fewest live instances (AZ balance); scale-in takes from the zone with the most first.
 *   <li>{@link Kind#GKE} (a node pool): one managed instance group per zone, each with its own target size;
 *       instance names {@code gke-<cluster>-<pool>-<8 hex of the zone's group>-<4 chars>}, providerID {@code
 *       gce://<project>/<zone>/<name>}, Node name = instance name, label {@code
 *       cloud.google.com/gke-nodepool}. A change of desired capacity is spread over the zones: growth goes
 *       to the zone with the smallest target, shrinking to the largest, ties in zone-list order (as
 *       rotator's GKE provider does), so targets never differ by more than one.
 * </ul>
 *
 * @param kind the cloud imitated
 * @param region AWS region (derived from the zones); null for other kinds
 * @param project GKE project; null for other kinds
 * @param cluster GKE cluster name; null for other kinds
 */
public record FakeFlavor(Kind kind, String region, String project, String cluster) {

  /** The clouds a fake group can imitate. */
  public enum Kind {
    FAKE,
    AWS,
    GKE
  }

  /** An AWS availability zone: region plus one letter ({@code us-east-1a}, {@code eu-west-3c}). */
  public static final Pattern AWS_ZONE = Pattern.compile("([a-z]{2}(?:-[a-z]+)+-\\d)[a-z]");
  /** A GCE zone: region plus {@code -<letter>} ({@code europe-west1-b}). */
  public static final Pattern GCE_ZONE = Pattern.compile("[a-z]+-[a-z]+\\d+-[a-z]");
  /** A GCE project id. */
  public static final Pattern GCE_PROJECT = Pattern.compile("[a-z][-a-z0-9]{4,28}[a-z0-9]");
  /** A GKE cluster name. */
  public static final Pattern GKE_CLUSTER = Pattern.compile("[a-z]([-a-z0-9]{0,38}[a-z0-9])?");

  public static final FakeFlavor FAKE = new FakeFlavor(Kind.FAKE, null, null, null);

  public FakeFlavor {
    Objects.requireNonNull(kind, "kind");
    switch (kind) {
      case FAKE -> {
        if (region != null || project != null || cluster != null) {
          throw new IllegalArgumentException("the fake flavour takes no region, project or cluster");
        }
      }
      case AWS -> {
        Objects.requireNonNull(region, "region");
        if (project != null || cluster != null) {
          throw new IllegalArgumentException("the aws flavour takes no project or cluster");
        }
      }
      case GKE -> {
        if (region != null) {
          throw new IllegalArgumentException("the gke flavour takes no region (zones name it)");
        }
        if (project == null || !GCE_PROJECT.matcher(project).matches()) {
          throw new IllegalArgumentException("not a GCE project id: " + project);
        }
        if (cluster == null || !GKE_CLUSTER.matcher(cluster).matches()) {
          throw new IllegalArgumentException("not a GKE cluster name: " + cluster);
        }
      }
    }
  }

  /** An Auto Scaling group in the region of {@code zones} (all of which must be AWS zones of one region). */
  public static FakeFlavor aws(List<String> zones) {
    return new FakeFlavor(Kind.AWS, awsRegion(zones), null, null);
  }

  public static FakeFlavor gke(String project, String cluster) {
    return new FakeFlavor(Kind.GKE, null, project, cluster);
  }

  /** The region all zones share; IllegalArgumentException naming the offending zone otherwise. */
  public static String awsRegion(List<String> zones) {
    String region = null;
    for (String z : zones) {
      var m = AWS_ZONE.matcher(z);
      if (!m.matches()) {
        throw new IllegalArgumentException("not an AWS availability zone (like us-east-1a): " + z);
      }
      if (region != null && !region.equals(m.group(1))) {
        throw new IllegalArgumentException("zones of two regions: " + region + " and " + m.group(1));
      }
      region = m.group(1);
    }
    if (region == null) {
      throw new IllegalArgumentException("at least one zone is needed");
    }
    return region;
  }

  /** Checks that {@code zones} suit this flavour; IllegalArgumentException naming the zone otherwise. */
  void checkZones(String group, List<String> zones) {
    switch (kind) {
      case FAKE -> {}
      case AWS -> {
        if (!region.equals(awsRegion(zones))) {
          throw new IllegalArgumentException("group " + group + ": zones are not in region " + region);
        }
      }
      case GKE -> {
        for (String z : zones) {
          if (!GCE_ZONE.matcher(z).matches()) {
            throw new IllegalArgumentException("group " + group + ": not a GCE zone (like europe-west1-b): " + z);
          }
        }
      }
    }
  }

  /** The region label of a zone: {@code sim} for the fake flavour. */
  String regionOf(String zone) {
    return switch (kind) {
      case FAKE -> "sim";
      case AWS -> region;
      case GKE -> zone.substring(0, zone.lastIndexOf('-'));
    };
  }
}
