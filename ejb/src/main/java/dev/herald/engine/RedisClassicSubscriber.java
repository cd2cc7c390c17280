package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Logger;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A node's subscription in classic pub/sub, on one server or a Sentinel group's master: one connection that holds
 * the node's topic and broadcast, and the Herald channels it has local subscribers of (see {@link RedisKeys}).
 *
 * <p>Channel topics are (un)subscribed on the subscription's connection from the caller's thread, one command at
 * a time under one lock, never on the subscriber thread; a lost subscription is made again with every topic still
 * wanted, and the stages waiting for a topic complete once Redis confirms it. {@link #keepAlive} pings the
 * connection on every heartbeat and closes the socket when no pong came back for longer than the subscriber
 * timeout, so that a silently dead connection (a partition, a crashed host) ends {@link #run} instead of leaving
 * the node deaf; under Sentinel it also ends the run when the master moved, so that the next run subscribes on the
 * new one. Thread safe.
 */
final class RedisClassicSubscriber implements RedisSubscriber {

    private static final Logger LOG = Logger.getLogger(RedisClassicSubscriber.class.getName());

    private final RedisTarget target;
    private final RedisKeys keys;
    private final int subscriberTimeoutMillis;
    /** The node the subscriber connected to last. */
    private volatile HostAndPort subscribedAt;
    private final AtomicReference<JedisPubSub> subscription = new AtomicReference<>();
    private final AtomicReference<Connection> subscriber = new AtomicReference<>();
    private volatile long lastPongNanos;
    /** Guards every write to the subscription's connection, and the channel topics' state below. */
    private final Object writes = new Object();
    /** The subscription that channel topics are (un)subscribed on now; {@code null} while there is none. */
    private JedisPubSub active;
    /** The channel topics this node wants, kept across lost subscriptions. */
    private final Set<String> wanted = new HashSet<>();
    /** The channel topics subscribed on the current subscription, their commands all confirmed. */
    private final Set<String> subscribedTopics = new HashSet<>();
    /** Per channel topic, how many of its (UN)SUBSCRIBE commands Redis has yet to confirm. */
    private final Map<String, AtomicInteger> outstanding = new HashMap<>();
    /** The stages of {@link #subscribe} waiting for their topic's confirmation. */
    private final Map<String, CompletableFuture<Void>> pending = new HashMap<>();
    private volatile boolean closed;

    RedisClassicSubscriber(RedisTarget target, RedisKeys keys, int subscriberTimeoutMillis) {
        this.target = target;
        this.keys = keys;
        this.subscriberTimeoutMillis = subscriberTimeoutMillis;
    }

    @Override
    public void run(String nodeId, Consumer<String> onMessage, Runnable onReady, ThreadFactory threads) {
        if (closed) {
            return;
        }
        String nodeChannel = keys.nodeTopics(nodeId).get(0);
        String broadcast = keys.broadcastChannel();
        JedisPubSub pubSub = new JedisPubSub() {
            private int fixed;

            @Override
            public void onSubscribe(String channel, int subscribedChannels) {
                if (channel.equals(nodeChannel) || channel.equals(broadcast)) {
                    if (++fixed == 2) {
                        ready(this);
                        onReady.run();
                    }
                } else {
                    confirmed(channel, true);
                }
            }

            @Override
            public void onUnsubscribe(String channel, int subscribedChannels) {
                confirmed(channel, false);
            }

            @Override
            public void onMessage(String channel, String message) {
                onMessage.accept(message);
            }

            @Override
            public void onPong(String pattern) {
                lastPongNanos = System.nanoTime();
            }
        };
        HostAndPort at;
        try {
            at = target.subscriberNode(subscribedAt); // after a first run, the node where the last one ended
        } catch (JedisException e) {
            throw new HeraldUnavailableException("Redis master unknown: " + e.getMessage(), e);
        }
        subscribedAt = at;
        try (Connection connection = target.connect(at, subscriberTimeoutMillis)) {
            lastPongNanos = System.nanoTime();
            synchronized (writes) {
                active = null;
                outstanding.clear();
                subscribedTopics.clear();
            }
            subscription.set(pubSub);
            subscriber.set(connection);
            if (closed) {
                return;
            }
            pubSub.proceed(connection, nodeChannel, broadcast);
        } catch (JedisException e) {
            if (!closed) {
                throw new HeraldUnavailableException("Redis subscription lost: " + e.getMessage(), e);
            }
        } finally {
            synchronized (writes) {
                if (active == pubSub) {
                    active = null;
                }
            }
            subscription.compareAndSet(pubSub, null);
            subscriber.set(null);
        }
        if (!closed) {
            throw new HeraldUnavailableException("Redis subscription ended", null);
        }
    }

    /**
     * The node's own channels are subscribed on {@code pubSub}: from now on channel topics are (un)subscribed
     * on it as they are wanted, starting with every one wanted now (after a lost subscription, all of them).
     */
    private void ready(JedisPubSub pubSub) {
        synchronized (writes) {
            active = pubSub;
            List<String> topics = List.copyOf(wanted);
            if (!topics.isEmpty()) {
                topics.forEach(t -> outstanding.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet());
                pubSub.subscribe(topics.toArray(String[]::new));
            }
        }
    }

    /**
     * Redis confirmed a SUBSCRIBE ({@code subscribed}) or an UNSUBSCRIBE of {@code topic}. Confirmations come in
     * the order of the commands; once none of this topic's is outstanding, the topic is subscribed exactly when
     * it is wanted (the last command sent for it), and the stages waiting for it complete.
     */
    private void confirmed(String topic, boolean subscribed) {
        CompletableFuture<Void> done = null;
        synchronized (writes) {
            AtomicInteger left = outstanding.get(topic);
            if (left != null && left.decrementAndGet() > 0) {
                return;
            }
            outstanding.remove(topic);
            if (subscribed && wanted.contains(topic)) {
                subscribedTopics.add(topic);
                done = pending.remove(topic);
            } else {
                subscribedTopics.remove(topic);
            }
        }
        if (done != null) {
            done.complete(null);
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String topic) {
        synchronized (writes) {
            if (wanted.add(topic) && active != null) {
                send(active, topic, true);
            }
            if (subscribedTopics.contains(topic) && !outstanding.containsKey(topic)) {
                return CompletableFuture.completedFuture(null);
            }
            return pending.computeIfAbsent(topic, t -> new CompletableFuture<>());
        }
    }

    @Override
    public void unsubscribe(String topic) {
        synchronized (writes) {
            if (wanted.remove(topic) && active != null) {
                send(active, topic, false);
            }
            pending.remove(topic); // nobody waits for it: the node unsubscribes after its last local subscriber
        }
    }

    /** Sends one SUBSCRIBE or UNSUBSCRIBE on the subscription's connection; a failure ends the subscription. */
    private void send(JedisPubSub pubSub, String topic, boolean subscribe) {
        outstanding.computeIfAbsent(topic, k -> new AtomicInteger()).incrementAndGet();
        try {
            if (subscribe) {
                pubSub.subscribe(topic);
            } else {
                pubSub.unsubscribe(topic);
            }
        } catch (JedisException e) {
            disconnectSubscriber(); // the loop makes the subscription again, with every wanted topic
        }
    }

    @Override
    public void keepAlive() {
        JedisPubSub pubSub = subscription.get();
        if (pubSub == null || !pubSub.isSubscribed()) {
            return;
        }
        if (System.nanoTime() - lastPongNanos > subscriberTimeoutMillis * 1_000_000L) {
            disconnectSubscriber(); // no pong in time: the connection is dead though the socket looks open
            return;
        }
        if (target.kind() == RedisTarget.Kind.SENTINEL
                && !Objects.equals(subscribedAt, target.master())) {
            LOG.info(() -> "Redis master moved from " + subscribedAt + " to " + target.master()
                    + ": subscribing there");
            disconnectSubscriber(); // a failover: the loop subscribes again, on the new master
            return;
        }
        try {
            synchronized (writes) {
                pubSub.ping();
            }
        } catch (JedisException e) {
            disconnectSubscriber();
        }
    }

    private void disconnectSubscriber() {
        Connection connection = subscriber.get();
        if (connection != null) {
            try {
                connection.disconnect();
            } catch (JedisException e) {
                // Closing a broken socket: nothing more to do.
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        JedisPubSub pubSub = subscription.get();
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.unsubscribe();
            } catch (JedisException e) {
                // Already broken: the disconnect below ends the subscriber thread.
            }
        }
        disconnectSubscriber();
    }
}
