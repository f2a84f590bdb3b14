package dev.rotator.kubernetes;

import dev.rotator.core.model.PodRef;
import dev.rotator.core.port.EvictionResult;
import dev.rotator.core.port.EvictionResult.Outcome;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Eviction API's answer. A refusal by a PodDisruptionBudget is HTTP 429 with a Status like
 *
 * <pre>
 * {"kind":"Status","status":"Failure","reason":"TooManyRequests","code":429,
 *  "message":"Cannot evict pod as it would violate the pod's disruption budget.",
 *  "details":{"causes":[{"reason":"DisruptionBudget",
 *    "message":"The disruption budget web needs 2 healthy pods and has 2 currently"}]}}
 * </pre>
 *
 * (policy/v1 API servers since 1.18; "The disruption budget web is still being processed by the server."
 * while the PDB controller has not caught up). The PDB is in the pod's namespace, so names are reported as
 * {@code namespace/name}, like {@link dev.rotator.core.model.PdbInfo#toString()}.
 */
final class EvictionAnswers {
  /** A PDB name is a DNS subdomain: lower-case alphanumerics, '-' and '.', alphanumeric at both ends. */
  private static final Pattern PDB_NAME =
      Pattern.compile("[Tt]he disruption budget ([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)");

  private EvictionAnswers() {}

  static EvictionResult interpret(
      PodRef pod, int code, String body, String retryAfterHeader, KubernetesSerialization json) {
    Status status = parseStatus(body, json);
    String message = status != null && status.getMessage() != null ? status.getMessage() : abbreviate(body);
    if (code == 200 || code == 201) {
      return EvictionResult.evicted();
    }
    if (code == 404) {
      return EvictionResult.gone();
    }
    if (code == 429) {
      List<String> pdbs = new ArrayList<>();
      if (status != null && status.getDetails() != null && status.getDetails().getCauses() != null) {
        for (StatusCause c : status.getDetails().getCauses()) {
          addPdbName(pod, c.getMessage(), pdbs);
        }
      }
      addPdbName(pod, message, pdbs);
      String full = message;
      if (status != null && status.getDetails() != null && status.getDetails().getCauses() != null) {
        for (StatusCause c : status.getDetails().getCauses()) {
          if (c.getMessage() != null && !c.getMessage().isEmpty()) {
            full = full + " " + c.getMessage();
          }
        }
      }
      return new EvictionResult(Outcome.BLOCKED, full.trim(), pdbs, retryAfter(retryAfterHeader, status));
    }
    return new EvictionResult(
        Outcome.FAILED, "HTTP " + code + (message.isEmpty() ? "" : ": " + message), List.of(), null);
  }

  private static void addPdbName(PodRef pod, String text, List<String> into) {
    if (text == null) {
      return;
    }
    Matcher m = PDB_NAME.matcher(text);
    while (m.find()) {
      String name = pod.namespace() + "/" + m.group(1);
      if (!into.contains(name)) {
        into.add(name);
      }
    }
  }

  static Duration retryAfter(String header, Status status) {
    if (header != null) {
      try {
        long s = Long.parseLong(header.trim());
        if (s >= 0) {
          return Duration.ofSeconds(s);
        }
      } catch (NumberFormatException e) {
        // An HTTP-date Retry-After: the API server does not send those; fall through to the body.
      }
    }
    if (status != null && status.getDetails() != null && status.getDetails().getRetryAfterSeconds() != null) {
      int s = status.getDetails().getRetryAfterSeconds();
      return s > 0 ? Duration.ofSeconds(s) : null;
    }
    return null;
  }

  private static Status parseStatus(String body, KubernetesSerialization json) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return json.unmarshal(body, Status.class);
    } catch (RuntimeException e) {
      // Not a Status (a proxy's HTML error page): the raw text goes into the message instead.
      return null;
    }
  }

  private static String abbreviate(String body) {
    if (body == null) {
      return "";
    }
    String b = body.strip();
    return b.length() > 300 ? b.substring(0, 300) + "..." : b;
  }
}
