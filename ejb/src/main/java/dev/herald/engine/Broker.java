package dev.herald.engine;

import dev.herald.Recipient;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Carries notices from the node that sends them to the nodes that deliver them.
 *
 * <p>A user notice goes only to the nodes that hold a session of that user, a session notice only to the
 * node of that session, a channel notice only to the nodes subscribed to that channel ({@link #subscribe}), a
 * notice to all to every node; each such node receives it once. At most once: a node that is not subscribed
 * when the notice passes does not get it. A kept notice ({@link Outgoing#kept()}) is first appended to its
 * recipient's stream in the {@link History}, in the same atomic step, and carries its offset and epoch; each
 * stream's notices reach every node in offset order, so that a node that sees an offset skip knows it missed
 * one. Thread safe.
 */
public interface Broker extends AutoCloseable {

    /**
     * Hands one encoded notice to the nodes that should deliver it, in one engine round trip.
     *
     * @param to the notice's recipient
     * @param message the notice encoded by {@link NoticeCodec#encode} or {@link NoticeCodec#encodeFramed}
     * @return how many nodes it was handed to
     * @throws dev.herald.HeraldUnavailableException when the engine cannot be reached in time
     */
    default int publish(Recipient to, String message) {
        return publish(new Outgoing(to, message));
    }

    /**
     * Hands one notice to the nodes that should deliver it, in one engine round trip, appending it to its stream
     * first when it is kept.
     *
     * @return how many nodes it was handed to
     * @throws dev.herald.HeraldUnavailableException when the engine cannot be reached in time; a kept notice
     *     was then appended and handed on, or neither
     */
    int publish(Outgoing message);

    /**
     * Hands several encoded notices on, in as few round trips as the engine allows, in order for each node
     * and each stream (notices to different streams, or kept and not, may reach a node in another order).
     *
     * @param messages pairs of recipient and encoded message
     * @return how many nodes each was handed to, in order
     * @throws dev.herald.HeraldUnavailableException when the engine cannot be reached in time; some of the
     *     notices may then have been handed on
     */
    int[] publishAll(List<Outgoing> messages);

    /**
     * Receives the notices for {@code nodeId} until {@link #close()}: blocks the calling thread, calls
     * {@code onReady} once the subscription is in place, then {@code onMessage} for each message, on this
     * thread and in order. {@code onMessage} must not block.
     *
     * @throws dev.herald.HeraldUnavailableException when the subscription cannot be made or is lost; the
     *     caller retries
     */
    default void run(String nodeId, Consumer<String> onMessage, Runnable onReady) {
        run(nodeId, onMessage, onReady, Thread::new);
    }

    /**
     * As {@link #run(String, Consumer, Runnable)}, where an engine that reads several connections at once (Redis
     * Cluster, one per master) reads the others on threads of {@code threads}; {@code onMessage} is then called
     * from those threads too, one call at a time.
     */
    void run(String nodeId, Consumer<String> onMessage, Runnable onReady, java.util.concurrent.ThreadFactory threads);

    /**
     * Starts handing this node the notices of {@code channel} ({@link #run}'s handler receives them) and keeps
     * doing so across lost subscriptions until {@link #unsubscribe}. Never blocks: the stage completes once the
     * engine delivers the channel's notices here (with Redis, once its SUBSCRIBE is confirmed; while Redis is
     * down, once the subscription is made again). Subscribing again is harmless.
     */
    CompletionStage<Void> subscribe(String channel);

    /** Stops handing this node the notices of {@code channel}; never blocks. */
    void unsubscribe(String channel);

    /**
     * Checks that the subscription made by {@link #run} is alive, for engines whose connections can die
     * silently; a dead one makes {@link #run} throw. Called on every heartbeat.
     */
    default void keepAlive() {
    }

    /** Ends {@link #run} and releases the engine's connections. */
    @Override
    void close();

    /**
     * A notice's recipient and its encoded message: as {@link NoticeCodec#encodeKept} writes it when
     * {@code kept} (the recipient is a user or a channel whose stream keeps it), else as
     * {@link NoticeCodec#encodeFramed} or {@link NoticeCodec#encode} do.
     */
    record Outgoing(Recipient to, String message, boolean kept) {

        /** A notice that is not kept. */
        public Outgoing(Recipient to, String message) {
            this(to, message, false);
        }

        /** A kept notice's header line, to which the broker adds its numbered frame. */
        public String header() {
            return message.substring(0, message.indexOf('\n'));
        }

        /** A kept notice's frame after its {@link NoticeCodec#NOTICE_START}, which its offset and epoch precede. */
        public String rest() {
            return message.substring(message.indexOf('\n') + 1);
        }
    }
}
