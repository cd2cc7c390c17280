package dev.herald.engine;

import dev.herald.HeraldUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.logging.Logger;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisShardedPubSub;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A node's subscription on Redis Cluster, all in sharded pub/sub: one connection per master that serves one of the
 * node's topics (its node topic in each user partition, broadcast, and the Herald channels it has local subscribers
 * of; see {@link RedisKeys}), each topic subscribed with {@code SSUBSCRIBE} on the connection to the master of its
 * slot, one command per slot. Client libraries do not follow a shard channel's slot when it moves, so this does:
 * a {@code SUNSUBSCRIBE} it did not ask for (Redis sends it when the slot leaves the master), a {@code MOVED} answer,
 * a lost connection or a silent one ends the run ({@link #run} throws), and the caller's next run reads the slot
 * map again and subscribes every topic where it is served now. The caller resumes what the gap may have missed,
 * as after any lost subscription.
 *
 * <p>Liveness: a shard connection takes no {@code PING}, so on each {@link #keepAlive} it subscribes one of its node
 * topics again, which Redis confirms; a connection that confirmed nothing for longer than the subscriber timeout
 * is closed. A master that serves none of the node topics (more masters than partitions) is not checked so.
 * Thread safe.
 */
final class RedisShardedSubscriber implements RedisSubscriber {

    private static final Logger LOG = Logger.getLogger(RedisShardedSubscriber.class.getName());

    private final RedisTarget target;
    private final RedisKeys keys;
    private final int timeoutMillis;
    private final Object lock = new Object();
    /** The channel topics this node wants, kept across runs. */
    private final Set<String> wanted = new HashSet<>();
    /** The stages of {@link #subscribe} waiting for their topic's confirmation. */
    private final Map<String, CompletableFuture<Void>> pending = new HashMap<>();
    /** The run in progress; {@code null} between runs. */
    private Run current;
    private volatile boolean closed;

    RedisShardedSubscriber(RedisTarget target, RedisKeys keys, int timeoutMillis) {
        this.target = target;
        this.keys = keys;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void run(String nodeId, Consumer<String> onMessage, Runnable onReady, ThreadFactory threads) {
        if (closed) {
            return;
        }
        target.slotsMoved(); // this run follows the slot map as it is now
        Set<String> fixed = new HashSet<>(keys.nodeTopics(nodeId));
        fixed.add(keys.broadcastChannel());
        Run run = new Run(fixed, onMessage, onReady, threads);
        try {
            synchronized (lock) {
                current = run;
                List<String> all = new ArrayList<>(fixed);
                all.addAll(wanted);
                all.forEach(run::add);
            }
            run.await();
        } catch (JedisException e) {
            run.end(e);
        } finally {
            synchronized (lock) {
                if (current == run) {
                    current = null;
                }
            }
            run.stop();
        }
        if (!closed) {
            Throwable cause = run.cause;
            throw new HeraldUnavailableException("Redis Cluster subscription lost: "
                    + (cause == null ? "ended" : cause.getMessage()), cause);
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String topic) {
        synchronized (lock) {
            boolean added = wanted.add(topic);
            if (current != null && current.confirmed.contains(topic) && !current.outstanding.containsKey(topic)) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> stage = pending.computeIfAbsent(topic, t -> new CompletableFuture<>());
            if (added && current != null) {
                current.add(topic);
            }
            return stage;
        }
    }

    @Override
    public void unsubscribe(String topic) {
        synchronized (lock) {
            pending.remove(topic); // nobody waits for it: the node unsubscribes after its last local subscriber
            if (wanted.remove(topic) && current != null) {
                current.remove(topic);
            }
        }
    }

    @Override
    public void keepAlive() {
        Run run;
        synchronized (lock) {
            run = current;
        }
        if (run != null) {
            run.keepAlive();
        }
    }

    @Override
    public void close() {
        closed = true;
        Run run;
        synchronized (lock) {
            run = current;
        }
        if (run != null) {
            run.end(null);
            run.stop();
        }
    }

    /** One run: its connections, one per master, and what they subscribed. Guarded by {@link #lock}. */
    private final class Run {
        final Set<String> fixedLeft;
        final Set<String> fixed;
        final Consumer<String> onMessage;
        final Runnable onReady;
        final ThreadFactory threads;
        final Map<HostAndPort, Shard> shards = new LinkedHashMap<>();
        /** Channel topics whose SSUBSCRIBE Redis confirmed on this run. */
        final Set<String> confirmed = new HashSet<>();
        /** Per topic, how many of its SUNSUBSCRIBE commands Redis has yet to confirm. */
        final Map<String, Integer> outstanding = new HashMap<>();
        final CountDownLatch ended = new CountDownLatch(1);
        /** Keeps {@code onMessage} to one call at a time, whichever connection the message came on. */
        final Object delivery = new Object();
        volatile Throwable cause;
        boolean ready;

        Run(Set<String> fixed, Consumer<String> onMessage, Runnable onReady, ThreadFactory threads) {
            this.fixed = Set.copyOf(fixed);
            this.fixedLeft = new HashSet<>(fixed);
            this.onMessage = onMessage;
            this.onReady = onReady;
            this.threads = threads;
        }

        /** Subscribes {@code topic} on its master's connection, opening that connection first if need be. */
        void add(String topic) {
            HostAndPort owner = target.ownerOf(topic);
            Shard shard = shards.get(owner);
            if (shard == null) {
                shard = new Shard(this, owner);
                shards.put(owner, shard);
                shard.send(List.of(topic));
                Thread thread = threads.newThread(shard::read);
                thread.setName("herald-redis-shard-" + owner);
                thread.start();
            } else {
                shard.send(List.of(topic));
            }
        }

        void remove(String topic) {
            Shard shard = shards.get(target.ownerOf(topic));
            if (shard == null) {
                return;
            }
            confirmed.remove(topic);
            if (shard.started) {
                outstanding.merge(topic, 1, Integer::sum);
                shard.unsubscribe(topic);
            } else {
                shard.queued.removeIf(group -> group.size() == 1 && group.get(0).equals(topic));
            }
        }

        void subscribed(Shard shard, String topic) {
            Runnable ready = null;
            CompletableFuture<Void> done = null;
            synchronized (lock) {
                if (!shard.started) {
                    shard.started = true;
                    shard.flush();
                }
                if (fixed.contains(topic)) {
                    shard.keepAliveTopic = topic;
                    if (fixedLeft.remove(topic) && fixedLeft.isEmpty() && !this.ready) {
                        this.ready = true;
                        ready = onReady;
                    }
                } else if (wanted.contains(topic) && !outstanding.containsKey(topic)) {
                    confirmed.add(topic);
                    done = pending.remove(topic);
                }
            }
            if (done != null) {
                done.complete(null);
            }
            if (ready != null) {
                ready.run();
            }
        }

        void unsubscribed(String topic) {
            synchronized (lock) {
                Integer left = outstanding.get(topic);
                if (left != null) {
                    if (left == 1) {
                        outstanding.remove(topic);
                    } else {
                        outstanding.put(topic, left - 1);
                    }
                    return;
                }
            }
            // Not asked for: the topic's slot left that master (a migration, a failover). Start over where it is.
            LOG.info(() -> "Redis Cluster: " + topic + " was unsubscribed by its master (its slot moved): "
                    + "subscribing every topic again where it is served now");
            end(new HeraldUnavailableException("the slot of " + topic + " moved", null));
        }

        void message(String message) {
            synchronized (delivery) {
                onMessage.accept(message);
            }
        }

        void keepAlive() {
            List<Shard> all;
            synchronized (lock) {
                all = List.copyOf(shards.values());
            }
            long now = System.nanoTime();
            for (Shard shard : all) {
                if (shard.started && now - shard.lastReplyNanos > timeoutMillis * 1_000_000L) {
                    end(new HeraldUnavailableException("no answer from " + shard.at + " for " + timeoutMillis
                            + " ms", null));
                    return;
                }
                shard.ping();
            }
        }

        void end(Throwable why) {
            if (cause == null && why != null) {
                cause = why;
            }
            ended.countDown();
        }

        void await() {
            try {
                ended.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end(e);
            }
        }

        /** Closes every connection of the run, which ends their threads. */
        void stop() {
            List<Shard> all;
            synchronized (lock) {
                all = List.copyOf(shards.values());
            }
            all.forEach(Shard::disconnect);
        }
    }

    /** One connection to one master, read by a thread of its own. */
    private final class Shard {
        final Run run;
        final HostAndPort at;
        /** Slot groups to subscribe once the connection is subscribed: the first goes with {@code proceed}. */
        final Deque<List<String>> queued = new ArrayDeque<>();
        volatile Connection connection;
        volatile long lastReplyNanos = System.nanoTime();
        /** Whether the first SSUBSCRIBE is confirmed: from then on commands go straight out. Guarded by lock. */
        boolean started;
        /** A node topic this connection holds, subscribed again as a ping. */
        volatile String keepAliveTopic;
        final JedisShardedPubSub pubSub = new JedisShardedPubSub() {
            @Override
            public void onSSubscribe(String channel, int subscribedChannels) {
                lastReplyNanos = System.nanoTime();
                run.subscribed(Shard.this, channel);
            }

            @Override
            public void onSUnsubscribe(String channel, int subscribedChannels) {
                lastReplyNanos = System.nanoTime();
                if (channel != null) {
                    run.unsubscribed(channel);
                }
            }

            @Override
            public void onSMessage(String channel, String message) {
                lastReplyNanos = System.nanoTime();
                run.message(message);
            }
        };

        Shard(Run run, HostAndPort at) {
            this.run = run;
            this.at = at;
        }

        /** Subscribes {@code topics}: now, or once the connection is subscribed. Under lock. */
        void send(List<String> topics) {
            if (started) {
                ssubscribe(topics);
            } else {
                queued.add(topics);
            }
        }

        /** Sends every queued group, one SSUBSCRIBE per slot. Under lock. */
        void flush() {
            Map<Integer, List<String>> bySlot = new TreeMap<>();
            for (List<String> group : queued) {
                for (String topic : group) {
                    bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(topic), s -> new ArrayList<>()).add(topic);
                }
            }
            queued.clear();
            bySlot.values().forEach(this::ssubscribe);
        }

        private void ssubscribe(List<String> topics) {
            try {
                pubSub.ssubscribe(topics.toArray(String[]::new));
            } catch (JedisException e) {
                run.end(e);
            }
        }

        void unsubscribe(String topic) {
            try {
                pubSub.sunsubscribe(topic);
            } catch (JedisException e) {
                run.end(e);
            }
        }

        void ping() {
            String topic = keepAliveTopic;
            if (topic != null) {
                synchronized (lock) {
                    ssubscribe(List.of(topic));
                }
            }
        }

        /** The connection's thread: connects, subscribes the first group, and reads until the run ends. */
        void read() {
            List<String> first;
            synchronized (lock) {
                first = queued.poll();
            }
            try (Connection c = target.connect(at, timeoutMillis)) {
                connection = c;
                if (run.ended.getCount() > 0) {
                    pubSub.proceed(c, first.toArray(String[]::new));
                }
                run.end(new HeraldUnavailableException("every topic on " + at + " was unsubscribed", null));
            } catch (Throwable e) { // whatever ends this connection ends the run
                run.end(e);
            }
        }

        void disconnect() {
            Connection c = connection;
            if (c != null) {
                try {
                    c.disconnect();
                } catch (JedisException e) {
                    // Closing a broken socket: nothing more to do.
                }
            }
        }
    }
}
