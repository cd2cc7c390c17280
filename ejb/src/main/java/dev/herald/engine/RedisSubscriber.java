package dev.herald.engine;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * A node's subscription to its Redis topics: its node topic, broadcast, and the channel topics it wants. One
 * {@link #run} at a time; the other methods may be called from any thread, and never block on Redis.
 */
interface RedisSubscriber {

    /**
     * Subscribes the node's topics and every channel topic wanted, calls {@code onReady} once the node's own are
     * confirmed, and hands every message to {@code onMessage} on the calling thread until the subscription is lost
     * (then throws {@link dev.herald.HeraldUnavailableException}) or {@link #close} (then returns).
     */
    void run(String nodeId, Consumer<String> onMessage, Runnable onReady, ThreadFactory threads);

    /**
     * Wants {@code topic} from now on, across lost subscriptions, until {@link #unsubscribe}; the stage completes
     * once Redis confirmed it on the current subscription.
     */
    CompletionStage<Void> subscribe(String topic);

    /** No longer wants {@code topic}; its stage, if any, will not complete. */
    void unsubscribe(String topic);

    /** Called on every heartbeat: checks that the subscription still answers and ends the run when it does not. */
    void keepAlive();

    /** Ends the subscription for good: {@link #run} returns. */
    void close();
}
