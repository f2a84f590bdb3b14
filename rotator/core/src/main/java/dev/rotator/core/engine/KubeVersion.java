package dev.rotator.core.engine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes version like {@code v1.31.2} or {@code v1.31.2-eks-1234}; suffixes are ignored. */
public record KubeVersion(int major, int minor, int patch) implements Comparable<KubeVersion> {
  private static final Pattern P = Pattern.compile("^v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*$");

  public static KubeVersion parse(String s) {
    Matcher m = P.matcher(s == null ? "" : s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a Kubernetes version: '" + s + "' (expected like v1.31.2)");
    }
    return new KubeVersion(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  @Override
  public int compareTo(KubeVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return "v" + major + "." + minor + "." + patch;
  }
}
