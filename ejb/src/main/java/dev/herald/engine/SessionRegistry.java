package dev.herald.engine;

import java.util.List;
import java.util.Map;

/**
 * Which sessions each user has, and on which node; which nodes are alive.
 *
 * <p>A user may have many sessions, each on one node. Entries are soft state owned by their node: each node
 * refreshes its liveness with {@link #heartbeat}; a node whose heartbeat has expired is purged, with all its
 * sessions, by {@link #purgeDeadNodes} on any surviving node. Thread safe. Redis implementations throw
 * {@link dev.herald.HeraldUnavailableException} when Redis cannot be reached in time.
 */
public interface SessionRegistry {

    /** Records that {@code sessionId} of {@code user} is connected to {@code nodeId}. */
    void register(String nodeId, String user, String sessionId);

    /**
     * Records every session of {@code sessions} (session id to user) as connected to {@code nodeId}, in one
     * round trip: how a node registers again after the registry lost it.
     */
    void registerAll(String nodeId, Map<String, String> sessions);

    /** Removes {@code sessionId} of {@code user} only; the user's other sessions stay. */
    void unregister(String nodeId, String user, String sessionId);

    /**
     * Removes every session of {@code sessions} (session id to user) of {@code nodeId}, in one round trip:
     * how a node clears entries it no longer holds.
     */
    void unregisterAll(String nodeId, Map<String, String> sessions);

    /** The sessions registered on {@code nodeId}: session id to user; empty when there are none. */
    Map<String, String> sessionsOn(String nodeId);

    /** How many sessions {@code user} has registered, on every node, without reading them. */
    default int countOf(String user) {
        return sessionsOf(user).size();
    }

    /** How many sessions are registered on {@code nodeId}, without reading them. */
    default int countOn(String nodeId) {
        return sessionsOn(nodeId).size();
    }

    /** The sessions of {@code user}: session id to node id; empty, never {@code null}, when there are none. */
    Map<String, String> sessionsOf(String user);

    /**
     * Marks {@code nodeId} alive for {@code ttlMillis}.
     *
     * @return {@code true} when the registry did not know the node as alive, so that it holds none of its
     *     sessions (first heartbeat, the node was purged after a long pause, or Redis lost its data): the node
     *     must then register its sessions again
     */
    boolean heartbeat(String nodeId, int ttlMillis);

    /**
     * Removes every node whose heartbeat has expired, with all of its sessions.
     *
     * @return the ids of the nodes purged
     */
    List<String> purgeDeadNodes();

    /** Removes {@code nodeId} and all of its sessions now (a clean shutdown). */
    void removeNode(String nodeId);

    /** The ids of the nodes whose heartbeat has not expired. */
    List<String> liveNodes();
}
