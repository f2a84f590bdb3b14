package dev.rotator.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the document, read against its {@link Schema.Key}: unknown keys are refused on
 * construction, every typed read names its key path when it fails, and {@link #finish()} catches the
 * programming error of a declared key that nothing read (it would be silently ignored otherwise).
 */
final class Section {
  private final ObjectNode node;
  private final String path;
  private final Schema.Key schema;
  private final Set<String> read = new HashSet<>();

  private Section(ObjectNode node, String path, Schema.Key schema) {
    this.node = node;
    this.path = path;
    this.schema = schema;
  }

  /**
   * Wraps a mapping. Absent, null and an empty scalar (YAML's {@code policy:} with nothing under it) are
   * an empty section.
   */
  static Section of(JsonNode n, String path, Schema.Key schema) {
    if (n == null || n.isMissingNode() || n.isNull() || (n.isTextual() && n.textValue().isEmpty())) {
      return new Section(JsonNodeFactory.instance.objectNode(), path, schema);
    }
    if (!n.isObject()) {
      throw new ConfigException(
          path, "expected a mapping with keys " + String.join(", ", schema.childNames()) + "; got " + describe(n));
    }
    Iterator<String> names = n.fieldNames();
    while (names.hasNext()) {
      String key = names.next();
      if (schema.child(key) == null) {
        if (schema.credentialSource() != null && looksLikeCredential(key)) {
          // Said before "unknown key": the fix is not another spelling but another place. The value is
          // never shown, since it may be a secret.
          throw new ConfigException(
              join(path, printable(key)),
              "credentials are never read from rotator.yaml; rotator takes them from " + schema.credentialSource()
                  + ". Remove this key");
        }
        throw unknownKey(path, key, schema.childNames());
      }
    }
    return new Section((ObjectNode) n, path, schema);
  }

  /** Words that only a credential's key contains (compared without case, '-' and '_'). */
  private static final List<String> CREDENTIAL_WORDS =
      List.of(
          "secret", "password", "passwd", "token", "credential", "accesskey", "apikey", "privatekey",
          "serviceaccount", "keyfile", "keyjson", "jsonkey", "profile");

  /** Whether an unknown key looks like someone trying to configure credentials. */
  static boolean looksLikeCredential(String key) {
    String k = Suggest.normalize(key);
    return k.equals("key") || CREDENTIAL_WORDS.stream().anyMatch(k::contains);
  }

  private static ConfigException unknownKey(String path, String key, List<String> known) {
    String suggestion = Suggest.closest(key, known).map(s -> " (did you mean '" + s + "'?)").orElse("");
    return new ConfigException(
        join(path, printable(key)),
        "unknown key" + suggestion + "; known keys here: " + String.join(", ", known));
  }

  String path() {
    return path;
  }

  String keyPath(String key) {
    return join(path, key);
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** True when the document set this key (to anything but null). */
  boolean isSet(String key) {
    declared(key);
    JsonNode v = node.get(key);
    return v != null && !v.isNull();
  }

  /** True when the document has this key at all, even with a null or empty value. */
  boolean isPresent(String key) {
    declared(key);
    return node.has(key);
  }

  /** The raw value, or null when absent or null. */
  JsonNode raw(String key) {
    declared(key);
    read.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  Section section(String key) {
    Schema.Key k = declared(key);
    if (!k.isSection()) {
      throw new IllegalStateException("bug: " + keyPath(key) + " is not a section, read as one");
    }
    read.add(key);
    return Section.of(node.get(key), keyPath(key), k);
  }

  /**
   * A list of mappings (declared with {@link Schema#list}); each element is a Section whose path is
   * {@code key[i]}, e.g. {@code gates.http[1]}, so errors inside it name the element. Absent, null or an
   * empty scalar is an empty list.
   */
  List<Section> sections(String key, int maxItems) {
    Schema.Key k = declared(key);
    if (!k.isList()) {
      throw new IllegalStateException("bug: " + keyPath(key) + " is not a list of mappings, read as one");
    }
    read.add(key);
    JsonNode v = node.get(key);
    if (v == null || v.isNull() || (v.isTextual() && v.textValue().isEmpty())) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new ConfigException(
          keyPath(key),
          "expected a list of mappings with keys " + String.join(", ", k.childNames()) + "; got " + describe(v)
              + (v.isObject() ? " (start each element with '- ')" : ""));
    }
    if (v.size() > maxItems) {
      throw new ConfigException(keyPath(key), "at most " + maxItems + " elements, got " + v.size());
    }
    List<Section> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      out.add(Section.of(v.get(i), keyPath(key) + "[" + i + "]", k));
    }
    return out;
  }

  /** A string that must be set: {@code what} says what it is, for the "required" message. */
  String required(String key, Function<String, String> check, String what) {
    return string(key, check).orElseThrow(() -> new ConfigException(keyPath(key), "required: " + what));
  }

  /**
   * A list of strings, each checked by {@code check} (an error sentence or null); errors name the
   * element ({@code gates.apiserver.probes[2]}). Empty when the key is absent or null; {@code []} is an
   * empty list.
   *
   * @param distinct refuse a value listed twice
   * @param mappingHint added to the error when an element is a mapping (YAML reads an unquoted {@code
   *     {a="b"}} as one), or null
   */
  Optional<List<String>> strings(
      String key, int maxItems, boolean distinct, Function<String, String> check, String mappingHint) {
    JsonNode v = raw(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw new ConfigException(
          keyPath(key),
          "expected a list of strings, got " + describe(v)
              + (v.isTextual() || v.isNumber() || v.isBoolean() ? " (a single value is written as a list: [value])" : ""));
    }
    if (v.size() > maxItems) {
      throw new ConfigException(keyPath(key), "at most " + maxItems + " elements, got " + v.size());
    }
    List<String> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String at = keyPath(key) + "[" + i + "]";
      if (!e.isTextual()) {
        String hint =
            e.isObject() && mappingHint != null
                ? " " + mappingHint
                : e.isBoolean()
                    ? " (unquoted yes/no/on/off/true/false are booleans in YAML: quote the value)"
                    : e.isNumber() ? " (quote the value to make it a string)" : "";
        throw new ConfigException(at, "expected a string, got " + describe(e) + hint);
      }
      String text = e.textValue();
      String problem = check.apply(text);
      if (problem != null) {
        throw new ConfigException(at, problem);
      }
      Integer first = seen.putIfAbsent(text, i);
      if (distinct && first != null) {
        throw new ConfigException(at, "'" + printable(text) + "' is listed twice (first at [" + first + "])");
      }
      out.add(text);
    }
    return Optional.of(List.copyOf(out));
  }

  /**
   * A mapping of strings to strings ({@code provider.aws.groupTags}), in document order; errors name the
   * entry ({@code provider.aws.groupTags[team]}). Empty when the key is absent or null; {@code {}} is an
   * empty map. YAML refuses a key written twice before this is reached.
   *
   * @param keyCheck checks each key (an error sentence or null)
   * @param valueCheck checks each value (an error sentence or null)
   */
  Optional<Map<String, String>> stringMap(
      String key, int maxEntries, Function<String, String> keyCheck, Function<String, String> valueCheck) {
    JsonNode v = raw(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      throw new ConfigException(
          keyPath(key),
          "expected a mapping of strings to strings (key: value, one per line, or {key: value}), got " + describe(v));
    }
    if (v.size() > maxEntries) {
      throw new ConfigException(keyPath(key), "at most " + maxEntries + " entries, got " + v.size());
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = v.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String at = keyPath(key) + "[" + printable(f.getKey()) + "]";
      String keyProblem = keyCheck.apply(f.getKey());
      if (keyProblem != null) {
        throw new ConfigException(at, keyProblem);
      }
      JsonNode e = f.getValue();
      if (e == null || !e.isTextual()) {
        String hint =
            e != null && e.isBoolean()
                ? " (unquoted yes/no/on/off/true/false are booleans in YAML: quote the value)"
                : e != null && e.isNumber() ? " (quote the value to make it a string)" : "";
        throw new ConfigException(at, "expected a string, got " + describe(e) + hint);
      }
      String problem = valueCheck.apply(e.textValue());
      if (problem != null) {
        throw new ConfigException(at, problem);
      }
      out.put(f.getKey(), e.textValue());
    }
    return Optional.of(Collections.unmodifiableMap(out));
  }

  /**
   * A number, integer or decimal ({@code 5}, {@code 0.5}, {@code 1e-3}), finite, within [min, max] (null:
   * unbounded). Empty when absent. Exact: the value is kept as written, as a BigDecimal.
   */
  Optional<BigDecimal> number(String key, BigDecimal min, BigDecimal max) {
    JsonNode v = raw(key);
    if (v == null) {
      return Optional.empty();
    }
    String expected =
        min != null && max != null
            ? "a number in " + plain(min) + ".." + plain(max)
            : min != null ? "a number >= " + plain(min) : max != null ? "a number <= " + plain(max) : "a finite number";
    if (v.isTextual()) {
      String t = v.textValue().strip();
      throw new ConfigException(
          keyPath(key),
          "expected " + expected + ", got " + describe(v) + " (write numbers without quotes"
              + (t.endsWith("%") ? " and without '%'" : "") + ")");
    }
    if (!v.isNumber()) {
      throw new ConfigException(keyPath(key), "expected " + expected + ", got " + describe(v));
    }
    if (!v.isIntegralNumber() && !v.isBigDecimal()) {
      // .inf and .nan: the only numbers SafeYaml keeps as doubles.
      throw new ConfigException(keyPath(key), "expected " + expected + ", got " + describe(v) + " (not finite)");
    }
    BigDecimal b = v.decimalValue();
    if (Double.isInfinite(b.doubleValue())) {
      throw new ConfigException(keyPath(key), "expected " + expected + ", got " + describe(v) + " (too large)");
    }
    if ((min != null && b.compareTo(min) < 0) || (max != null && b.compareTo(max) > 0)) {
      throw new ConfigException(keyPath(key), "expected " + expected + ", got " + describe(v));
    }
    return Optional.of(b);
  }

  private static String plain(BigDecimal b) {
    return b.stripTrailingZeros().toPlainString();
  }

  /**
   * Builds a health check's settings record, whose constructor validates its own fields: an {@link
   * IllegalArgumentException} from it becomes a ConfigException. When its message starts with a key of
   * this section ({@code minSamples must be ...}, {@code rules[1].name '...' is used ...}), the error
   * is put on that key and the key is dropped from the message; otherwise it is put on this section.
   */
  <T> T build(Supplier<T> make) {
    return build(make, Function.identity());
  }

  /**
   * Same as {@link #build(Supplier)} for settings classes whose messages name their fields their own way
   * ({@code provider.aws.maxAttempts must ...}, {@code gke retryAttempts must ...}): {@code toRelative}
   * rewrites such a message so that it starts with the key relative to this section ({@code maxAttempts
   * must ...}, {@code retry.attempts must ...}) before the key is looked up.
   */
  <T> T build(Supplier<T> make, Function<String, String> toRelative) {
    try {
      return make.get();
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw rejected(toRelative.apply(String.valueOf(e.getMessage())));
    }
  }

  private static final Pattern LEADING_KEY =
      Pattern.compile("^([A-Za-z][A-Za-z0-9]*(?:\\[\\d{1,6}\\])?(?:\\.[A-Za-z][A-Za-z0-9]*(?:\\[\\d{1,6}\\])?)*):?\\s+(\\S.*)$", Pattern.DOTALL);

  private ConfigException rejected(String message) {
    Matcher m = LEADING_KEY.matcher(message);
    if (m.matches() && resolves(schema, m.group(1))) {
      return new ConfigException(join(path, m.group(1)), sentence(m.group(2)));
    }
    return new ConfigException(path, sentence(message));
  }

  /** Whether {@code relative} ({@code metrics.p99Threshold}, {@code rules[0].name}) is a key under {@code k}. */
  private static boolean resolves(Schema.Key k, String relative) {
    for (String part : relative.split("\\.")) {
      int bracket = part.indexOf('[');
      Schema.Key c = k.child(bracket < 0 ? part : part.substring(0, bracket));
      if (c == null || (bracket >= 0) != c.isList()) {
        return false;
      }
      k = c;
    }
    return true;
  }

  /**
   * For {@link #string}-style checks that delegate to a health check's own validation: runs {@code probe}
   * and returns its refusal (without a leading {@code field}, which the key path already names), or null.
   */
  static String rejection(String field, Runnable probe) {
    try {
      probe.run();
      return null;
    } catch (IllegalArgumentException e) {
      String msg = String.valueOf(e.getMessage());
      for (String prefix : List.of(field + ": ", field + " ")) {
        if (msg.startsWith(prefix) && msg.length() > prefix.length()) {
          return sentence(msg.substring(prefix.length()));
        }
      }
      return sentence(msg);
    }
  }

  boolean bool(String key, boolean dflt) {
    JsonNode v = raw(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new ConfigException(keyPath(key), "expected true or false, got " + describe(v));
    }
    return v.booleanValue();
  }

  int integer(String key, int min, int max, int dflt) {
    JsonNode v = raw(key);
    if (v == null) {
      return dflt;
    }
    String range = min + ".." + max;
    if (!v.isIntegralNumber()) {
      throw new ConfigException(keyPath(key), "expected an integer in " + range + ", got " + describe(v));
    }
    BigInteger b = v.bigIntegerValue();
    if (b.compareTo(BigInteger.valueOf(min)) < 0) {
      throw new ConfigException(
          keyPath(key), "expected an integer >= " + min + (min == 0 ? "" : " (range " + range + ")") + ", got " + b);
    }
    if (b.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new ConfigException(keyPath(key), "expected an integer <= " + max + " (range " + range + "), got " + limit(b));
    }
    return b.intValueExact();
  }

  /** A duration within [min, max]; min ZERO allows {@code 0s}, anything else must be at least min. */
  Duration duration(String key, Duration min, Duration max, Duration dflt) {
    JsonNode v = raw(key);
    if (v == null) {
      return dflt;
    }
    if (v.isNumber()) {
      throw new ConfigException(
          keyPath(key),
          "expected " + Durations.EXPECTED + ", got " + describe(v) + " (a bare number has no unit; write e.g. "
              + v.asText() + "s)");
    }
    if (!v.isTextual()) {
      throw new ConfigException(keyPath(key), "expected " + Durations.EXPECTED + ", got " + describe(v));
    }
    String text = v.textValue().strip();
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      // Our own words rather than the parser's: the value is shown shortened and escaped.
      throw new ConfigException(
          keyPath(key),
          text.startsWith("-")
              ? "a duration cannot be negative, got '" + printable(text) + "'"
              : "expected " + Durations.EXPECTED + ", got '" + printable(text) + "'");
    }
    if (d.isZero() && !min.isZero()) {
      throw new ConfigException(
          keyPath(key), "expected a positive duration (at least " + Durations.format(min) + "), got '" + printable(v.textValue()) + "'");
    }
    if (d.compareTo(min) < 0) {
      throw new ConfigException(
          keyPath(key), "expected at least " + Durations.format(min) + ", got '" + printable(v.textValue()) + "'");
    }
    if (d.compareTo(max) > 0) {
      throw new ConfigException(
          keyPath(key), "expected at most " + Durations.format(max) + ", got '" + printable(v.textValue()) + "'");
    }
    return d;
  }

  /**
   * A string, checked by {@code check}, which returns an error sentence or null when the value is fine.
   */
  Optional<String> string(String key, Function<String, String> check) {
    JsonNode v = raw(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      String hint =
          v.isBoolean()
              ? " (unquoted yes/no/on/off/true/false are booleans in YAML: quote the value)"
              : v.isNumber() ? " (quote the value to make it a string)" : "";
      throw new ConfigException(keyPath(key), "expected a string, got " + describe(v) + hint);
    }
    String s = v.textValue();
    String problem = check.apply(s);
    if (problem != null) {
      throw new ConfigException(keyPath(key), problem);
    }
    return Optional.of(s);
  }

  /**
   * One constant of {@code type}, written in any case, with dashes or underscores ({@code
   * zone-round-robin}, {@code ZONE_ROUND_ROBIN}, {@code zoneRoundRobin}).
   */
  <E extends Enum<E>> E enumValue(String key, Class<E> type, E dflt) {
    JsonNode v = raw(key);
    if (v == null) {
      return dflt;
    }
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(kebab(e));
    }
    if (!v.isTextual()) {
      throw new ConfigException(keyPath(key), "expected one of " + String.join(", ", names) + ", got " + describe(v));
    }
    E e = matchEnum(v.textValue(), type);
    if (e == null) {
      String suggestion = Suggest.closest(v.textValue(), names).map(s -> " (did you mean '" + s + "'?)").orElse("");
      throw new ConfigException(
          keyPath(key),
          "expected one of " + String.join(", ", names) + ", got '" + printable(v.textValue()) + "'" + suggestion);
    }
    return e;
  }

  static <E extends Enum<E>> E matchEnum(String text, Class<E> type) {
    String want = Suggest.normalize(text);
    for (E e : type.getEnumConstants()) {
      if (Suggest.normalize(e.name()).equals(want)) {
        return e;
      }
    }
    return null;
  }

  static String kebab(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every key present in the document was read: otherwise a declared key would be silently ignored. */
  void finish() {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String k = names.next();
      if (!read.contains(k)) {
        throw new IllegalStateException("bug: " + keyPath(k) + " is declared in Schema but never read");
      }
    }
  }

  private Schema.Key declared(String key) {
    Schema.Key k = schema.child(key);
    if (k == null) {
      throw new IllegalStateException("bug: " + keyPath(key) + " is read but not declared in Schema");
    }
    return k;
  }

  /** How a value looks in an error message: its type and, for scalars, the value itself (shortened). */
  static String describe(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "nothing (null)";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    if (v.isTextual()) {
      return "string '" + printable(v.textValue()) + "'";
    }
    if (v.isBoolean()) {
      return "boolean " + v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return "integer " + limit(v.bigIntegerValue());
    }
    if (v.isBigDecimal()) {
      return "number " + SafeYaml.limit(v.decimalValue().toPlainString(), 40);
    }
    if (v.isNumber()) {
      return "number " + SafeYaml.limit(v.asText(), 40);
    }
    return v.getNodeType().toString().toLowerCase(Locale.ROOT);
  }

  private static String limit(BigInteger b) {
    return SafeYaml.limit(b.toString(), 40);
  }

  /** Shortened, with control characters escaped, so a value can never break the one-line message. */
  static String printable(String s) {
    return escape(s, 80);
  }

  /** A whole sentence (from our own code) made safe for a one-line message. */
  static String sentence(String s) {
    return escape(s, 400);
  }

  private static String escape(String s, int max) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return i < s.length() ? b + "..." : b.toString();
  }
}
