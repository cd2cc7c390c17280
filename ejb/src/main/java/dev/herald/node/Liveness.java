package dev.herald.node;

import dev.herald.engine.Broker;
import dev.herald.engine.SessionRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * This node's standing in the cluster, kept up on every heartbeat: refreshes its liveness; registers all its
 * sessions again when the registry had lost the node (Redis came back empty), until that succeeds; every
 * {@value #RECONCILE_EVERY_BEATS} beats drops registry entries and channel memberships of sessions it no longer
 * holds (an unregister lost in a Redis blip); purges the sessions and memberships of dead nodes; and checks the engine subscription. A failure is
 * logged once per outage and retried on the next beat. Beats run one at a time.
 */
final class Liveness {

    /** Every this many heartbeats, the node drops registry entries of sessions it no longer holds. */
    static final int RECONCILE_EVERY_BEATS = 10;

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final String nodeId;
    private final int ttlMillis;
    private final SessionRegistry registry;
    private final Memberships memberships;
    private final Broker broker;
    private final Hub hub;
    private final BooleanSupplier running;
    private final Outage outage = new Outage("heartbeat");
    private volatile boolean known;
    private boolean mustRegisterAgain;
    private int beats;

    Liveness(String nodeId, int ttlMillis, SessionRegistry registry, Memberships memberships, Broker broker, Hub hub,
            BooleanSupplier running) {
        this.nodeId = nodeId;
        this.ttlMillis = ttlMillis;
        this.registry = registry;
        this.memberships = memberships;
        this.broker = broker;
        this.hub = hub;
        this.running = running;
    }

    /**
     * Whether the registry has known this node alive: before its first session is registered it must be, or
     * should it die before its first heartbeat, no other node would ever purge that session.
     */
    boolean known() {
        return known;
    }

    synchronized void beat() {
        if (!running.getAsBoolean()) {
            return;
        }
        try {
            if (registry.heartbeat(nodeId, ttlMillis)) {
                if (known) {
                    LOG.warning(() -> "The registry had lost node " + nodeId + "; registering its " + hub.size()
                            + " session(s) again");
                }
                mustRegisterAgain = true;
            }
            if (mustRegisterAgain) {
                // Cleared only once every session is back in, so a failure half-way is retried next beat.
                Map<String, String> sessions = new LinkedHashMap<>();
                for (SessionSender s : hub.all()) {
                    sessions.put(s.id(), s.user());
                }
                registry.registerAll(nodeId, sessions);
                memberships.restore(hub.all());
                mustRegisterAgain = false;
                known = true;
            }
            if (++beats % RECONCILE_EVERY_BEATS == 0) {
                reconcile();
            }
            List<String> purged = registry.purgeDeadNodes();
            if (!purged.isEmpty()) {
                LOG.info(() -> "Purged the sessions of dead node(s) " + purged);
            }
            memberships.purgeDeadNodes(registry::liveNodes);
            broker.keepAlive();
            outage.recovered();
        } catch (RuntimeException e) {
            outage.failed(e);
        }
    }

    /**
     * Removes from the registry this node's entries for sessions it no longer holds. Safe against concurrent
     * connects: a session is in the hub before it is registered.
     */
    private void reconcile() {
        Map<String, String> stale = new LinkedHashMap<>();
        registry.sessionsOn(nodeId).forEach((sessionId, user) -> {
            if (hub.get(sessionId) == null) {
                stale.put(sessionId, user);
            }
        });
        if (!stale.isEmpty()) {
            registry.unregisterAll(nodeId, stale);
            LOG.info(() -> "Removed " + stale.size() + " stale registry entries of node " + nodeId);
        }
        int memberships = this.memberships.reconcile(hub);
        if (memberships > 0) {
            LOG.info(() -> "Removed " + memberships + " stale channel memberships of node " + nodeId);
        }
    }
}
