package dev.rotator.sim.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A failed request, answered with a {@code meta/v1 Status} body like the real API server's. */
final class ApiException extends RuntimeException {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One entry of {@code details.causes}. */
  record StatusCause(String reason, String message, String field) {}

  final int code;
  final String reason;
  final String kind;
  final String name;
  final List<StatusCause> causes;

  ApiException(int code, String reason, String message) {
    this(code, reason, message, null, null, List.of());
  }

  ApiException(int code, String reason, String message, String kind, String name, List<StatusCause> causes) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.kind = kind;
    this.name = name;
    this.causes = causes;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "BadRequest", message);
  }

  static ApiException notFound(String resource, String name) {
    return new ApiException(404, "NotFound", resource + " \"" + name + "\" not found", resource, name, List.of());
  }

  String toJson() {
    return status("Failure", code, reason, getMessage(), kind, name, causes);
  }

  static String status(
      String status, int code, String reason, String message, String kind, String name, List<StatusCause> causes) {
    ObjectNode s = JSON.createObjectNode();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", status);
    if (message != null) {
      s.put("message", message);
    }
    if (reason != null) {
      s.put("reason", reason);
    }
    if (kind != null || name != null || !causes.isEmpty()) {
      ObjectNode d = s.putObject("details");
      if (name != null) {
        d.put("name", name);
      }
      if (kind != null) {
        d.put("kind", kind);
      }
      if (!causes.isEmpty()) {
        ArrayNode arr = d.putArray("causes");
        for (StatusCause c : causes) {
          ObjectNode cn = arr.addObject();
          cn.put("reason", c.reason());
          cn.put("message", c.message());
          if (c.field() != null) {
            cn.put("field", c.field());
          }
        }
      }
    }
    s.put("code", code);
    return s.toString();
  }
}
