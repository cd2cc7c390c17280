package dev.herald.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A session registry in this JVM's memory: the single-node engine, and the fake in tests of the rest.
 *
 * <p>Liveness follows the given clock, so tests can let a node expire without waiting. Holds nothing across
 * restarts and is shared by nothing outside this JVM.
 */
public final class MemorySessionRegistry implements SessionRegistry {

    /** user -> (session -> node) */
    private final Map<String, Map<String, String>> byUser = new ConcurrentHashMap<>();
    /** node -> (session -> user) */
    private final Map<String, Map<String, String>> byNode = new ConcurrentHashMap<>();
    /** node -> expiry time by the clock */
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public MemorySessionRegistry() {
        this(System::currentTimeMillis);
    }

    public MemorySessionRegistry(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Adds the session inside the map's own {@code compute}, as {@link #unregister} removes one: a put into a
     * user's map after {@code computeIfAbsent} returned it could land in a map that an unregister emptied and
     * dropped meanwhile (a tab opening as the user's last one closes), and the session would be lost.
     */
    @Override
    public void register(String nodeId, String user, String sessionId) {
        byUser.compute(user, (u, sessions) -> put(sessions, sessionId, nodeId));
        byNode.compute(nodeId, (n, sessions) -> put(sessions, sessionId, user));
    }

    private static Map<String, String> put(Map<String, String> sessions, String key, String value) {
        Map<String, String> map = sessions != null ? sessions : new ConcurrentHashMap<>();
        map.put(key, value);
        return map;
    }

    @Override
    public void registerAll(String nodeId, Map<String, String> sessions) {
        sessions.forEach((sessionId, user) -> register(nodeId, user, sessionId));
    }

    @Override
    public void unregister(String nodeId, String user, String sessionId) {
        byUser.computeIfPresent(user, (u, sessions) -> {
            sessions.remove(sessionId);
            return sessions.isEmpty() ? null : sessions;
        });
        byNode.computeIfPresent(nodeId, (n, sessions) -> {
            sessions.remove(sessionId);
            return sessions;
        });
    }

    @Override
    public void unregisterAll(String nodeId, Map<String, String> sessions) {
        sessions.forEach((sessionId, user) -> unregister(nodeId, user, sessionId));
    }

    @Override
    public Map<String, String> sessionsOn(String nodeId) {
        Map<String, String> sessions = byNode.get(nodeId);
        return sessions == null ? Map.of() : Map.copyOf(sessions);
    }

    @Override
    public Map<String, String> sessionsOf(String user) {
        Map<String, String> sessions = byUser.get(user);
        return sessions == null ? Map.of() : Map.copyOf(sessions);
    }

    @Override
    public boolean heartbeat(String nodeId, int ttlMillis) {
        long now = clock.getAsLong();
        Long previous = expiries.put(nodeId, now + ttlMillis);
        return previous == null;
    }

    @Override
    public List<String> purgeDeadNodes() {
        long now = clock.getAsLong();
        List<String> purged = new ArrayList<>();
        for (Map.Entry<String, Long> e : expiries.entrySet()) {
            if (e.getValue() <= now && expiries.remove(e.getKey(), e.getValue())) {
                dropSessions(e.getKey());
                purged.add(e.getKey());
            }
        }
        return purged;
    }

    @Override
    public void removeNode(String nodeId) {
        expiries.remove(nodeId);
        dropSessions(nodeId);
    }

    @Override
    public List<String> liveNodes() {
        long now = clock.getAsLong();
        List<String> live = new ArrayList<>();
        expiries.forEach((node, expiry) -> {
            if (expiry > now) {
                live.add(node);
            }
        });
        return live;
    }

    private void dropSessions(String nodeId) {
        Map<String, String> sessions = byNode.remove(nodeId);
        if (sessions != null) {
            sessions.forEach((sessionId, user) -> unregister(nodeId, user, sessionId));
        }
    }
}
