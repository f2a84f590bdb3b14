package dev.rotator.config;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code rotator serve}: the leader-elected reconcile loop and its HTTP server.
 *
 * @param interval time between two bounded passes of the leader
 * @param listenHost address the HTTP server (/metrics, /healthz, /readyz) binds
 * @param listenPort its port (0: any free port, for tests)
 */
public record ServeSettings(Duration interval, String listenHost, int listenPort) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);
  public static final String DEFAULT_LISTEN = "0.0.0.0:8080";

  public ServeSettings {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(listenHost, "listenHost");
  }

  public static ServeSettings defaults() {
    return new ServeSettings(DEFAULT_INTERVAL, "0.0.0.0", 8080);
  }

  /** {@code host:port}, as written in rotator.yaml. */
  public String listen() {
    return (listenHost.contains(":") ? "[" + listenHost + "]" : listenHost) + ":" + listenPort;
  }
}
