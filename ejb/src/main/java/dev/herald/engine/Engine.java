package dev.herald.engine;

import java.util.logging.Logger;

/**
 * A broker, a session registry and channel memberships that belong together: all in memory, or all on one Redis.
 *
 * @param broker where notices travel
 * @param registry where sessions are recorded
 * @param members where channel memberships are recorded
 * @param history the streams of kept notices, which the broker appends to
 * @param description a short description for logs, without secrets
 * @param resources what {@link #close()} releases after the broker
 */
public record Engine(Broker broker, SessionRegistry registry, ChannelMembers members, History history,
        String description, AutoCloseable resources) implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Engine.class.getName());

    /** An engine whose channel memberships are in this JVM's memory (tests of the other parts). */
    public Engine(Broker broker, SessionRegistry registry, String description, AutoCloseable resources) {
        this(broker, registry, new MemoryChannelMembers(),
                broker instanceof MemoryBroker m ? m.history() : new MemoryHistory(), description, resources);
    }

    /** An engine on a {@link MemoryBroker}, whose streams are that broker's. */
    public Engine(MemoryBroker broker, SessionRegistry registry, ChannelMembers members, String description,
            AutoCloseable resources) {
        this(broker, registry, members, broker.history(), description, resources);
    }

    /** The streams' retention: what the broker keeps of each notice to a user or a channel. */
    public History.Retention retention() {
        return history instanceof MemoryHistory m ? m.retention() : ((RedisHistory) history).retention();
    }

    /** The single-node engine: nothing outside this JVM. */
    public static Engine memory() {
        return memory(History.Retention.DEFAULT);
    }

    /** The single-node engine, keeping notices as {@code retention} says. */
    public static Engine memory(History.Retention retention) {
        MemorySessionRegistry registry = new MemorySessionRegistry();
        return new Engine(new MemoryBroker(registry, new MemoryBroker.Bus(new MemoryHistory(retention))), registry,
                new MemoryChannelMembers(), "in-memory (single node)", () -> { });
    }

    /**
     * An engine on the Redis at {@code url}. Connects lazily: nothing fails here if Redis is down.
     *
     * @param timeoutMillis connect, read and pool-wait timeout of every call, so that none hangs
     * @param subscriberTimeoutMillis read timeout of the subscription connection
     */
    public static Engine redis(String url, String prefix, int timeoutMillis, int poolSize, int subscriberTimeoutMillis) {
        return redis(url, prefix, timeoutMillis, poolSize, subscriberTimeoutMillis, History.Retention.DEFAULT);
    }

    /** An engine on the Redis at {@code url} whose streams keep notices as {@code retention} says. */
    public static Engine redis(String url, String prefix, int timeoutMillis, int poolSize, int subscriberTimeoutMillis,
            History.Retention retention) {
        RedisTarget target = RedisTarget.of(url, timeoutMillis, poolSize);
        RedisSupport support = new RedisSupport(target);
        RedisKeys keys = new RedisKeys(prefix, target.partitions());
        LOG.fine(() -> "Redis pool of " + poolSize + " for " + target.description());
        RedisHistory history = new RedisHistory(support, keys, retention, target.followsFailover());
        return new Engine(new RedisBroker(support, keys, subscriberTimeoutMillis, history),
                new RedisSessionRegistry(support, keys), new RedisChannelMembers(support, keys), history,
                target.description() + " prefix " + prefix, target);
    }

    /**
     * Checks a {@code redis-sentinel://} URL's form, connecting to nothing.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static void checkRedisUrl(String url) {
        RedisTarget.of(url, 1000, 1).close();
    }

    @Override
    public void close() {
        broker.close();
        try {
            resources.close();
        } catch (Exception e) {
            LOG.warning("Closing the engine's connections failed: " + e);
        }
    }
}
