package dev.rotator.observability.log;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.event.Level;

/**
 * What rotator's SLF4J provider writes: the format (text or JSON lines), the level per logger-name prefix, and
 * where to (stderr by default). Read at every log call, so a command can switch the format after loggers exist
 * ({@code --log-format json}).
 *
 * <p>Levels: the longest configured prefix of the logger's name wins ({@code dev.rotator} covers {@code
 * dev.rotator.core.engine.RotationEngine}); the root default is WARN (libraries stay quiet), {@code dev.rotator}
 * and {@code rotator.alerts} are INFO.
 */
public final class LogConfig {
  /** Log line formats. */
  public enum Format {
    TEXT,
    JSON
  }

  private static volatile Format format = Format.TEXT;
  private static volatile Supplier<PrintStream> out = () -> System.err;
  private static final Map<String, Level> LEVELS = new ConcurrentHashMap<>();
  private static volatile Level rootLevel = Level.WARN;

  static {
    defaults();
  }

  private LogConfig() {}

  /** Back to the defaults: text, WARN, {@code dev.rotator} and {@code rotator.alerts} INFO, stderr. */
  public static void defaults() {
    format = Format.TEXT;
    out = () -> System.err;
    LEVELS.clear();
    rootLevel = Level.WARN;
    LEVELS.put("dev.rotator", Level.INFO);
    LEVELS.put("rotator.alerts", Level.INFO);
  }

  public static void format(Format f) {
    format = f;
  }

  public static Format format() {
    return format;
  }

  /** Sets the level of every logger whose name is {@code prefix} or starts with {@code prefix.}. */
  public static void level(String prefix, Level level) {
    LEVELS.put(prefix, level);
  }

  /** Where lines go; tests capture them here. */
  public static void output(Supplier<PrintStream> target) {
    out = target;
  }

  static PrintStream out() {
    return out.get();
  }

  /** The effective level of a logger name. */
  static Level levelOf(String name) {
    String n = name;
    while (true) {
      Level l = LEVELS.get(n);
      if (l != null) {
        return l;
      }
      int dot = n.lastIndexOf('.');
      if (dot < 0) {
        return rootLevel;
      }
      n = n.substring(0, dot);
    }
  }

  static boolean enabled(String name, Level level) {
    // SLF4J's Level: ERROR(40) ... TRACE(0); enabled when at or above the threshold.
    return level.toInt() >= levelOf(name).toInt();
  }

  /** {@code text}/{@code json} in any case; null when neither. */
  public static Format parse(String s) {
    try {
      return Format.valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
