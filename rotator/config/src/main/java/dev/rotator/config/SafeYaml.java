package dev.rotator.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads YAML written by people into a Jackson tree, refusing what has no place in a config file:
 *
 * <ul>
 *   <li>more than {@link #MAX_BYTES} bytes, or bytes that are not UTF-8;
 *   <li>aliases ({@code *name}): they are how "billion laughs" documents explode, and a config file that
 *       needs them is clearer written out;
 *   <li>explicit tags other than {@code !!str} ({@code !!binary}, {@code !custom});
 *   <li>duplicate keys (YAML parsers usually keep the last one silently);
 *   <li>more than one document, nesting deeper than {@link #MAX_DEPTH};
 *   <li>integers that are not plain decimal: {@code 010} is 8 and {@code 0x10} is 16 in YAML, never what
 *       an operator meant.
 * </ul>
 *
 * The tree is built here token by token (not with {@code readTree}) so that every refusal names the key
 * path where it happened.
 */
final class SafeYaml {
  /** 1 MiB: a rotator.yaml is a few hundred bytes; anything near this is a mistake or an attack. */
  static final int MAX_BYTES = 1 << 20;

  static final int MAX_DEPTH = 64;

  private static final String STR_TAG = "tag:yaml.org,2002:str";
  private static final Pattern DECIMAL = Pattern.compile("^-?(0|[1-9][0-9]*)$");
  private static final YAMLFactory FACTORY = factory();

  private SafeYaml() {}

  private static YAMLFactory factory() {
    LoaderOptions options = new LoaderOptions();
    // Defence in depth: our own reader refuses aliases and deep nesting before these matter.
    options.setCodePointLimit(MAX_BYTES + 1);
    options.setMaxAliasesForCollections(1);
    options.setNestingDepthLimit(MAX_DEPTH + 8);
    return YAMLFactory.builder()
        .loaderOptions(options)
        .streamReadConstraints(
            StreamReadConstraints.builder()
                // Above ours, so that our own check (which names the path) fires first.
                .maxNestingDepth(MAX_DEPTH + 8)
                .maxNumberLength(100)
                .maxStringLength(MAX_BYTES)
                .build())
        .build();
  }

  /** Reads a file, at most {@link #MAX_BYTES}; missing, unreadable and oversized files are refused. */
  static String readFile(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      // Read one byte more than allowed instead of trusting Files.size: pipes and /proc files lie.
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new ConfigException(ConfigException.ROOT, "file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException(
          ConfigException.ROOT, "cannot read " + file + ": " + e.getClass().getSimpleName() + oneLine(e.getMessage()));
    }
    if (bytes.length > MAX_BYTES) {
      throw tooLarge();
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(ConfigException.ROOT, "the file is not valid UTF-8");
    }
  }

  private static ConfigException tooLarge() {
    return new ConfigException(
        ConfigException.ROOT, "the document is larger than " + MAX_BYTES + " bytes (1 MiB); a rotator.yaml is a few KiB");
  }

  /**
   * Parses one YAML document. Returns a MissingNode for an empty document (only comments or nothing).
   */
  static JsonNode read(String yaml) {
    // chars <= UTF-8 bytes, so the cheap test first, then the exact one.
    if (yaml.length() > MAX_BYTES || yaml.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw tooLarge();
    }
    if (yaml.startsWith("\uFEFF")) {
      yaml = yaml.substring(1);
    }
    Builder b = new Builder();
    try (YAMLParser p = (YAMLParser) FACTORY.createParser(yaml)) {
      b.p = p;
      JsonToken t = p.nextToken();
      if (t == null) {
        return JsonNodeFactory.instance.missingNode();
      }
      JsonNode root = b.value(t, "", 0);
      if (p.nextToken() != null) {
        throw new ConfigException(
            ConfigException.ROOT,
            "more than one YAML document (a second '---' at line " + p.currentLocation().getLineNr() + "); write one");
      }
      if (root.isTextual() && root.textValue().isEmpty()) {
        return JsonNodeFactory.instance.missingNode(); // a lone '---'
      }
      return root;
    } catch (JsonProcessingException e) {
      throw syntax(b.path, e);
    } catch (IOException e) {
      throw new ConfigException(ConfigException.ROOT, "cannot read the YAML: " + oneLine(e.getMessage()));
    }
  }

  private static ConfigException syntax(String path, JsonProcessingException e) {
    JsonLocation loc = e.getLocation();
    String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    // SnakeYAML's messages quote the offending line with a caret over several lines; the first line of
    // each part says what is wrong, which is what belongs in a one-line error.
    String[] lines = msg.split("\n");
    StringBuilder problem = new StringBuilder();
    for (String line : lines) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("in 'reader'") || l.equals("^") || line.startsWith("    ")) {
        continue;
      }
      if (problem.length() > 0) {
        problem.append(": ");
      }
      problem.append(l);
    }
    String p = path.isEmpty() ? ConfigException.ROOT : path;
    return new ConfigException(p, "not valid YAML" + where + ": " + Section.sentence(problem.toString()));
  }

  static String oneLine(String s) {
    return s == null ? "" : ": " + limit(s.replaceAll("\\s+", " ").strip(), 300);
  }

  static String limit(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** Builds the tree; {@code path} is where it is, for errors. */
  private static final class Builder {
    YAMLParser p;
    String path = "";

    JsonNode value(JsonToken t, String at, int depth) throws IOException {
      path = at;
      if (depth > MAX_DEPTH) {
        throw new ConfigException(at, "nested deeper than " + MAX_DEPTH + " levels");
      }
      if (p.isCurrentAlias()) {
        throw new ConfigException(
            at, "YAML aliases (*" + p.getText() + ") are not allowed in this file: write the value out");
      }
      String tag = p.getTypeId();
      if (tag != null && !(STR_TAG.equals(tag) && t == JsonToken.VALUE_STRING)) {
        throw new ConfigException(
            at, "explicit YAML tags (" + limit(tag, 60) + ") are not allowed: quote a value to make it a string");
      }
      switch (t) {
        case START_OBJECT:
          return object(at, depth);
        case START_ARRAY:
          return array(at, depth);
        case VALUE_STRING:
          return JsonNodeFactory.instance.textNode(p.getText());
        case VALUE_NUMBER_INT:
          if (!DECIMAL.matcher(p.getText()).matches()) {
            throw new ConfigException(
                at, "write integers in plain decimal; YAML reads '" + limit(p.getText(), 40) + "' as " + p.getNumberValue()
                    + " (quote it if it is meant as a string)");
          }
          return JsonNodeFactory.instance.numberNode(p.getBigIntegerValue());
        case VALUE_NUMBER_FLOAT:
          String number = p.getText().replace("_", "");
          switch (number.toLowerCase(java.util.Locale.ROOT)) {
            case ".inf", "+.inf" -> {
              return JsonNodeFactory.instance.numberNode(Double.POSITIVE_INFINITY);
            }
            case "-.inf" -> {
              return JsonNodeFactory.instance.numberNode(Double.NEGATIVE_INFINITY);
            }
            case ".nan" -> {
              return JsonNodeFactory.instance.numberNode(Double.NaN);
            }
            default -> {
              // Kept exact, so that 0.1 stays 0.1; callers refuse what they cannot use.
              try {
                return JsonNodeFactory.instance.numberNode(new BigDecimal(number));
              } catch (NumberFormatException e) {
                throw new ConfigException(at, "not a number YAML can read: '" + limit(p.getText(), 40) + "'");
              }
            }
          }
        case VALUE_TRUE:
          return JsonNodeFactory.instance.booleanNode(true);
        case VALUE_FALSE:
          return JsonNodeFactory.instance.booleanNode(false);
        case VALUE_NULL:
          return JsonNodeFactory.instance.nullNode();
        default:
          throw new ConfigException(at, "unsupported YAML value (" + t + ")");
      }
    }

    private ObjectNode object(String at, int depth) throws IOException {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        String keyPath = at.isEmpty() ? key : at + "." + key;
        path = keyPath;
        if (o.has(key)) {
          throw new ConfigException(keyPath, "duplicate key (YAML would silently keep only the last one)");
        }
        o.set(key, value(p.nextToken(), keyPath, depth + 1));
        path = at;
      }
      if (t != JsonToken.END_OBJECT) {
        throw new ConfigException(at, "malformed mapping");
      }
      return o;
    }

    private ArrayNode array(String at, int depth) throws IOException {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw new ConfigException(at, "unterminated list");
        }
        a.add(value(t, at + "[" + a.size() + "]", depth + 1));
        path = at;
      }
      return a;
    }
  }
}
