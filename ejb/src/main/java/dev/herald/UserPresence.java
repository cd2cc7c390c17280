package dev.herald;

import java.util.List;

/**
 * Where a user is connected, across the cluster, at the time it was read.
 *
 * @param user the user
 * @param sessions each of the user's sessions with the node that holds it; empty when the user is offline
 */
public record UserPresence(String user, List<Session> sessions) {

    public UserPresence {
        sessions = List.copyOf(sessions);
    }

    /** One session of the user: its id and its node's id. */
    public record Session(String session, String node) {
    }

    /** Whether the user has at least one session. */
    public boolean online() {
        return !sessions.isEmpty();
    }
}
