package dev.herald.node;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions connected to this node, by session id, by user and by channel. Thread safe; lookups never block.
 *
 * <p>A user's sessions, and a channel's, are a small copy-on-write array: most users have one to a few sessions,
 * and a set per user would cost a few hundred bytes on every idle connection. (A channel of thousands of local
 * members pays a copy per join; it is read far more often than joined.)
 */
public final class Hub {

    private static final SessionSender[] NONE = new SessionSender[0];

    private final Map<String, SessionSender> byId = new ConcurrentHashMap<>();
    private final Map<String, SessionSender[]> byUser = new ConcurrentHashMap<>();
    private final Map<String, SessionSender[]> byChannel = new ConcurrentHashMap<>();

    void add(SessionSender session) {
        byId.put(session.id(), session);
        byUser.compute(session.user(), (user, sessions) -> with(sessions, session));
    }

    /** Removes the session (not from its channels: see {@link #leave}); returns whether it was here. */
    boolean remove(SessionSender session) {
        boolean removed = byId.remove(session.id(), session);
        byUser.computeIfPresent(session.user(), (user, sessions) -> without(sessions, session));
        return removed;
    }

    /** Adds {@code session} to {@code channel}'s local members; returns whether it is the first of them. */
    boolean join(String channel, SessionSender session) {
        boolean[] first = {false};
        byChannel.compute(channel, (c, sessions) -> {
            first[0] = sessions == null;
            return Arrays.asList(sessions == null ? NONE : sessions).contains(session) ? sessions : with(sessions, session);
        });
        return first[0];
    }

    /** Removes {@code session} from {@code channel}'s local members; returns whether it was the last of them. */
    boolean leave(String channel, SessionSender session) {
        boolean[] last = {false};
        byChannel.computeIfPresent(channel, (c, sessions) -> {
            SessionSender[] kept = without(sessions, session);
            last[0] = kept == null;
            return kept;
        });
        return last[0];
    }

    /** The sessions of this node subscribed to {@code channel} at the time of the call. */
    public Collection<SessionSender> ofChannel(String channel) {
        SessionSender[] sessions = byChannel.get(channel);
        return sessions == null ? List.of() : Arrays.asList(sessions);
    }

    /** The channels with local members now. */
    public java.util.Set<String> channels() {
        return java.util.Set.copyOf(byChannel.keySet());
    }

    private static SessionSender[] with(SessionSender[] sessions, SessionSender session) {
        SessionSender[] current = sessions != null ? sessions : NONE;
        SessionSender[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = session;
        return grown;
    }

    /** The array without {@code session}, or {@code null} when nothing is left. */
    private static SessionSender[] without(SessionSender[] sessions, SessionSender session) {
        SessionSender[] kept = Arrays.stream(sessions).filter(s -> s != session).toArray(SessionSender[]::new);
        return kept.length == 0 ? null : kept;
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

    /** How many users have a session on this node. */
    public int userCount() {
        return byUser.size();
    }

    /** How many channels have a subscriber on this node. */
    public int channelCount() {
        return byChannel.size();
    }
}
