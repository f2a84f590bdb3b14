package dev.rotator.slack;

/**
 * Receives every {@code /rotator} command with its outcome, after it ran (refusals included). Effective
 * freezes and resumes are also in the StateStore's history with {@code by = slack:<userId>}; this is for
 * the rest (refusals, status reads) and for whatever else should see them (events, metrics).
 * Implementations must not throw; if one does, the command's answer is unchanged and the log says so.
 */
@FunctionalInterface
public interface AuditSink {
  void record(AuditEntry entry);

  AuditSink NONE = e -> {};
}
