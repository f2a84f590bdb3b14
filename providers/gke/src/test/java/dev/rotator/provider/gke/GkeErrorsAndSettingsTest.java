package dev.rotator.provider.gke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.gax.rpc.StatusCode.Code;
import dev.rotator.provider.CloudException.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GkeErrorsAndSettingsTest {

  @Test
  @DisplayName("status codes map to kinds: transient → RETRYABLE, rate limits → RETRYABLE, quotas → QUOTA, rest → PERMANENT")
  void kinds() {
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.UNAVAILABLE, "backend"));
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.DEADLINE_EXCEEDED, ""));
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.INTERNAL, ""));
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.RESOURCE_EXHAUSTED,
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'"));
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.RESOURCE_EXHAUSTED, "Too many requests"));
    assertEquals(Kind.QUOTA, GkeErrors.kind(Code.RESOURCE_EXHAUSTED, "Insufficient regional quota: CPUS"));
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.PERMISSION_DENIED, "Rate Limit Exceeded"));
    assertEquals(Kind.QUOTA, GkeErrors.kind(Code.PERMISSION_DENIED, "Quota 'CPUS' exceeded. Limit: 24.0"));
    assertEquals(Kind.PERMANENT, GkeErrors.kind(Code.PERMISSION_DENIED, "Required 'container.clusters.update'"));
    assertEquals(Kind.PERMANENT, GkeErrors.kind(Code.UNAUTHENTICATED, ""));
    assertEquals(Kind.PERMANENT, GkeErrors.kind(Code.INVALID_ARGUMENT, ""));
    assertEquals(Kind.PERMANENT, GkeErrors.kind(Code.NOT_FOUND, "Node pool not found"));
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(Code.FAILED_PRECONDITION,
        "Cluster is running incompatible operation operation-1"));
    assertEquals(Kind.PERMANENT, GkeErrors.kind(Code.FAILED_PRECONDITION, "node pool is not soaking"));
    assertEquals(Kind.QUOTA, GkeErrors.kind(8, "Insufficient quota"), "numeric gRPC code 8 = RESOURCE_EXHAUSTED");
    assertEquals(Kind.RETRYABLE, GkeErrors.kind(14, "unavailable"), "numeric gRPC code 14 = UNAVAILABLE");
    assertEquals(Kind.QUOTA, GkeErrors.computeOperationKind("ZONE_RESOURCE_POOL_EXHAUSTED", 503));
    assertEquals(Kind.QUOTA, GkeErrors.computeOperationKind("QUOTA_EXCEEDED", 403));
    assertEquals(Kind.RETRYABLE, GkeErrors.computeOperationKind("INTERNAL_ERROR", 500));
    assertEquals(Kind.PERMANENT, GkeErrors.computeOperationKind("RESOURCE_NOT_FOUND", 404));
  }

  @Test
  @DisplayName("settings: coordinates are required, the location is a zone or a region, bounds are checked")
  void settings() {
    GkeSettings d = GkeSettings.defaults("p", "europe-west1", "c");
    assertTrue(d.regional());
    assertFalse(GkeSettings.defaults("p", "europe-west1-b", "c").regional());
    assertEquals("projects/p/locations/europe-west1/clusters/c/nodePools/np", d.poolName("np"));
    assertEquals("projects/p/locations/europe-west1/operations/op-1", d.operationName("op-1"));
    assertTrue(d.manages("anything"));
    assertFalse(d.withNodePools(List.of("a")).manages("b"));
    assertThrows(IllegalArgumentException.class, () -> GkeSettings.defaults("", "europe-west1", "c"));
    assertThrows(IllegalArgumentException.class, () -> GkeSettings.defaults("p", "Europe West", "c"));
    assertThrows(IllegalArgumentException.class, () -> d.withNodePools(List.of("Bad_Pool")));
    assertThrows(IllegalArgumentException.class, () -> d.withTargetVersion("latest-ish"));
    assertThrows(IllegalArgumentException.class, () -> d.withMaxPoolSize(-1));
    assertThrows(IllegalArgumentException.class, () -> d.withRetry(0, Duration.ofMillis(1), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> d.withRetry(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> d.withOperations(Duration.ZERO, Duration.ofSeconds(1)));
  }

  @Test
  @DisplayName("MIG URLs parse into project/zone/name; an instance belongs to a MIG by zone and name prefix")
  void migRefs() {
    MigRef m = MigRef.parse("https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b/"
        + "instanceGroupManagers/gke-prod-default-pool-1a2b3c4d-grp").orElseThrow();
    assertEquals(new MigRef("p", "europe-west1-b", "gke-prod-default-pool-1a2b3c4d-grp"), m);
    assertEquals("europe-west1", m.region());
    assertTrue(m.owns("europe-west1-b", "gke-prod-default-pool-1a2b3c4d-x7k2"));
    assertFalse(m.owns("europe-west1-c", "gke-prod-default-pool-1a2b3c4d-x7k2"));
    assertFalse(m.owns("europe-west1-b", "gke-prod-default-pool-1a2b3c4d-"));
    assertFalse(m.owns("europe-west1-b", "gke-prod-default-pool-1a2b3c4d-grp-x"));
    assertEquals(Optional.empty(), MigRef.parse("not a url"));
    assertTrue(MigRef.parse("projects/p/zones/z-a1-b/instanceGroups/gke-x-grp").isPresent(),
        "instanceGroups URLs (older clusters) too");
  }
}
