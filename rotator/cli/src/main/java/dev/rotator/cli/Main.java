package dev.rotator.cli;

import picocli.CommandLine;

/** Entry point: nothing but the exit code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(RotatorCommand.commandLine().execute(args));
  }
}
