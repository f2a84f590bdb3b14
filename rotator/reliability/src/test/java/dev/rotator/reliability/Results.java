package dev.rotator.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one suite class ran, written to {@code target/reliability/<suite>.json} for {@link ReliabilityDocTest}:
 * per fault or bad-input class, the number of cases, the outcomes (completed, froze with a reason, rejected
 * with an exit code) and the invariant violations seen.
 */
final class Results {
  static final Path DIR = Path.of("target", "reliability");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** One row of docs/reliability.md. */
  record Row(String area, String kind, int cases, Map<String, Integer> outcomes, int violations) {}

  private final String suite;
  private final Map<String, Row> rows = new TreeMap<>();

  Results(String suite) {
    this.suite = suite;
  }

  /** Counts one case of {@code kind} with its outcome and the violations it showed. */
  synchronized void add(String area, String kind, String outcome, int violations) {
    Row r = rows.getOrDefault(kind, new Row(area, kind, 0, new TreeMap<>(), 0));
    Map<String, Integer> o = new TreeMap<>(r.outcomes());
    o.merge(outcome, 1, Integer::sum);
    rows.put(kind, new Row(area, kind, r.cases() + 1, o, r.violations() + violations));
  }

  synchronized void write() {
    try {
      Files.createDirectories(DIR);
      Files.writeString(DIR.resolve(suite + ".json"), JSON.writeValueAsString(new ArrayList<>(rows.values())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Row> readAll() {
    List<Row> all = new ArrayList<>();
    try (var files = Files.list(DIR)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        all.addAll(List.of(JSON.readValue(p.toFile(), Row[].class)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all;
  }
}
