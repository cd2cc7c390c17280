package dev.herald.node;

import dev.herald.HeraldUnavailableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connections that opened without an identity and have yet to send their auth frame: each is closed with
 * {@link Node#CLOSE_UNAUTHORIZED} unless its frame comes within {@code herald.ws.auth-timeout}, and with
 * {@link Node#CLOSE_GOING_AWAY} if the node stops first. A sweep, at most one at a time, runs every quarter of
 * the timeout (between 50 ms and 1 s) on the executor that closes connections. Thread safe.
 */
final class AuthWaits {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final int timeoutMillis;
    private final Node.Closer closer;
    /** Each waiting connection, with the moment it times out (System.nanoTime). */
    private final Map<Node.Connection, Long> waiting = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile boolean stopped;

    AuthWaits(int timeoutMillis, Node.Closer closer) {
        this.timeoutMillis = timeoutMillis;
        this.closer = closer;
    }

    /** How often {@link #sweepSoon} should run, in milliseconds. */
    long sweepMillis() {
        return Math.max(50, Math.min(1000, timeoutMillis / 4));
    }

    /** @throws HeraldUnavailableException when the node has stopped; nothing waits then */
    void await(Node.Connection connection, String nodeId) {
        waiting.put(connection, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        if (stopped && waiting.remove(connection) != null) {
            throw new HeraldUnavailableException("node " + nodeId + " is shutting down", null);
        }
    }

    /** Ends a wait; {@code false} if it was already over (the node closed the connection or is closing it). */
    boolean arrived(Node.Connection connection) {
        return waiting.remove(connection) != null;
    }

    /** Hands a sweep to the closer, unless one is running or nothing waits. */
    void sweepSoon() {
        // One sweep at a time: a sweep closing many connections must not have more queued behind it.
        if (!waiting.isEmpty() && sweeping.compareAndSet(false, true) && !closer.tryExecute(this::sweep)) {
            sweeping.set(false);
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            int[] closed = {0};
            waiting.forEach((connection, deadline) -> {
                if (now - deadline >= 0 && waiting.remove(connection, deadline)) {
                    closeQuietly(connection, Node.CLOSE_UNAUTHORIZED,
                            "unauthorized: no auth frame within " + timeoutMillis + " ms");
                    closed[0]++;
                }
            });
            if (closed[0] > 0) {
                LOG.info(() -> "Closed " + closed[0] + " WebSocket connection(s) that sent no auth frame within "
                        + timeoutMillis + " ms");
            }
        } finally {
            sweeping.set(false);
        }
    }

    /** Refuses new waits and closes the connections still waiting with 1001. */
    void stop() {
        stopped = true;
        for (Node.Connection c : List.copyOf(waiting.keySet())) {
            if (waiting.remove(c) != null) {
                closer.later(() -> closeQuietly(c, Node.CLOSE_GOING_AWAY, "node shutting down"));
            }
        }
    }

    private static void closeQuietly(Node.Connection connection, int code, String reason) {
        try {
            connection.close(code, reason);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Closing a connection failed", e);
        }
    }
}
