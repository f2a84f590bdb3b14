package dev.rotator.core.model;

/** A node taint: key, value (may be empty) and effect (NoSchedule, PreferNoSchedule, NoExecute). */
public record Taint(String key, String value, String effect) {
  public Taint {
    value = value == null ? "" : value;
  }
}
