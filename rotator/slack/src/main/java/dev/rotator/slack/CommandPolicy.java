package dev.rotator.slack;

import java.util.Objects;
import java.util.Set;

/**
 * Who may do what with {@code /rotator}. Fails closed: an empty set allows nobody.
 *
 * <ul>
 *   <li>Every command must come from one of {@code teams} (workspace IDs) and one of {@code channels}.
 *   <li>{@code freeze}: a user in {@code freezeUsers}, a member of a {@code freezeGroups} user group, or
 *       anyone allowed to resume (who may start may stop).
 *   <li>{@code resume}: a user in {@code resumeUsers} or a member of a {@code resumeGroups} user group.
 *       Usually fewer people than freeze: stopping is cheap, starting is not.
 *   <li>{@code status}, {@code plan}: anyone allowed to freeze or resume. {@code help}: anyone in an
 *       allowed workspace and channel.
 * </ul>
 */
public record CommandPolicy(
    Set<String> teams,
    Set<String> channels,
    Set<String> freezeUsers,
    Set<String> freezeGroups,
    Set<String> resumeUsers,
    Set<String> resumeGroups) {

  public CommandPolicy {
    teams = Set.copyOf(Objects.requireNonNull(teams, "teams"));
    channels = Set.copyOf(Objects.requireNonNull(channels, "channels"));
    freezeUsers = Set.copyOf(Objects.requireNonNull(freezeUsers, "freezeUsers"));
    freezeGroups = Set.copyOf(Objects.requireNonNull(freezeGroups, "freezeGroups"));
    resumeUsers = Set.copyOf(Objects.requireNonNull(resumeUsers, "resumeUsers"));
    resumeGroups = Set.copyOf(Objects.requireNonNull(resumeGroups, "resumeGroups"));
  }
}
