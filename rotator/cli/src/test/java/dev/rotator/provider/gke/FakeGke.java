package dev.rotator.provider.gke;

import com.google.container.v1.UpdateNodePoolRequest;
import dev.rotator.core.port.Clock;
import io.grpc.Status;
import java.io.IOException;
import java.util.List;

/**
 * Public access to providers/gke's package-private {@link FakeGcp} (from its test-jar) for rotator-cli's tests:
 * the same fake, the same real Google clients, nothing re-implemented. Lives in FakeGcp's package because
 * FakeGcp and its setup methods are package-private there.
 */
public final class FakeGke implements AutoCloseable {
  private final FakeGcp gcp;
  private final GkeSettings settings;

  public FakeGke(String masterVersion) throws IOException {
    gcp = new FakeGcp();
    gcp.masterVersion = masterVersion;
    settings = gcp.settings();
  }

  /** A pool with two zones, {@code perZone} instances each. */
  public void addPool(String name, String version, int perZone) {
    gcp.addPool(name, version, perZone, "europe-west1-b", "europe-west1-c");
  }

  public GkeSettings settings() {
    return settings;
  }

  public GkeCloudProvider provider(Clock clock) {
    return gcp.provider(settings, clock);
  }

  public GkeNativeUpgrade nativeUpgrade(Clock clock) {
    return new GkeNativeUpgrade(settings, gcp.clients(settings), clock);
  }

  public String version(String pool) {
    return gcp.pool(pool).version;
  }

  public void setVersion(String pool, String version) {
    gcp.pool(pool).version = version;
  }

  public long count(String method) {
    return gcp.count(method);
  }

  public List<String> calls() {
    return gcp.calls();
  }

  /** Pool names of the UpdateNodePool requests, in order. */
  public List<String> updatedPools() {
    return gcp.requests(UpdateNodePoolRequest.class).stream()
        .map(r -> r.getName().substring(r.getName().lastIndexOf('/') + 1)).toList();
  }

  /** The next operation {@code method} starts ends with this error (e.g. "upgradeNodePool"). */
  public void failNextOperation(String method, Status.Code code, String message) {
    gcp.failNextOperation(method, code, message);
  }

  @Override
  public void close() {
    gcp.close();
  }
}
