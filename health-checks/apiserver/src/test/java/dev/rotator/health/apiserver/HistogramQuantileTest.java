package dev.rotator.health.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HistogramQuantileTest {

  private static NavigableMap<Double, Double> h(double... boundCountPairs) {
    NavigableMap<Double, Double> m = new TreeMap<>();
    for (int i = 0; i < boundCountPairs.length; i += 2) {
      m.put(boundCountPairs[i], boundCountPairs[i + 1]);
    }
    return m;
  }

  private static final double INF = Double.POSITIVE_INFINITY;

  @Test
  @DisplayName("interpolates linearly inside the bucket that holds the rank, like Prometheus")
  void interpolates() {
    NavigableMap<Double, Double> b = h(0.1, 10, 0.5, 20, 1, 30, INF, 30);
    assertEquals(0.3, HistogramQuantile.quantile(0.5, b), 1e-12); // rank 15: 0.1 + 0.4 × 5/10
    assertEquals(0.985, HistogramQuantile.quantile(0.99, b), 1e-12); // rank 29.7: 0.5 + 0.5 × 9.7/10
    assertEquals(0.015, HistogramQuantile.quantile(0.05, b), 1e-12); // rank 1.5: 0 + 0.1 × 1.5/10
  }

  @Test
  @DisplayName("a rank in the +Inf bucket answers the highest finite bound")
  void infBucket() {
    assertEquals(0.1, HistogramQuantile.quantile(0.99, h(0.1, 10, INF, 20)));
  }

  @Test
  @DisplayName("an empty histogram is NaN; one without +Inf, or a quantile outside 0..1, is refused")
  void edges() {
    assertTrue(Double.isNaN(HistogramQuantile.quantile(0.99, h(0.1, 0, INF, 0))));
    assertThrows(IllegalArgumentException.class, () -> HistogramQuantile.quantile(0.99, h(0.1, 3, 1, 4)));
    assertThrows(IllegalArgumentException.class, () -> HistogramQuantile.quantile(1.5, h(INF, 4)));
  }

  @Test
  @DisplayName("slightly non-monotonic counts (a scrape racing an increment) are flattened, not trusted")
  void nonMonotonic() {
    // 1 s bucket reads 19 although 0.5 s reads 20: treated as 20.
    assertEquals(
        HistogramQuantile.quantile(0.9, h(0.1, 10, 0.5, 20, 1, 20, INF, 30)),
        HistogramQuantile.quantile(0.9, h(0.1, 10, 0.5, 20, 1, 19, INF, 30)));
  }
}
