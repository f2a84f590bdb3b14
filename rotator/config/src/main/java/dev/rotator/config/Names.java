package dev.rotator.config;

import dev.rotator.core.engine.KubeVersion;
import java.util.regex.Pattern;

/**
 * Validators for Kubernetes names and versions. Each returns an error sentence, or null when the value is
 * valid (the shape {@link Section#string} expects).
 */
final class Names {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");
  private static final Pattern VERSION = Pattern.compile("^v?(0|[1-9][0-9]{0,3})\\.(0|[1-9][0-9]{0,3})(\\.(0|[1-9][0-9]{0,3}))?$");

  private Names() {}

  static String dnsLabel(String s) {
    if (s.length() > 63 || !DNS_LABEL.matcher(s).matches()) {
      return "expected a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters, e.g. rotator-system), got '"
          + Section.printable(s) + "'";
    }
    return null;
  }

  static String dnsSubdomain(String s) {
    if (s.isEmpty() || s.length() > 253 || !isSubdomain(s)) {
      return "expected a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters), got '"
          + Section.printable(s) + "'";
    }
    return null;
  }

  private static boolean isSubdomain(String s) {
    for (String part : s.split("\\.", -1)) {
      if (part.length() > 63 || !DNS_LABEL.matcher(part).matches()) {
        return false;
      }
    }
    return true;
  }

  /** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63. */
  static String qualifiedName(String s) {
    String expected =
        "expected a Kubernetes label/annotation key like example.com/pool or pool (name part: at most 63 letters,"
            + " digits, '-', '_', '.', starting and ending alphanumeric), got '" + Section.printable(s) + "'";
    int slash = s.indexOf('/');
    String name = slash < 0 ? s : s.substring(slash + 1);
    if (slash >= 0 && (s.substring(0, slash).isEmpty() || dnsSubdomain(s.substring(0, slash)) != null)) {
      return expected;
    }
    if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
      return expected;
    }
    return null;
  }

  /** A label value: empty, or at most 63 characters of the name alphabet. */
  static String labelValue(String s) {
    if (!s.isEmpty() && (s.length() > 63 || !NAME.matcher(s).matches())) {
      return "expected a Kubernetes label value (at most 63 letters, digits, '-', '_', '.', starting and ending"
          + " alphanumeric), got '" + Section.printable(s) + "'";
    }
    return null;
  }

  /** Any annotation value up to the API's 256 KiB limit for all annotations together. */
  static String annotationValue(String s) {
    return s.length() > 256 * 1024 ? "an annotation value is at most 256 KiB" : null;
  }

  /** A target version: v1.31.2 or v1.31 (no suffix: the comparison ignores suffixes, so they mislead). */
  static String kubeVersion(String s) {
    if (!VERSION.matcher(s).matches()) {
      return "expected a Kubernetes version like v1.31.2, got '" + Section.printable(s) + "'";
    }
    KubeVersion v = KubeVersion.parse(s);
    if (v.major() < 1) {
      return "expected a Kubernetes version like v1.31.2 (major version 1 or more), got '" + s + "'";
    }
    return null;
  }

  /** A free-form name or path: not empty, one line, bounded. */
  static String text(String s, int max) {
    if (s.isBlank()) {
      return "must not be empty (remove the key to use the default)";
    }
    if (s.length() > max) {
      return "at most " + max + " characters";
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
        return "must not contain control characters";
      }
    }
    return null;
  }
}
