package dev.rotator.core.fake;

import dev.rotator.core.port.Notifier;
import dev.rotator.core.port.RotationEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event, for assertions. */
public final class RecordingNotifier implements Notifier {
  private final List<RotationEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void notify(RotationEvent event) {
    events.add(event);
  }

  public List<RotationEvent> events() {
    return List.copyOf(events);
  }

  public List<RotationEvent> ofType(RotationEvent.Type type) {
    return events.stream().filter(e -> e.type() == type).toList();
  }
}
