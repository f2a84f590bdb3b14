package dev.rotator.provider.aws;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which instance types count toward which EC2 On-Demand vCPU quota. EC2 splits the running On-Demand
 * vCPU limit by instance family ("Standard (A, C, D, H, I, M, R, T, Z)", "G and VT", "P", …); usage must
 * be summed over the families of the configured quota only, or a few GPU instances would eat the surge
 * headroom of a general-purpose node group.
 *
 * <p>For a quota code not listed here every On-Demand instance counts: usage is over-estimated, so the
 * headroom errs on the small side (a surge is refused rather than failing mid-launch).
 */
final class QuotaFamilies {

  private static final Map<String, Set<String>> FAMILIES =
      Map.of(
          AwsSettings.STANDARD_ON_DEMAND_QUOTA, Set.of("a", "c", "d", "h", "i", "im", "is", "m", "r", "t", "z"),
          "L-DB2E81BA", Set.of("g", "vt"),
          "L-417A185B", Set.of("p"),
          "L-7295265B", Set.of("x"),
          "L-74FC7D96", Set.of("f"),
          "L-1945791B", Set.of("inf"),
          "L-43DA4232", Set.of("u"));

  private QuotaFamilies() {}

  /** The family prefix of an instance type: the letters before the generation digit. */
  static String family(String instanceType) {
    String t = instanceType.toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < t.length() && Character.isLetter(t.charAt(i))) {
      i++;
    }
    return t.substring(0, i);
  }

  /** Whether an On-Demand instance of {@code instanceType} uses the quota {@code quotaCode}. */
  static boolean countsToward(String quotaCode, String instanceType) {
    Set<String> families = FAMILIES.get(quotaCode);
    return families == null || families.contains(family(instanceType));
  }
}
