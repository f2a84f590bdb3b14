package dev.rotator.kubernetes;

import dev.rotator.core.port.ClusterException;
import dev.rotator.core.port.ClusterException.Kind;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Utils;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Builds the fabric8 clients rotator uses, with settings an unattended tool needs:
 *
 * <ul>
 *   <li>fabric8's own HTTP retries are off ({@code requestRetryBackoffLimit = 0}): otherwise a 429 from
 *       the Eviction API is retried inside the HTTP layer for ~19 s and the engine's backoff, drain
 *       timeout and evidence all lie. rotator owns every retry;
 *   <li>bounded connect and request timeouts, so a hung API server turns into a retryable failure;
 *   <li>User-Agent {@code rotator/<version>}, so audit logs show who evicted what;
 *   <li>TLS verification is never disabled: a kubeconfig asking for {@code insecure-skip-tls-verify} is
 *       refused, and plain http is accepted only for a loopback address (the simulator).
 * </ul>
 *
 * Configuration problems are {@link ClusterException} of kind PERMANENT naming the file at fault, raised
 * before anything touches a cluster.
 */
public final class KubeClients {

  /** Connect timeout: an API server that does not accept a TCP connection in this time is unreachable. */
  public static final int CONNECT_TIMEOUT_MS = 10_000;

  /** Per-request timeout (LIST of all nodes in a large cluster included). */
  public static final int REQUEST_TIMEOUT_MS = 30_000;

  private KubeClients() {}

  /**
   * A client for a real cluster.
   *
   * @param kubeconfig an explicit kubeconfig file; empty = what fabric8 and kubectl do ($KUBECONFIG,
   *     else ~/.kube/config, else the in-cluster service account)
   * @param context a kubeconfig context; empty = the file's current-context. A context that the file does
   *     not define is an error (fabric8 would silently fall back to the current context, i.e. possibly
   *     another cluster).
   */
  public static KubernetesClient create(Optional<Path> kubeconfig, Optional<String> context) {
    Config config =
        kubeconfig.isPresent()
            ? fromFile(kubeconfig.get(), context.orElse(null))
            : autoConfigured(context.orElse(null));
    return build(config);
  }

  /**
   * A client for an API server at a known URL with no credentials: the simulator on loopback. Plain http
   * is refused for any host that is not a loopback address.
   */
  public static KubernetesClient forUrl(String masterUrl) {
    Config config = Config.empty();
    config.setMasterUrl(masterUrl);
    checkTransport(masterUrl, false, "master URL " + masterUrl);
    return build(config);
  }

  /** The User-Agent rotator sends. */
  public static String userAgent() {
    return "rotator/" + version();
  }

  static String version() {
    try (InputStream in = KubeClients.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "dev");
      // Unfiltered (running from an IDE without Maven resources processing).
      return v.startsWith("${") ? "dev" : v;
    } catch (IOException e) {
      return "dev";
    }
  }

  private static KubernetesClient build(Config config) {
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout(CONNECT_TIMEOUT_MS);
    config.setRequestTimeout(REQUEST_TIMEOUT_MS);
    config.setUserAgent(userAgent());
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static Config fromFile(Path file, String context) {
    String source = "kubeconfig " + file;
    if (!Files.isRegularFile(file)) {
      throw new ClusterException(
          Kind.PERMANENT, source + " does not exist or is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new ClusterException(Kind.PERMANENT, source + " is not readable");
    }
    Config config;
    try {
      config = Config.fromKubeconfig(context, file.toFile());
    } catch (RuntimeException e) {
      throw new ClusterException(
          Kind.PERMANENT, source + " is not a valid kubeconfig: " + rootMessage(e), e);
    }
    checkContext(config, context, source);
    checkTransport(config.getMasterUrl(), config.isTrustCerts(), source + contextSuffix(config));
    return config;
  }

  private static Config autoConfigured(String context) {
    List<File> files = existingDefaultKubeconfigs();
    String source =
        files.isEmpty()
            ? "in-cluster service account"
            : "kubeconfig "
                + files.stream().map(File::getPath).collect(Collectors.joining(File.pathSeparator));
    if (files.isEmpty() && Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_SERVICE_HOST_PROPERTY) == null) {
      // fabric8 would fall back to https://kubernetes.default.svc and fail later with a DNS error.
      throw new ClusterException(
          Kind.PERMANENT,
          "no kubeconfig found (looked at "
              + String.join(File.pathSeparator, Config.getKubeconfigFilenames())
              + ") and not running inside a cluster (KUBERNETES_SERVICE_HOST unset); pass --kubeconfig");
    }
    Config config;
    try {
      config = Config.autoConfigure(context);
    } catch (RuntimeException e) {
      throw new ClusterException(
          Kind.PERMANENT, source + " is not a valid kubeconfig: " + rootMessage(e), e);
    }
    if (!files.isEmpty()) {
      checkContext(config, context, source);
    } else if (context != null) {
      throw new ClusterException(
          Kind.PERMANENT,
          "--context " + context + " given but there is no kubeconfig (in-cluster service account in use)");
    }
    checkTransport(config.getMasterUrl(), config.isTrustCerts(), source + contextSuffix(config));
    return config;
  }

  private static List<File> existingDefaultKubeconfigs() {
    Collection<String> names = Config.getKubeconfigFilenames();
    return names.stream().map(File::new).filter(File::isFile).collect(Collectors.toList());
  }

  private static void checkContext(Config config, String wanted, String source) {
    List<String> available =
        config.getContexts() == null
            ? List.of()
            : config.getContexts().stream().map(c -> c.getName()).collect(Collectors.toList());
    String current = config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
    if (wanted != null && !wanted.equals(current)) {
      throw new ClusterException(
          Kind.PERMANENT,
          source + " has no context '" + wanted + "' (contexts there: " + String.join(", ", available) + ")");
    }
    if (current == null) {
      throw new ClusterException(
          Kind.PERMANENT,
          source
              + " selects no usable context (no current-context"
              + (available.isEmpty() ? ", no contexts" : "; contexts there: " + String.join(", ", available))
              + "); pass --context");
    }
  }

  private static String contextSuffix(Config config) {
    return config.getCurrentContext() == null ? "" : " (context " + config.getCurrentContext().getName() + ")";
  }

  /** Refuses disabled TLS verification, and plain http except to loopback. */
  static void checkTransport(String masterUrl, boolean trustCerts, String source) {
    if (trustCerts) {
      throw new ClusterException(
          Kind.PERMANENT,
          source
              + " disables TLS verification (insecure-skip-tls-verify); rotator refuses to drain a cluster"
              + " it cannot authenticate: configure certificate-authority(-data) instead");
    }
    URI uri;
    try {
      uri = new URI(masterUrl == null ? "" : masterUrl);
    } catch (URISyntaxException e) {
      throw new ClusterException(Kind.PERMANENT, source + ": server URL '" + masterUrl + "' is not a URL", e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")) {
      return;
    }
    if (scheme.equals("http") && isLoopback(uri.getHost())) {
      return;
    }
    throw new ClusterException(
        Kind.PERMANENT,
        source
            + ": server URL '"
            + masterUrl
            + "' must be https (plain http is accepted only on a loopback address)");
  }

  private static boolean isLoopback(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // Only literal addresses count (no DNS lookup): a name other than localhost could resolve anywhere.
    boolean ipv4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean ipv6 = h.contains(":") && h.matches("[0-9a-fA-F:.]+");
    if (!ipv4 && !ipv6) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    // Jackson messages can carry a long source excerpt; the first line names the problem.
    int nl = m.indexOf('\n');
    return nl > 0 ? m.substring(0, nl) : m;
  }
}
