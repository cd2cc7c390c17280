package dev.herald.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herald.engine.Engine;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Herald nodes on a real Redis for one test, started as the Redis ITs want them (heartbeat 200 ms, TTL 2 s,
 * {@code room:} channels open, pool of 4, 1 s timeouts), and closed together with the pool they share.
 */
final class RedisTestNodes implements AutoCloseable {

    private final String url;
    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
    private final List<Node> nodes = new CopyOnWriteArrayList<>();

    /** Nodes on the Redis that {@code url} names (a {@code herald.redis.url}). */
    RedisTestNodes(String url) {
        this.url = url;
    }

    /** The scheduler the nodes run on, for a test's own flows of sends. */
    ScheduledExecutorService pool() {
        return pool;
    }

    /** A node named {@code name}, started on {@code url}, without waiting for its subscription. */
    Node start(String name, String url) {
        HeraldConfig config = HeraldConfig.from(Map.of("herald.redis.url", url, "herald.node.name", name,
                "herald.node.heartbeat", "200", "herald.node.ttl", "2000", "herald.channels.open", "room:")::get);
        Node node = new Node(config, Engine.redis(config.redisUrl(), "herald:", 1000, 4, 2000, config.retention()),
                Thread::new, pool, Runnable::run);
        nodes.add(node);
        node.start();
        return node;
    }

    /** A node named {@code name}, started, once it holds its Redis subscription (within 10 s). */
    Node subscribed(String name) throws InterruptedException {
        Node node = start(name, url);
        assertTrue(node.awaitSubscribed(10, SECONDS), "node " + name + " subscribed on " + url);
        return node;
    }

    @Override
    public void close() {
        nodes.forEach(Node::close);
        pool.shutdownNow();
    }
}
