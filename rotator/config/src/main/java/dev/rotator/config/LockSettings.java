package dev.rotator.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The Lease {@code rotator-lock} that keeps one rotator at a time.
 *
 * @param maxClockSkew how far apart the clocks of two rotator runs may be. A one-shot run ({@code rotator run}
 *     without {@code --wait}) takes over another holder's Lease only when, by its own clock, the holder's last
 *     renewal is older than the lease duration plus this allowance; a waiting run or a {@code serve} follower
 *     needs no allowance (it watches the Lease stay unchanged for a whole lease duration on its own clock).
 *     Zero trusts the clocks to agree.
 */
public record LockSettings(Duration maxClockSkew) {
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(2);

  public LockSettings {
    Objects.requireNonNull(maxClockSkew, "maxClockSkew");
    if (maxClockSkew.isNegative()) {
      throw new IllegalArgumentException("maxClockSkew must not be negative, got " + maxClockSkew);
    }
  }

  public static LockSettings defaults() {
    return new LockSettings(DEFAULT_MAX_CLOCK_SKEW);
  }
}
