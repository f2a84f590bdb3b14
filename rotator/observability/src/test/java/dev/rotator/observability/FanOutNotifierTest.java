package dev.rotator.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rotator.core.fake.RecordingNotifier;
import dev.rotator.core.port.RotationEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FanOutNotifierTest {
  @Test
  @DisplayName("every notifier hears the event, even after one of them throws")
  void shielded() {
    RecordingNotifier a = new RecordingNotifier();
    RecordingNotifier b = new RecordingNotifier();
    var fan = FanOutNotifier.of(a, e -> {
      throw new IllegalStateException("broken");
    }, b);
    fan.notify(new RotationEvent(RotationEvent.Type.STARTED, "run-1", "", "", "go", List.of(), Instant.EPOCH));
    assertEquals(1, a.events().size());
    assertEquals(1, b.events().size());
  }
}
