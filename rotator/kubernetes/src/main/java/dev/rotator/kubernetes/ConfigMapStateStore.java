package dev.rotator.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.rotator.core.engine.RotationProgress;
import dev.rotator.core.port.Clock;
import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import dev.rotator.core.port.Mode;
import dev.rotator.core.port.ModeState;
import dev.rotator.core.port.StateStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The mode and the rotation's progress in one ConfigMap ({@code rotator-system/rotator-state} by
 * default), so that every rotator (CLI, CronJob, Slack bot) and every human with kubectl sees the same
 * truth.
 *
 * <p>Data keys: {@code mode} (ROTATE|FREEZE), {@code reason}, {@code message}, {@code evidence} (a JSON
 * array of strings), {@code by}, {@code at} (ISO-8601, from the injected clock), {@code progress} (JSON of
 * {@link RotationProgress}).
 *
 * <p>Writes are optimistic: read, change, replace with the resourceVersion that was read; a 409 means
 * another writer got in between, so read again and re-apply the change (at most {@value #MAX_ATTEMPTS}
 * attempts). A missing ConfigMap is created (a 409 AlreadyExists is the same race). A missing ConfigMap
 * reads as {@link ModeState#initial()}; one whose mode keys cannot be read throws PERMANENT, which the
 * engine treats as frozen.
 */
public final class ConfigMapStateStore implements StateStore {

  public static final String DEFAULT_NAMESPACE = "rotator-system";
  public static final String DEFAULT_NAME = "rotator-state";

  public static final String KEY_MODE = "mode";
  public static final String KEY_REASON = "reason";
  public static final String KEY_MESSAGE = "message";
  public static final String KEY_EVIDENCE = "evidence";
  public static final String KEY_BY = "by";
  public static final String KEY_AT = "at";
  public static final String KEY_PROGRESS = "progress";
  /** JSON of the node-pool switch record ({@link dev.rotator.core.pool.PoolSwitchRecord}). */
  public static final String KEY_POOL_SWITCH = "poolSwitch";

  static final int MAX_ATTEMPTS = 5;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          // A newer rotator may add fields; an older one reading the record must not call it corrupt.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  private final KubernetesClient client;
  private final Clock clock;
  private final String namespace;
  private final String name;

  public ConfigMapStateStore(KubernetesClient client, Clock clock) {
    this(client, clock, DEFAULT_NAMESPACE, DEFAULT_NAME);
  }

  public ConfigMapStateStore(KubernetesClient client, Clock clock, String namespace, String name) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.name = Objects.requireNonNull(name, "name");
  }

  /** {@code namespace/name} of the ConfigMap. */
  public String location() {
    return namespace + "/" + name;
  }

  @Override
  public ModeState mode() {
    ConfigMap cm = read();
    return cm == null ? ModeState.initial() : parseMode(dataOf(cm));
  }

  @Override
  public ModeState freeze(String reason, String message, List<String> evidence, String by) {
    return write(
        "freeze",
        data -> {
          ModeState current;
          try {
            current = data.containsKey(KEY_MODE) ? parseMode(data) : ModeState.initial();
          } catch (ClusterException corrupt) {
            // Freezing is the safe direction: it may overwrite mode keys nobody can read.
            current = ModeState.initial();
          }
          if (current.frozen()) {
            return new Change<>(false, current);
          }
          ModeState next = new ModeState(Mode.FREEZE, reason, message, evidence, by, clock.now());
          putMode(data, next);
          return new Change<>(true, next);
        });
  }

  @Override
  public ModeState resume(String by) {
    return write(
        "resume",
        data -> {
          // Resume is the human's explicit override and also the way to repair unreadable mode keys.
          ModeState next = new ModeState(Mode.ROTATE, "", "resumed by " + by, List.of(), by, clock.now());
          putMode(data, next);
          return new Change<>(true, next);
        });
  }

  @Override
  public void saveProgress(RotationProgress progress) {
    String json;
    try {
      json = JSON.writeValueAsString(progress);
    } catch (JsonProcessingException e) {
      throw new ClusterException(Kind.PERMANENT, "cannot serialize rotation progress: " + e.getMessage(), e);
    }
    write(
        "save progress",
        data -> {
          data.put(KEY_PROGRESS, json);
          return new Change<>(true, null);
        });
  }

  @Override
  public Optional<RotationProgress> progress() {
    ConfigMap cm = read();
    if (cm == null) {
      return Optional.empty();
    }
    String json = dataOf(cm).get(KEY_PROGRESS);
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(json, RotationProgress.class));
    } catch (JsonProcessingException | RuntimeException e) {
      throw corrupt(KEY_PROGRESS, "is not a rotation progress record: " + firstLine(e.getMessage()), e);
    }
  }

  @Override
  public void savePoolSwitch(dev.rotator.core.pool.PoolSwitchRecord record) {
    String json;
    try {
      json = JSON.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new ClusterException(Kind.PERMANENT, "cannot serialize the pool switch record: " + e.getMessage(), e);
    }
    write(
        "save pool switch",
        data -> {
          data.put(KEY_POOL_SWITCH, json);
          return new Change<>(true, null);
        });
  }

  @Override
  public Optional<dev.rotator.core.pool.PoolSwitchRecord> poolSwitch() {
    ConfigMap cm = read();
    String json = cm == null ? null : dataOf(cm).get(KEY_POOL_SWITCH);
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(json, dev.rotator.core.pool.PoolSwitchRecord.class));
    } catch (JsonProcessingException | RuntimeException e) {
      throw corrupt(KEY_POOL_SWITCH, "is not a pool switch record: " + firstLine(e.getMessage()), e);
    }
  }

  // ---- internals

  /** What a change did: whether to write, and what to return. */
  private record Change<T>(boolean write, T result) {}

  private <T> T write(String what, Function<Map<String, String>, Change<T>> change) {
    KubernetesClientException lastConflict = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      ConfigMap current = read();
      Map<String, String> data = current == null ? initialData() : new LinkedHashMap<>(dataOf(current));
      Change<T> c = change.apply(data);
      if (!c.write()) {
        return c.result();
      }
      try {
        if (current == null) {
          client.configMaps().inNamespace(namespace).resource(newConfigMap(data)).create();
        } else {
          // Same object as read, so the PUT carries the read resourceVersion: 409 if someone wrote since.
          current.setData(data);
          client.configMaps().inNamespace(namespace).resource(current).update();
        }
        return c.result();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          lastConflict = e;
          continue;
        }
        if (e.getCode() == 404) {
          // Creating into a namespace that does not exist: no retry will create it.
          throw new ClusterException(
              Kind.PERMANENT,
              what + ": cannot write ConfigMap " + location() + ": " + KubeErrors.describe(e)
                  + " (does namespace " + namespace + " exist? deploy/ creates it)",
              e);
        }
        throw KubeErrors.map(what + " in ConfigMap " + location(), e);
      } catch (RuntimeException e) {
        throw KubeErrors.map(what + " in ConfigMap " + location(), e);
      }
    }
    throw new ClusterException(
        Kind.RETRYABLE,
        what + ": ConfigMap " + location() + " still changing under us after " + MAX_ATTEMPTS + " attempts",
        lastConflict);
  }

  private ConfigMap read() {
    try {
      return client.configMaps().inNamespace(namespace).withName(name).get();
    } catch (RuntimeException e) {
      throw KubeErrors.map("read ConfigMap " + location(), e);
    }
  }

  private ConfigMap newConfigMap(Map<String, String> data) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels("app.kubernetes.io/name", "rotator")
        .addToLabels("app.kubernetes.io/component", "state")
        .endMetadata()
        .withData(data)
        .build();
  }

  private static Map<String, String> dataOf(ConfigMap cm) {
    return cm.getData() == null ? Map.of() : cm.getData();
  }

  private static Map<String, String> initialData() {
    Map<String, String> data = new LinkedHashMap<>();
    putMode(data, ModeState.initial());
    return data;
  }

  private static void putMode(Map<String, String> data, ModeState s) {
    data.put(KEY_MODE, s.mode().name());
    data.put(KEY_REASON, s.reason());
    data.put(KEY_MESSAGE, s.message());
    try {
      data.put(KEY_EVIDENCE, JSON.writeValueAsString(s.evidence()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a list of strings always serializes", e);
    }
    data.put(KEY_BY, s.by());
    data.put(KEY_AT, s.at() == null ? "" : s.at().toString());
  }

  private ModeState parseMode(Map<String, String> data) {
    String modeText = data.get(KEY_MODE);
    if (modeText == null) {
      // Every write puts the mode keys; their absence means someone else edited the ConfigMap.
      throw corrupt(KEY_MODE, "is missing", null);
    }
    Mode mode;
    try {
      mode = Mode.valueOf(modeText.trim());
    } catch (IllegalArgumentException e) {
      throw corrupt(KEY_MODE, "is '" + modeText + "', expected ROTATE or FREEZE", e);
    }
    List<String> evidence;
    String evidenceText = data.getOrDefault(KEY_EVIDENCE, "");
    try {
      evidence = evidenceText.isBlank() ? List.of() : JSON.readValue(evidenceText, STRINGS);
    } catch (JsonProcessingException e) {
      throw corrupt(KEY_EVIDENCE, "is not a JSON array of strings: " + firstLine(e.getMessage()), e);
    }
    Instant at = null;
    String atText = data.getOrDefault(KEY_AT, "");
    if (!atText.isBlank()) {
      try {
        at = Instant.parse(atText.trim());
      } catch (DateTimeParseException e) {
        throw corrupt(KEY_AT, "is '" + atText + "', expected an ISO-8601 instant", e);
      }
    }
    return new ModeState(
        mode, data.get(KEY_REASON), data.get(KEY_MESSAGE), evidence, data.get(KEY_BY), at);
  }

  private ClusterException corrupt(String key, String problem, Throwable cause) {
    return new ClusterException(
        Kind.PERMANENT,
        "ConfigMap " + location() + ": key '" + key + "' " + problem
            + (KEY_PROGRESS.equals(key) || KEY_POOL_SWITCH.equals(key)
                ? "; fix or delete the key (the next run writes a new record)"
                : "; fix it by hand, or run 'rotator resume' to rewrite the mode keys"),
        cause);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl > 0 ? s.substring(0, nl) : s;
  }
}
