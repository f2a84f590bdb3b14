package dev.rotator.sim.api;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts of API requests served: total, by verb, by {@code verb resource}, by client (User-Agent). */
public final class ApiStats {
  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> byVerb = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byResource = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byClient = new ConcurrentHashMap<>();
  private final LongAdder podDeletes = new LongAdder();

  void count(String verb, String resource, String client) {
    total.increment();
    byVerb.computeIfAbsent(verb, k -> new LongAdder()).increment();
    byResource.computeIfAbsent(verb + " " + resource, k -> new LongAdder()).increment();
    byClient.computeIfAbsent(client, k -> new LongAdder()).increment();
  }

  void countPodDelete() {
    podDeletes.increment();
  }

  public long total() {
    return total.sum();
  }

  public long podDeleteRequests() {
    return podDeletes.sum();
  }

  public Map<String, Long> byVerb() {
    return snapshot(byVerb);
  }

  public Map<String, Long> byResource() {
    return snapshot(byResource);
  }

  public Map<String, Long> byClient() {
    return snapshot(byClient);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
