package dev.herald.node;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions connected to this node, by session id and by user. Thread safe; lookups never block.
 */
public final class Hub {

    private final Map<String, SessionSender> byId = new ConcurrentHashMap<>();
    private final Map<String, Set<SessionSender>> byUser = new ConcurrentHashMap<>();

    void add(SessionSender session) {
        byId.put(session.id(), session);
        byUser.compute(session.user(), (user, sessions) -> {
            Set<SessionSender> set = sessions != null ? sessions : ConcurrentHashMap.newKeySet();
            set.add(session);
            return set;
        });
    }

    /** Removes the session; returns whether it was here. */
    boolean remove(SessionSender session) {
        boolean removed = byId.remove(session.id(), session);
        byUser.computeIfPresent(session.user(), (user, sessions) -> {
            sessions.remove(session);
            return sessions.isEmpty() ? null : sessions;
        });
        return removed;
    }

    /** The session with this id on this node, or {@code null}. */
    public SessionSender get(String sessionId) {
        return byId.get(sessionId);
    }

    /** The sessions of {@code user} on this node; a live view, empty when there are none. */
    public Collection<SessionSender> ofUser(String user) {
        Set<SessionSender> sessions = byUser.get(user);
        return sessions == null ? List.of() : sessions;
    }

    /** Every session on this node; a live view. */
    public Collection<SessionSender> all() {
        return byId.values();
    }

    public int size() {
        return byId.size();
    }
}
