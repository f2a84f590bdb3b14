package dev.rotator.core.engine;

/**
 * Options of one run.
 *
 * @param runId identifier for logs and the persisted record
 * @param once start at most one batch ({@code maxUnavailable + maxSurge} nodes), finish it, and return:
 *     the CronJob's bounded pass
 * @param dryRun compute and report the plan, change nothing
 * @param actor who runs it ({@code cli}, {@code cronjob}), for the record
 */
public record RunOptions(String runId, boolean once, boolean dryRun, String actor) {
  public static RunOptions defaults(String runId) {
    return new RunOptions(runId, false, false, "cli");
  }
}
