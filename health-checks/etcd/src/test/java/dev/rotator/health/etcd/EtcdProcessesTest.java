package dev.rotator.health.etcd;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EtcdProcessesTest {
  @Test
  @DisplayName(
      "a missing server binary fails the test (never skips it), saying which package to install")
  void missingBinaryFails() {
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                EtcdProcesses.binaryOnPath("etcd-not-installed-here", EtcdProcesses.PACKAGE_HINT));
    assertTrue(e.getMessage().contains("install etcd-server"), e.getMessage());
  }
}
