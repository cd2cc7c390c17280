package dev.herald.node;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions connected to this node, by session id and by user. Thread safe; lookups never block.
 *
 * <p>A user's sessions are a small copy-on-write array: most users have one to a few sessions, and a set per
 * user would cost a few hundred bytes on every idle connection.
 */
public final class Hub {

    private static final SessionSender[] NONE = new SessionSender[0];

    private final Map<String, SessionSender> byId = new ConcurrentHashMap<>();
    private final Map<String, SessionSender[]> byUser = new ConcurrentHashMap<>();

    void add(SessionSender session) {
        byId.put(session.id(), session);
        byUser.compute(session.user(), (user, sessions) -> {
            SessionSender[] current = sessions != null ? sessions : NONE;
            SessionSender[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = session;
            return grown;
        });
    }

    /** Removes the session; returns whether it was here. */
    boolean remove(SessionSender session) {
        boolean removed = byId.remove(session.id(), session);
        byUser.computeIfPresent(session.user(), (user, sessions) -> {
            SessionSender[] kept = Arrays.stream(sessions).filter(s -> s != session).toArray(SessionSender[]::new);
            return kept.length == 0 ? null : kept;
        });
        return removed;
    }

    /** The session with this id on this node, or {@code null}. */
    public SessionSender get(String sessionId) {
        return byId.get(sessionId);
    }

    /** The sessions of {@code user} on this node at the time of the call; empty when there are none. */
    public Collection<SessionSender> ofUser(String user) {
        SessionSender[] sessions = byUser.get(user);
        return sessions == null ? List.of() : Arrays.asList(sessions);
    }

    /** Every session on this node; a live view. */
    public Collection<SessionSender> all() {
        return byId.values();
    }

    public int size() {
        return byId.size();
    }
}
