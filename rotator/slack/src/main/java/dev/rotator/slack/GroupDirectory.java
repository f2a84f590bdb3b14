package dev.rotator.slack;

import java.util.Set;

/** Slack user-group membership, for authorization. */
public interface GroupDirectory {
  /**
   * The user IDs in a user group.
   *
   * @throws GroupLookupException when membership cannot be known (the command is then refused)
   */
  Set<String> members(String groupId);

  /** Membership could not be determined; authorization fails closed. */
  final class GroupLookupException extends RuntimeException {
    public GroupLookupException(String message) {
      super(message);
    }
  }
}
