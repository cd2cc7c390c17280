package dev.herald.engine;

import dev.herald.Recipient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A broker inside this JVM: hands each message straight to the subscribed nodes' handlers on the sending
 * thread, following the same targeting and batching rules as the Redis broker. Several node ids may subscribe, which is
 * how tests run a cluster in one JVM.
 */
public final class MemoryBroker implements Broker {

    private final SessionRegistry registry;
    private final Map<String, Consumer<String>> handlers;
    private final Bus bus;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** The channels this broker's node wants, kept until {@link #run} knows the node. */
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    private volatile String nodeId;

    /** What brokers in one JVM share: each node's handler, the nodes subscribed to each channel, the streams. */
    public static final class Bus {
        final Map<String, Consumer<String>> handlers = new ConcurrentHashMap<>();
        final Map<String, Set<String>> channels = new ConcurrentHashMap<>();
        final MemoryHistory history;

        public Bus() {
            this(new MemoryHistory());
        }

        public Bus(MemoryHistory history) {
            this.history = history;
        }
    }

    public MemoryBroker(SessionRegistry registry) {
        this(registry, new Bus());
    }

    /**
     * A broker that shares {@code bus} with other brokers, so that several nodes in one JVM reach each other;
     * {@link #close()} ends only this broker's subscriptions.
     */
    public MemoryBroker(SessionRegistry registry, Bus bus) {
        this.registry = registry;
        this.bus = bus;
        this.handlers = bus.handlers;
    }

    @Override
    public CompletionStage<Void> subscribe(String channel) {
        wanted.add(channel);
        String node = nodeId;
        if (node != null) {
            bus.channels.computeIfAbsent(channel, c -> ConcurrentHashMap.newKeySet()).add(node);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void unsubscribe(String channel) {
        wanted.remove(channel);
        String node = nodeId;
        if (node != null) {
            bus.channels.computeIfPresent(channel, (c, nodes) -> {
                nodes.remove(node);
                return nodes.isEmpty() ? null : nodes;
            });
        }
    }

    /** The streams this broker appends kept notices to. */
    public MemoryHistory history() {
        return bus.history;
    }

    @Override
    public int publish(Outgoing o) {
        if (o.kept()) {
            return publishKept(o.to(), List.of(o))[0];
        }
        return handOn(o.to(), o.message());
    }

    /**
     * Appends kept notices of one stream and hands them on as one message per node, under the stream's lock so
     * that every node gets them in offset order; returns how many nodes each was handed to.
     */
    private int[] publishKept(Recipient to, List<Outgoing> kept) {
        List<String> headers = new ArrayList<>(kept.size());
        List<String> rests = new ArrayList<>(kept.size());
        for (Outgoing o : kept) {
            headers.add(o.header());
            rests.add(o.rest());
        }
        int[] handed = new int[1];
        bus.history.append(to, rests, frames -> {
            StringBuilder message = new StringBuilder();
            for (int i = 0; i < frames.size(); i++) {
                String next = headers.get(i) + '\n' + frames.get(i);
                if (message.length() > 0 && message.length() + 1 + next.length() > NoticeCodec.MAX_BATCH_CHARS) {
                    handOn(to, message.toString());
                    message.setLength(0);
                }
                message.append(message.length() == 0 ? "" : "\n").append(next);
            }
            handed[0] = handOn(to, message.toString());
        });
        int[] each = new int[kept.size()];
        java.util.Arrays.fill(each, handed[0]);
        return each;
    }

    private int handOn(Recipient to, String message) {
        Set<String> nodes = nodesOf(to);
        int handed = 0;
        for (String node : nodes) {
            Consumer<String> handler = handlers.get(node);
            if (handler != null) {
                handle(handler, message);
                handed++;
            }
        }
        return handed;
    }

    /**
     * Several notices, as the Redis broker sends them: the ones for each node joined into one message (a new one
     * past {@link NoticeCodec#MAX_BATCH_CHARS} characters), delivered in order, so that a node routes a batch as
     * one burst here too.
     */
    @Override
    public int[] publishAll(List<Outgoing> messages) {
        int[] handed = new int[messages.size()];
        Map<String, StringBuilder> batches = new LinkedHashMap<>();
        for (int i = 0; i < handed.length; i++) {
            Outgoing o = messages.get(i);
            if (o.kept()) {
                // A run of kept notices, as the Redis broker sends it: one append per stream, after what came before.
                batches.forEach((node, batch) -> deliver(node, batch.toString()));
                batches.clear();
                Map<Recipient, List<Integer>> streams = new LinkedHashMap<>();
                int end = i;
                for (; end < handed.length && messages.get(end).kept(); end++) {
                    streams.computeIfAbsent(messages.get(end).to(), t -> new ArrayList<>()).add(end);
                }
                streams.forEach((to, indexes) -> {
                    int[] each = publishKept(to, indexes.stream().map(messages::get).toList());
                    for (int j = 0; j < each.length; j++) {
                        handed[indexes.get(j)] = each[j];
                    }
                });
                i = end - 1;
                continue;
            }
            for (String node : nodesOf(o.to())) {
                if (!handlers.containsKey(node)) {
                    continue;
                }
                StringBuilder batch = batches.get(node);
                if (batch != null && batch.length() + 1 + o.message().length() > NoticeCodec.MAX_BATCH_CHARS) {
                    deliver(node, batch.toString());
                    batch = null;
                }
                batches.put(node, batch == null ? new StringBuilder(o.message()) : batch.append('\n').append(o.message()));
                handed[i]++;
            }
        }
        batches.forEach((node, batch) -> deliver(node, batch.toString()));
        return handed;
    }

    private void deliver(String node, String message) {
        Consumer<String> handler = handlers.get(node);
        if (handler != null) {
            handle(handler, message);
        }
    }

    /**
     * Hands a message to a node's handler, one message at a time per node as a Redis subscription does, so that
     * the notices of one message reach each session as one burst even when several threads send.
     */
    private static void handle(Consumer<String> handler, String message) {
        synchronized (handler) {
            handler.accept(message);
        }
    }

    private Set<String> nodesOf(Recipient to) {
        return switch (to.kind()) {
            case USER -> new HashSet<>(registry.sessionsOf(to.id()).values());
            case SESSION -> {
                String node = SessionIds.nodeOf(to.id());
                yield node == null ? Set.of() : Set.of(node);
            }
            case CHANNEL -> {
                Set<String> nodes = bus.channels.get(to.id());
                yield nodes == null ? Set.of() : Set.copyOf(nodes);
            }
            case ALL -> Set.copyOf(handlers.keySet());
        };
    }

    @Override
    public void run(String nodeId, Consumer<String> onMessage, Runnable onReady,
            java.util.concurrent.ThreadFactory threads) {
        this.nodeId = nodeId;
        handlers.put(nodeId, onMessage);
        wanted.forEach(this::subscribe);
        try {
            onReady.run();
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            handlers.remove(nodeId, onMessage);
            for (String channel : wanted) {
                bus.channels.computeIfPresent(channel, (c, nodes) -> {
                    nodes.remove(nodeId);
                    return nodes.isEmpty() ? null : nodes;
                });
            }
        }
    }

    @Override
    public void close() {
        closed.countDown();
    }
}
