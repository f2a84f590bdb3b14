package dev.rotator.sim.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.util.Iterator;
import java.util.Map;

/**
 * The patch types the API server accepts. Strategic merge patches are applied as JSON merge patches: the
 * difference only shows on lists with merge keys (containers, conditions), which the rotator does not patch
 * (cordon, taints and labels behave the same). Server-side apply is refused with 415.
 */
final class Patches {
  static final String JSON_PATCH = "application/json-patch+json";
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  static final String APPLY_PATCH = "application/apply-patch+yaml";

  private Patches() {}

  static JsonNode apply(String contentType, JsonNode target, JsonNode patch) {
    String ct = contentType.split(";")[0].trim();
    switch (ct) {
      case JSON_PATCH:
        try {
          return JsonPatch.apply(patch, target);
        } catch (JsonPatchException | IllegalArgumentException e) {
          throw new ApiException(422, "Invalid", "the JSON patch could not be applied: " + e.getMessage());
        }
      case MERGE_PATCH:
      case STRATEGIC_MERGE_PATCH:
        return mergePatch(target, patch);
      default:
        throw new ApiException(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
                + JSON_PATCH + ", " + MERGE_PATCH + ", " + STRATEGIC_MERGE_PATCH);
    }
  }

  /** RFC 7386. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }
}
