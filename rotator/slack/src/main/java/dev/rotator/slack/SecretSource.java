package dev.rotator.slack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where a secret comes from: an environment variable or a file (a Kubernetes Secret mounted as a volume).
 * rotator.yaml names the place, never the value.
 *
 * @param kind ENV or FILE
 * @param name the variable's name or the file's path
 */
public record SecretSource(Kind kind, String name) {

  /** The two places a secret may come from. */
  public enum Kind {
    ENV,
    FILE
  }

  /** Files larger than this are not a token. */
  static final int MAX_FILE_BYTES = 16 * 1024;

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
  /** Slack tokens (xoxb-, xoxp-, xapp-, ...) and 32-hex signing secrets. */
  private static final Pattern TOKEN_LIKE =
      Pattern.compile("(?i)(xox[abposre]|xapp)-[A-Za-z0-9-]{6,}|[0-9a-f]{32}");

  public SecretSource {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    String problem = kind == Kind.ENV ? envNameProblem(name) : fileProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  public static SecretSource env(String name) {
    return new SecretSource(Kind.ENV, name);
  }

  public static SecretSource file(String path) {
    return new SecretSource(Kind.FILE, path);
  }

  /** Whether a configured value looks like a Slack token or signing secret itself rather than a name. */
  public static boolean looksLikeSecret(String value) {
    return value != null && TOKEN_LIKE.matcher(value.strip()).find();
  }

  /** Null when {@code name} is a usable environment variable name, else the problem (never echoing a secret). */
  public static String envNameProblem(String name) {
    if (looksLikeSecret(name)) {
      return "looks like a Slack token or signing secret itself; secrets are never written in rotator.yaml:"
          + " put it in an environment variable (or a file from a Kubernetes Secret) and give its name here";
    }
    if (!ENV_NAME.matcher(name).matches()) {
      return "expected an environment variable name (letters, digits, '_', not starting with a digit),"
          + " e.g. SLACK_BOT_TOKEN";
    }
    return null;
  }

  /** Null when {@code path} is a usable file path, else the problem. */
  public static String fileProblem(String path) {
    if (looksLikeSecret(path)) {
      return "looks like a Slack token or signing secret itself; secrets are never written in rotator.yaml:"
          + " mount it as a file (a Kubernetes Secret) and give the file's path here";
    }
    if (path.isBlank() || path.length() > 4096 || path.indexOf('\0') >= 0) {
      return "expected a file path such as /var/run/secrets/slack/bot-token";
    }
    return null;
  }

  /**
   * Reads the secret.
   *
   * @param env the environment ({@code System::getenv} in production)
   * @throws IllegalStateException naming the variable or file (never the value) when it is unset, empty
   *     or unreadable
   */
  public Secret resolve(Function<String, String> env) {
    String where = describe();
    String value;
    if (kind == Kind.ENV) {
      value = env.apply(name);
      if (value == null || value.isBlank()) {
        throw new IllegalStateException(where + " is not set (or empty)");
      }
    } else {
      Path p = Path.of(name);
      try {
        if (!Files.isRegularFile(p)) {
          throw new IllegalStateException(where + " does not exist or is not a file");
        }
        if (Files.size(p) > MAX_FILE_BYTES) {
          throw new IllegalStateException(where + " is larger than " + MAX_FILE_BYTES + " bytes: not a token");
        }
        value = Files.readString(p, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(where + " cannot be read: " + e.getClass().getSimpleName());
      }
      if (value.isBlank()) {
        throw new IllegalStateException(where + " is empty");
      }
    }
    return Secret.of(value, where);
  }

  /** {@code environment variable SLACK_BOT_TOKEN} or {@code file /path}. */
  public String describe() {
    return (kind == Kind.ENV ? "environment variable " : "file ") + name;
  }
}
