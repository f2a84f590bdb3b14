package dev.rotator.sim.api;

import dev.rotator.sim.cluster.PdbTracker;
import dev.rotator.sim.store.ClusterStore;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The simulated Kubernetes API on 127.0.0.1: fabric8's MockWebServer (Vert.x HTTP and WebSocket) as the
 * front end, our {@link ApiDispatcher} over the indexed {@link ClusterStore} behind it.
 */
public final class ApiServer implements AutoCloseable {
  // Held strongly: java.util.logging forgets the level of a logger nobody references.
  private static final Logger MOCK_LOG = Logger.getLogger(MockWebServer.class.getName());

  private final MockWebServer server = new MockWebServer();
  private final WatchHub watches;
  private final ApiDispatcher dispatcher;
  private final ApiStats stats;
  private final ApiFaults faults;
  /** In front of the server when connection resets may be injected; null otherwise. */
  private ResetProxy proxy;

  public ApiServer(ClusterStore store, ApiObserver observer, PdbTracker pdbs, String serverVersion) {
    this(store, observer, pdbs, serverVersion, new ApiFaults());
  }

  /** With the faults the injector switches (errors, latency). */
  public ApiServer(ClusterStore store, ApiObserver observer, PdbTracker pdbs, String serverVersion, ApiFaults faults) {
    this.stats = new ApiStats();
    this.watches = new WatchHub(store);
    store.addListener(watches);
    this.dispatcher = new ApiDispatcher(store, stats, observer, watches, pdbs, serverVersion, faults);
    this.faults = faults;
    faults.watchCloser(watches::dropAll);
    // MockWebServer logs every request at INFO; at thousands of requests per second that is the bottleneck.
    MOCK_LOG.setLevel(Level.WARNING);
    server.setDispatcher(dispatcher);
  }

  /** Starts listening on an ephemeral port on the loopback address. */
  public void start() {
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("no loopback address", e);
    }
    if (faults.connectionResetsPossible()) {
      proxy = new ResetProxy(faults, server.getPort());
    }
    dispatcher.serverAddress("127.0.0.1:" + port());
  }

  /** The port clients use: the connection-reset proxy's when there is one. */
  private int port() {
    return proxy != null ? proxy.port() : server.getPort();
  }

  /** Serves {@code endpoints} under {@link ControlEndpoints#PREFIX} from now on. */
  public void control(ControlEndpoints endpoints) {
    dispatcher.control(endpoints);
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public ApiStats stats() {
    return stats;
  }

  /** Open watch connections. */
  public int openWatches() {
    return watches.open();
  }

  /**
   * Drops MockWebServer's log of recorded requests, which otherwise grows by one entry (~4 KB) per request
   * for the life of the server.
   */
  public void dropRequestLog() {
    server.reset();
  }

  @Override
  public void close() {
    if (proxy != null) {
      proxy.close();
    }
    watches.close();
    server.shutdown();
  }
}
