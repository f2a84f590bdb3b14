package dev.rotator.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command inherits. */
public final class GlobalOptions {

  /** Output format of commands that print data. */
  public enum Output {
    text,
    json
  }

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster; overrides cluster.kubeconfig)")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME",
      description = "kubeconfig context (overrides cluster.context)")
  String context;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "rotator.yaml (default: built-in defaults; see docs/configuration.md)")
  Path config;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "output format where the output is data: ${COMPLETION-CANDIDATES} (default: text)")
  Output output = Output.text;

  boolean json() {
    return output == Output.json;
  }
}
