package dev.rotator.sim.cluster;

import java.util.Random;

/**
 * Generated name suffixes in Kubernetes' alphabet (no vowels, no look-alike digits), from a seeded random
 * source so a scenario always produces the same pod names.
 */
public final class Names {
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private final Random random;

  public Names(long seed) {
    this.random = new Random(seed);
  }

  public synchronized String suffix(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }

  /** A stable hash-like suffix for a name (a ReplicaSet's pod-template-hash). */
  public static String stableHash(String of, int length) {
    Random r = new Random(of.hashCode());
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
