package dev.rotator.provider.gke;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GKE version such as {@code 1.31.4-gke.1256000} (also {@code v1.31.4}, {@code 1.31}). GKE patch releases
 * differ only in the {@code gke.N} build, so it is compared too; a part missing on either side is not
 * compared ({@code 1.31} is not behind {@code 1.31.4-gke.1}: a target of {@code 1.31} is met by any 1.31).
 */
public record GkeVersion(int major, int minor, int patch, long gkeBuild) {
  private static final Pattern P =
      Pattern.compile("^v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:-gke\\.(\\d+))?$");

  public static GkeVersion parse(String s) {
    Matcher m = P.matcher(s == null ? "" : s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a GKE version: '" + s + "' (expected like 1.31.4-gke.1256000 or 1.31.4)");
    }
    return new GkeVersion(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        m.group(3) == null ? -1 : Integer.parseInt(m.group(3)),
        m.group(4) == null ? -1 : Long.parseLong(m.group(4)));
  }

  /** True when this version is older than {@code target} in every part both of them name. */
  public boolean isBehind(GkeVersion target) {
    int c = Integer.compare(major, target.major);
    if (c == 0) {
      c = Integer.compare(minor, target.minor);
    }
    if (c == 0 && patch >= 0 && target.patch >= 0) {
      c = Integer.compare(patch, target.patch);
      if (c == 0 && gkeBuild >= 0 && target.gkeBuild >= 0) {
        c = Long.compare(gkeBuild, target.gkeBuild);
      }
    }
    return c < 0;
  }

  @Override
  public String toString() {
    return major + "." + minor + (patch >= 0 ? "." + patch : "") + (gkeBuild >= 0 ? "-gke." + gkeBuild : "");
  }
}
