package dev.herald.testing;

import dev.herald.engine.RedisKeys;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A Redis Cluster for one test: three masters and one replica each, real {@code redis-server} processes on free
 * loopback ports (and free cluster-bus ports), joined by {@code redis-cli --cluster create}. {@link #start}
 * returns once every node says {@code cluster_state:ok} and each master has its replica in sync. A node fails
 * over after 1 s of silence ({@code cluster-node-timeout}).
 */
public final class RedisCluster implements AutoCloseable {

    private final List<RedisServer> nodes = new ArrayList<>();
    /** Each node's TLS port, in the order of {@link #nodes}, when the cluster speaks TLS. */
    private final List<Integer> tlsPorts = new ArrayList<>();

    private RedisCluster() {
    }

    public static RedisCluster start() {
        return start(null);
    }

    /** The ACL user of {@link #startTls}'s cluster, and its password. */
    public static final String ACL_USER = "herald";
    public static final String ACL_PASSWORD = "cluster-acl-s3cret";
    /**
     * {@link #startTls}'s users: {@value #ACL_USER} may do anything; {@code default}, which this helper and
     * redis-cli use, only look and manage the cluster, so that a client without the ACL user's credentials cannot
     * write.
     */
    private static final List<String> ACL = List.of("--user", ACL_USER, "on", ">" + ACL_PASSWORD, "~*", "&*",
            "+@all", "--user", "default", "on", "nopass", "~*", "&*", "-@all", "+ping", "+info", "+cluster",
            "+pubsub", "+config|get", "+client", "+readonly", "--masteruser", ACL_USER, "--masterauth", ACL_PASSWORD);

    /**
     * A cluster whose nodes also have TLS ports with {@code tls}'s certificate, where clients, the cluster bus and
     * replication speak TLS ({@code tls-cluster}, {@code tls-replication}); each keeps its plain port, which only
     * this helper uses (a client on a TLS port is told the TLS ports of the others). Writes need the ACL user
     * {@value #ACL_USER} (see {@link #ACL}).
     */
    public static RedisCluster startTls(TlsFiles tls) {
        return start(tls);
    }

    /**
     * Starts the cluster, again on other ports when a port it picked was taken before a node bound it (by a
     * process outside this JVM: {@link RedisServer#freePort} gives no port twice within it).
     */
    private static RedisCluster start(TlsFiles tls) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(tls);
            } catch (IllegalStateException e) {
                if (attempt == 3 || e.getMessage() == null || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
                System.err.println("RedisCluster: a port was taken, starting on others: " + e.getMessage());
            }
        }
    }

    private static RedisCluster startOnce(TlsFiles tls) {
        RedisCluster cluster = new RedisCluster();
        try {
            for (int i = 0; i < 6; i++) {
                List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-port",
                        String.valueOf(RedisServer.freePort()), "--cluster-node-timeout", "1000",
                        "--cluster-config-file", "nodes-" + i + ".conf"));
                if (tls != null) {
                    int tlsPort = RedisServer.freePort();
                    cluster.tlsPorts.add(tlsPort);
                    args.addAll(tls.redisArguments(tlsPort));
                    args.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
                    args.addAll(ACL);
                }
                cluster.nodes.add(RedisServer.startWith(args.toArray(String[]::new)));
            }
            List<String> command = new ArrayList<>(List.of(cli(), "--cluster", "create"));
            cluster.nodes.forEach(n -> command.add("127.0.0.1:" + n.port()));
            command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
            }
        } catch (IOException e) {
            cluster.close();
            throw new IllegalStateException("cannot run redis-cli; install it (apt-get install redis-tools)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cluster.close();
            throw new IllegalStateException("interrupted", e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        cluster.await("every node says the cluster is ok, each master with a replica in sync", Duration.ofSeconds(30),
                () -> cluster.nodes.stream().allMatch(n -> {
                    try (Jedis j = new Jedis("127.0.0.1", n.port())) {
                        String info = j.info("replication");
                        return j.clusterInfo().contains("cluster_state:ok")
                                && (info.contains("role:master") ? info.contains("connected_slaves:1")
                                        : info.contains("master_link_status:up"));
                    }
                }));
        return cluster;
    }

    private static String cli() {
        for (String candidate : List.of("/usr/bin/redis-cli", "/usr/local/bin/redis-cli")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        return "redis-cli";
    }

    /**
     * Runs {@code redis-cli -c} (which follows MOVED) against {@code node} with {@code args}, as an operator or a
     * script would; its output.
     */
    public String cli(RedisServer node, String... args) {
        List<String> command = new ArrayList<>(List.of(cli(), "-c", "-p", String.valueOf(node.port())));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed:\n" + out);
            }
            return out.trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The slot of {@code user}'s keys in Herald's default layout on a cluster (prefix herald:, 32 partitions). */
    public static int userSlot(String user) {
        return slotOf(new RedisKeys("herald:", 32).userSessions(user));
    }

    /**
     * {@code perMaster} user ids ({@code user-N}) whose keys, in Herald's default layout on a cluster (prefix
     * {@code herald:}, 32 partitions), fall on each master: users on every shard.
     */
    public List<String> usersOnEveryMaster(int perMaster) {
        Map<Integer, List<String>> byMaster = new HashMap<>();
        List<String> users = new ArrayList<>();
        for (int i = 0; users.size() < perMaster * masters().size(); i++) {
            String user = "user-" + i;
            List<String> mine = byMaster.computeIfAbsent(ownerOf(userSlot(user)).port(),
                    port -> new ArrayList<>());
            if (mine.size() < perMaster) {
                mine.add(user);
                users.add(user);
            }
        }
        return users;
    }

    /** {@code rediss-cluster://127.0.0.1:t1,127.0.0.1:t2}: two of the nodes' TLS ports as seeds, no parameters. */
    public String tlsUrl() {
        return "rediss-cluster://" + tlsPorts.subList(0, 2).stream().map(p -> "127.0.0.1:" + p)
                .collect(Collectors.joining(","));
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2}: two of the nodes as seeds. */
    public String url() {
        return "redis-cluster://" + nodes.subList(0, 2).stream().map(n -> "127.0.0.1:" + n.port())
                .collect(Collectors.joining(","));
    }

    /** The node that serves {@code slot} now (its master), as the first node sees the cluster. */
    public RedisServer ownerOf(int slot) {
        for (RedisServer n : nodes) {
            try (Jedis j = new Jedis("127.0.0.1", n.port())) {
                if (j.info("replication").contains("role:master")) {
                    for (String line : j.clusterNodes().split("\n")) {
                        String[] f = line.split(" ");
                        if (f[2].contains("myself")) {
                            for (int i = 8; i < f.length; i++) {
                                if (covers(f[i], slot)) {
                                    return n;
                                }
                            }
                        }
                    }
                }
            } catch (RuntimeException down) {
                // a killed node
            }
        }
        throw new IllegalStateException("no live master serves slot " + slot);
    }

    private static boolean covers(String range, int slot) {
        if (range.startsWith("[")) {
            return false; // a slot being migrated or imported
        }
        int dash = range.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
        return slot >= from && slot <= to;
    }

    /** The slot of {@code key}, by its hash tag. */
    public static int slotOf(String key) {
        return JedisClusterCRC16.getSlot(key);
    }

    /** Every node, masters and replicas, killed or not. */
    public List<RedisServer> all() {
        return List.copyOf(nodes);
    }

    /** The master {@code node} replicates, or {@code null} for a master. */
    public RedisServer replicaOf(RedisServer node) {
        try (Jedis j = new Jedis("127.0.0.1", node.port())) {
            String info = j.info("replication");
            if (info.contains("role:master")) {
                return null;
            }
            String port = info.lines().filter(l -> l.startsWith("master_port:")).findFirst().orElseThrow()
                    .substring("master_port:".length()).trim();
            return nodes.stream().filter(n -> String.valueOf(n.port()).equals(port)).findFirst().orElse(null);
        }
    }

    /** The live masters. */
    public List<RedisServer> masters() {
        List<RedisServer> masters = new ArrayList<>();
        for (RedisServer n : nodes) {
            try (Jedis j = new Jedis("127.0.0.1", n.port())) {
                if (j.info("replication").contains("role:master")) {
                    masters.add(n);
                }
            } catch (RuntimeException down) {
                // a killed node
            }
        }
        return masters;
    }

    /**
     * Moves {@code slot}, with its keys, from the master that serves it to {@code target} (another master), as
     * {@code redis-cli --cluster reshard} does: IMPORTING, MIGRATING, MIGRATE of every key, then NODE on every master.
     */
    public void migrate(int slot, RedisServer target) {
        RedisServer source = ownerOf(slot);
        try (Jedis from = new Jedis("127.0.0.1", source.port()); Jedis to = new Jedis("127.0.0.1", target.port())) {
            String fromId = from.clusterMyId();
            String toId = to.clusterMyId();
            to.clusterSetSlotImporting(slot, fromId);
            from.clusterSetSlotMigrating(slot, toId);
            while (true) {
                List<String> keys = from.clusterGetKeysInSlot(slot, 100);
                if (keys.isEmpty()) {
                    break;
                }
                from.migrate("127.0.0.1", target.port(), 5000,
                        redis.clients.jedis.params.MigrateParams.migrateParams().replace(),
                        keys.toArray(String[]::new));
            }
            to.clusterSetSlotNode(slot, toId);
            from.clusterSetSlotNode(slot, toId);
            for (RedisServer other : masters()) {
                if (other != source && other != target) {
                    try (Jedis j = new Jedis("127.0.0.1", other.port())) {
                        j.clusterSetSlotNode(slot, toId);
                    }
                }
            }
        }
    }

    /** Kills {@code node} as a crash would. */
    public void kill(RedisServer node) {
        node.kill();
    }

    /** Waits until every live node says the cluster is ok again (after a failover). */
    public void awaitOk(Duration limit) {
        await("the cluster is ok", limit, () -> nodes.stream().allMatch(n -> {
            try (Jedis j = new Jedis("127.0.0.1", n.port())) {
                return j.clusterInfo().contains("cluster_state:ok");
            } catch (RuntimeException down) {
                return true; // a killed node does not vote
            }
        }));
    }

    private void await(String what, Duration limit, BooleanSupplier done) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (done.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // a node that is still starting
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("not within " + limit + ": " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }
}
