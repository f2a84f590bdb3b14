package dev.rotator.provider;

import java.util.Objects;

/** A taint a pool puts on its nodes: key, value (may be empty), effect (NoSchedule, PreferNoSchedule, NoExecute). */
public record PoolTaint(String key, String value, String effect) {
  public PoolTaint {
    Objects.requireNonNull(key, "key");
    value = value == null ? "" : value;
    Objects.requireNonNull(effect, "effect");
  }

  @Override
  public String toString() {
    return key + (value.isEmpty() ? "" : "=" + value) + ":" + effect;
  }
}
