package dev.rotator.core;

import dev.rotator.core.engine.ReasonCode;
import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Alerts to the log, with the runbook for a freeze reason. Never throws. */
public final class LogNotifier implements Notifier {
  private static final Logger LOG = LoggerFactory.getLogger("rotator.alerts");

  @Override
  public void notify(RotationEvent e) {
    try {
      String runbook = runbookFor(e.reason());
      String line =
          String.format(
              "[%s] run=%s%s%s %s%s%s",
              e.type(),
              e.runId(),
              e.node().isEmpty() ? "" : " node=" + e.node(),
              e.reason().isEmpty() ? "" : " reason=" + e.reason(),
              e.message(),
              e.evidence().isEmpty() ? "" : " evidence=" + e.evidence(),
              runbook.isEmpty() ? "" : " runbook=" + runbook);
      if (e.type() == RotationEvent.Type.FROZEN || e.type() == RotationEvent.Type.ERROR) {
        LOG.error(line);
      } else {
        LOG.info(line);
      }
    } catch (RuntimeException ex) {
      // An alert that cannot be formatted must not stop a rotation; the log says so.
      LOG.warn("could not log rotation event {}: {}", e.type(), ex.toString());
    }
  }

  static String runbookFor(String reason) {
    if (reason == null || reason.isEmpty()) {
      return "";
    }
    try {
      return ReasonCode.valueOf(reason).runbook();
    } catch (IllegalArgumentException unknown) {
      return "";
    }
  }
}
