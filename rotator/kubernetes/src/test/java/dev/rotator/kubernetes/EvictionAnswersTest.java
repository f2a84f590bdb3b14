package dev.rotator.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.EvictionResult.Outcome;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reading the Eviction API's answers")
class EvictionAnswersTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final PodRef POD = new PodRef("shop", "web-1");

  private static EvictionResult answer(int code, String body, String retryAfter) {
    return EvictionAnswers.interpret(POD, code, body, retryAfter, JSON);
  }

  @Test
  @DisplayName("a PDB refusal names the budget from the Status cause, qualified by the pod's namespace")
  void pdbNameFromCause() {
    String body =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"Cannot evict pod as it would violate the pod's disruption budget.\","
            + "\"reason\":\"TooManyRequests\",\"details\":{\"causes\":[{\"reason\":\"DisruptionBudget\","
            + "\"message\":\"The disruption budget web-pdb.v2 needs 2 healthy pods and has 2 currently\"}]},"
            + "\"code\":429}";

    EvictionResult r = answer(429, body, null);

    assertEquals(Outcome.BLOCKED, r.outcome());
    assertEquals(List.of("shop/web-pdb.v2"), r.blockingPdbs());
    assertTrue(r.message().contains("needs 2 healthy pods and has 2 currently"), r.message());
    assertNull(r.retryAfter());
  }

  @Test
  @DisplayName("a PDB the controller has not processed yet is named too, with the server's retryAfterSeconds")
  void stalePdb() {
    String body =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":429,"
            + "\"reason\":\"TooManyRequests\",\"message\":\"Cannot evict pod as it would violate the pod's"
            + " disruption budget.\",\"details\":{\"retryAfterSeconds\":10,\"causes\":[{\"reason\":"
            + "\"DisruptionBudget\",\"message\":\"The disruption budget db is still being processed by the"
            + " server.\"}]}}";

    EvictionResult r = answer(429, body, null);

    assertEquals(List.of("shop/db"), r.blockingPdbs());
    assertEquals(Duration.ofSeconds(10), r.retryAfter());
  }

  @Test
  @DisplayName("the Retry-After header wins over the body")
  void retryAfterHeader() {
    assertEquals(Duration.ofSeconds(3), answer(429, "{\"kind\":\"Status\"}", "3").retryAfter());
    assertNull(answer(429, "{\"kind\":\"Status\"}", "Wed, 21 Oct 2015 07:28:00 GMT").retryAfter());
  }

  @Test
  @DisplayName("a 429 without a readable body is still BLOCKED, with no PDB name invented")
  void blockedWithoutBody() {
    EvictionResult r = answer(429, "<html>rate limited</html>", null);
    assertEquals(Outcome.BLOCKED, r.outcome());
    assertEquals(List.of(), r.blockingPdbs());
    assertTrue(r.message().contains("rate limited"), r.message());
  }

  @Test
  @DisplayName("200 and 201 are EVICTED, 404 GONE, anything else FAILED with code and message")
  void otherCodes() {
    assertEquals(Outcome.EVICTED, answer(201, "{}", null).outcome());
    assertEquals(Outcome.EVICTED, answer(200, "", null).outcome());
    assertEquals(Outcome.GONE, answer(404, "", null).outcome());
    EvictionResult conflict =
        answer(409, "{\"kind\":\"Status\",\"message\":\"Precondition failed: UID in precondition\"}", null);
    assertEquals(Outcome.FAILED, conflict.outcome());
    assertEquals("HTTP 409: Precondition failed: UID in precondition", conflict.message());
    assertEquals(Outcome.FAILED, answer(502, "", null).outcome());
  }
}
