package dev.rotator.health.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * {@code histogram_quantile} as Prometheus computes it, for one cumulative histogram (upper bound {@code
 * le} → count of observations ≤ le):
 *
 * <ol>
 *   <li>rank = q × total, where total is the {@code +Inf} bucket's count;
 *   <li>find the first bucket whose cumulative count reaches the rank;
 *   <li>interpolate linearly inside it (its lower bound is the previous bucket's upper bound, or 0 for the
 *       first bucket); a rank in the {@code +Inf} bucket returns the highest finite bound, since nothing
 *       better is known.
 * </ol>
 *
 * Slightly non-monotonic counts (a scrape racing an increment) are flattened to the running maximum, as
 * Prometheus does.
 */
public final class HistogramQuantile {

  private HistogramQuantile() {}

  /**
   * @param q the quantile, 0..1
   * @param cumulative cumulative counts by upper bound; must contain {@code +Inf}
   * @return the estimated quantile in the bucket bounds' unit, or NaN when the histogram is empty
   * @throws IllegalArgumentException when q is outside 0..1 or there is no {@code +Inf} bucket
   */
  public static double quantile(double q, NavigableMap<Double, Double> cumulative) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be within 0..1, got " + q);
    }
    if (cumulative.isEmpty() || cumulative.lastKey() != Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("a histogram needs a +Inf bucket");
    }
    List<Double> bounds = new ArrayList<>(cumulative.size());
    List<Double> counts = new ArrayList<>(cumulative.size());
    double max = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      max = Math.max(max, e.getValue());
      bounds.add(e.getKey());
      counts.add(max);
    }
    double total = counts.get(counts.size() - 1);
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    int b = 0;
    while (b < counts.size() - 1 && counts.get(b) < rank) {
      b++;
    }
    if (b == bounds.size() - 1) {
      return bounds.size() >= 2 ? bounds.get(bounds.size() - 2) : Double.NaN;
    }
    double upper = bounds.get(b);
    if (b == 0 && upper <= 0) {
      return upper;
    }
    double lower = b == 0 ? 0 : bounds.get(b - 1);
    double before = b == 0 ? 0 : counts.get(b - 1);
    double inBucket = counts.get(b) - before;
    if (inBucket <= 0) {
      return upper; // only reachable for q = 0
    }
    return lower + (upper - lower) * ((rank - before) / inBucket);
  }
}
