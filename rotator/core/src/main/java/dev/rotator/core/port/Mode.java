package dev.rotator.core.port;

/** The two modes. FREEZE stops every disruptive action; only a human sets ROTATE again. */
public enum Mode {
  ROTATE,
  FREEZE
}
