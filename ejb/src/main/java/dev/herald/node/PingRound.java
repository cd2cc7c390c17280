package dev.herald.node;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps this node's sessions alive and finds the dead ones, one tick at a time. Each tick forgets sessions whose
 * connection closed unreported, closes sessions that never answered their first ping within the auth timeout, or
 * were silent past the idle timeout, or whose send stalled past the send timeout, and pings the sessions of this
 * tick's slot that had no traffic both ways lately. A session's slot comes from its id, so each is pinged once per
 * ping interval, and the round's pings (and the pongs they bring back) are spread over the interval instead of
 * leaving in one burst. The idle check is Herald's own: a container idle timeout costs a timer reschedule on
 * every send (Tyrus). Ticks run one at a time.
 */
final class PingRound {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final HeraldConfig config;
    private final Hub hub;
    private final Consumer<SessionSender> disconnect;
    /** Ticks per ping interval (each at least 50 ms apart); a session is pinged at the tick of its slot. */
    private final int slots;
    private final AtomicInteger ticks = new AtomicInteger();

    PingRound(HeraldConfig config, Hub hub, Consumer<SessionSender> disconnect) {
        this.config = config;
        this.hub = hub;
        this.disconnect = disconnect;
        this.slots = (int) Math.max(1, Math.min(20, config.pingIntervalMillis() / 50));
    }

    /** Milliseconds between two ticks. */
    long tickMillis() {
        return Math.max(1, config.pingIntervalMillis() / slots);
    }

    void tick() {
        int slot = Math.floorMod(ticks.getAndIncrement(), slots);
        long idle = TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMillis());
        long firstAnswer = TimeUnit.MILLISECONDS.toNanos(config.authTimeoutMillis());
        long stall = TimeUnit.MILLISECONDS.toNanos(config.sessionSendTimeoutMillis());
        // A session with traffic both ways within (about) the last interval needs no ping: the client is alive
        // and intermediaries saw traffic. One tick less than the interval, so that the pong to this session's
        // last ping, heard just after it, never makes its next ping redundant; and only while the next round
        // still comes well before the idle timeout.
        long interval = TimeUnit.MILLISECONDS.toNanos(config.pingIntervalMillis());
        long recent = interval * (slots - 1) / slots;
        for (SessionSender s : hub.all()) {
            if (!s.started()) {
                continue; // still registering: connect checks it once registered
            }
            if (s.isClosed() || !s.transport().isOpen()) {
                disconnect.accept(s); // a close the container did not report (or has yet to)
                continue;
            }
            if (!s.heardSinceConnected() && s.ageNanos() > firstAnswer) {
                s.close(Node.CLOSE_IDLE, "no answer to the first ping within " + config.authTimeoutMillis() + " ms");
                continue;
            }
            if (s.silentNanos() > idle) {
                s.close(Node.CLOSE_IDLE, "idle: nothing heard for " + config.idleTimeoutMillis() + " ms");
                continue;
            }
            if (s.stalledNanos() > stall) {
                s.close(SessionSender.CLOSE_TOO_SLOW, "too slow: a send took over "
                        + config.sessionSendTimeoutMillis() + " ms");
                continue;
            }
            if (Math.floorMod(s.id().hashCode(), slots) != slot
                    || s.busyWithin(recent) && s.silentNanos() + 2 * interval < idle) {
                continue;
            }
            ping(s);
        }
    }

    /** Pings one session now; a ping that fails closes it. */
    static void ping(SessionSender s) {
        try {
            s.pinged();
            s.transport().ping();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Ping to " + s.id() + " failed; closing it", e);
            s.close(1011, "ping failed");
        }
    }
}
