package dev.rotator.slack;

import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.response.usergroups.users.UsergroupsUsersListResponse;
import dev.rotator.core.port.Clock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * User-group membership from Slack's usergroups.users.list (scope {@code usergroups:read}), cached for a
 * TTL so that a burst of commands costs one call per group. A failed lookup is not cached and fails
 * closed; an expired entry is never used.
 */
public final class SlackGroupDirectory implements GroupDirectory {
  static final int MAX_GROUPS = 256;

  private record Entry(Set<String> members, Instant until) {}

  private final MethodsClient client;
  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Entry> cache = new HashMap<>();
  private long lookups;

  public SlackGroupDirectory(MethodsClient client, Clock clock, Duration ttl) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
  }

  @Override
  public Set<String> members(String groupId) {
    Instant now = clock.now();
    synchronized (this) {
      Entry e = cache.get(groupId);
      if (e != null && now.isBefore(e.until())) {
        return e.members();
      }
    }
    UsergroupsUsersListResponse r;
    try {
      r = client.usergroupsUsersList(req -> req.usergroup(groupId));
    } catch (IOException | SlackApiException e) {
      throw new GroupLookupException("could not list the members of user group " + groupId + ": " + Secret.describe(e));
    }
    if (!r.isOk()) {
      throw new GroupLookupException("could not list the members of user group " + groupId + ": " + r.getError());
    }
    Set<String> members = r.getUsers() == null ? Set.of() : Set.copyOf(r.getUsers());
    synchronized (this) {
      lookups++;
      if (cache.size() >= MAX_GROUPS) {
        cache.clear();
      }
      cache.put(groupId, new Entry(members, now.plus(ttl)));
    }
    return members;
  }

  /** Calls made to Slack so far (for tests of the cache). */
  public synchronized long lookups() {
    return lookups;
  }
}
