package dev.rotator.sim.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Map;

/**
 * CPU (millicores) and memory (bytes), the two resources the simulated scheduler fits.
 *
 * @param cpuMillis millicores
 * @param memoryBytes bytes
 */
public record Resources(long cpuMillis, long memoryBytes) {
  public static final Resources ZERO = new Resources(0, 0);

  public Resources plus(Resources o) {
    return new Resources(cpuMillis + o.cpuMillis, memoryBytes + o.memoryBytes);
  }

  public Resources minus(Resources o) {
    return new Resources(cpuMillis - o.cpuMillis, memoryBytes - o.memoryBytes);
  }

  public boolean fitsIn(Resources free) {
    return cpuMillis <= free.cpuMillis && memoryBytes <= free.memoryBytes;
  }

  /** Reads {@code cpu} and {@code memory} from a resource list (absent = 0). */
  public static Resources of(Map<String, Quantity> list) {
    if (list == null) {
      return ZERO;
    }
    return new Resources(millis(list.get("cpu")), bytes(list.get("memory")));
  }

  /** The sum of a pod's container requests (what the scheduler reserves for it). */
  public static Resources requestsOf(Pod pod) {
    Resources sum = ZERO;
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
      return sum;
    }
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getResources() != null) {
        sum = sum.plus(of(c.getResources().getRequests()));
      }
    }
    return sum;
  }

  static long millis(Quantity q) {
    return q == null ? 0 : Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).longValue();
  }

  static long bytes(Quantity q) {
    return q == null ? 0 : Quantity.getAmountInBytes(q).longValue();
  }

  public static Quantity cpuQuantity(long millis) {
    return millis % 1000 == 0 ? new Quantity(Long.toString(millis / 1000)) : new Quantity(millis + "m");
  }

  public static Quantity memoryQuantity(long mebibytes) {
    return new Quantity(mebibytes + "Mi");
  }
}
