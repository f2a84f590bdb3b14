package dev.rotator.cli;

import dev.rotator.config.ConfigException;
import dev.rotator.core.port.ClusterException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level command. */
@Command(
    name = "rotator",
    mixinStandardHelpOptions = true,
    versionProvider = RotatorCommand.Version.class,
    description =
        "Replaces a Kubernetes cluster's outdated nodes safely: cordon, drain through the "
        + "Eviction API (PodDisruptionBudgets respected), delete, terminate, wait for the "
        + "replacement; gated on cluster health, frozen on any anomaly until a human resumes.",
    footer = ExitCodes.FOOTER,
    subcommands = {
      PlanCommand.class,
      RunCommand.class,
      ServeCommand.class,
      StatusCommand.class,
      FreezeCommand.class,
      ResumeCommand.class,
      RollbackCommand.class,
      CheckCommand.class,
      SimCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class RotatorCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A command line with rotator's exit-code mapping: bad config 2, cluster errors 1. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new RotatorCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(RotatorCommand::handle);
    return cl;
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if (e instanceof ConfigException ce) {
      err.println("rotator: configuration error: " + ce.describe());
      return ExitCodes.USAGE;
    }
    if (e instanceof UsageException) {
      err.println("rotator: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (e instanceof dev.rotator.provider.CloudException ce) {
      err.println("rotator: cloud provider error (" + ce.kind() + "): " + e.getMessage());
      return ExitCodes.RUNTIME;
    }
    if (e instanceof ClusterException ce) {
      err.println("rotator: Kubernetes API error (" + ce.kind() + "): " + e.getMessage());
      return ExitCodes.RUNTIME;
    }
    err.println("rotator: " + e);
    if (Boolean.getBoolean("rotator.debug")) {
      e.printStackTrace(err);
    }
    return ExitCodes.RUNTIME;
  }

  /** Version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = RotatorCommand.class.getPackage().getImplementationVersion();
      return new String[] {"rotator " + (v == null ? "dev" : v)};
    }
  }
}
