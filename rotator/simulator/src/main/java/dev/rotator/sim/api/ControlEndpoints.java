package dev.rotator.sim.api;

import java.util.Map;

/**
 * Extra endpoints the simulator serves beside the Kubernetes API, under {@code /sim/} (its clock, its report,
 * its fake cloud): what a rotator or a benchmark in another process needs to read. They are not Kubernetes
 * API requests and are not counted as such.
 */
public interface ControlEndpoints {
  /** The path prefix routed here. */
  String PREFIX = "/sim/";

  /**
   * An answer to one request under {@link #PREFIX}.
   *
   * @param query decoded query parameters
   * @param body the request body, empty when none
   */
  Answer answer(String method, String path, Map<String, String> query, String body);

  /** An HTTP status and a JSON body. */
  record Answer(int status, String json) {}
}
