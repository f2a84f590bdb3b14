package dev.rotator.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for keys and enum values: the closest known name, if it is close enough. */
final class Suggest {
  private Suggest() {}

  /** Case and separator insensitive: {@code max_unavailable}, {@code MaxUnavailable} → {@code maxunavailable}. */
  static String normalize(String s) {
    return s.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  static Optional<String> closest(String typed, Collection<String> known) {
    if (typed.length() > 100) {
      return Optional.empty();
    }
    String t = normalize(typed);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(t, normalize(k));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    // Two edits catch typos and swapped letters; more than a third of the word is a different word.
    int allowed = Math.min(2, Math.max(1, t.length() / 3));
    return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
