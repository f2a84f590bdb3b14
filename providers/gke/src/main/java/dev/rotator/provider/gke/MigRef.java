package dev.rotator.provider.gke;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One managed instance group (MIG) behind a GKE node pool. GKE creates one zonal MIG per zone of a pool and
 * lists them in the pool's {@code instanceGroupUrls}, e.g. {@code
 * https://www.googleapis.com/compute/v1/projects/P/zones/europe-west1-b/instanceGroupManagers/gke-prod-default-pool-1a2b3c4d-grp}.
 *
 * <p>Instance ↔ MIG: the MIG's instances are named {@code <base>-<suffix>} where the base is the MIG name
 * without its {@code -grp} suffix ({@code gke-prod-default-pool-1a2b3c4d-x7k2}). GKE truncates long cluster
 * and pool names inside that base, so rotator never rebuilds it from the names: it matches an instance name
 * against the bases of the MIGs GKE actually lists, in the same zone.
 */
public record MigRef(String project, String zone, String name) {
  private static final Pattern URL =
      Pattern.compile("(?:^|/)projects/([^/]+)/zones/([^/]+)/instanceGroup(?:Manager)?s/([^/?]+)$");

  /** Parses an instance group URL from a node pool; empty when it is not one. */
  public static Optional<MigRef> parse(String url) {
    Matcher m = URL.matcher(url == null ? "" : url.trim());
    return m.find() ? Optional.of(new MigRef(m.group(1), m.group(2), m.group(3))) : Optional.empty();
  }

  /** The instance name prefix of this group's instances, dash included. */
  public String instancePrefix() {
    String base = name.endsWith("-grp") ? name.substring(0, name.length() - 4) : name;
    return base + "-";
  }

  /** Whether an instance of this name in this zone belongs to this group. */
  public boolean owns(String instanceZone, String instanceName) {
    return zone.equals(instanceZone)
        && instanceName.startsWith(instancePrefix())
        && instanceName.length() > instancePrefix().length()
        && instanceName.indexOf('-', instancePrefix().length()) < 0; // the suffix has no dash of its own
  }

  /** The region of the group's zone ({@code europe-west1-b} → {@code europe-west1}). */
  public String region() {
    int dash = zone.lastIndexOf('-');
    return dash > 0 ? zone.substring(0, dash) : zone;
  }

  /** {@code zones/Z/instances/NAME}, how deleteInstances names an instance. */
  public String instancePath(String instanceName) {
    return "zones/" + zone + "/instances/" + instanceName;
  }

  @Override
  public String toString() {
    return zone + "/" + name;
  }
}
