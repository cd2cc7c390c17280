package dev.herald.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/**
 * A Redis Sentinel group for one test: a master, a replica, and three sentinels ({@code redis-server --sentinel})
 * on free loopback ports that watch the master as {@value #MASTER} with a quorum of two, call it down after
 * 1 s of silence and fail over to the replica. Started whole: {@link #start} returns once the replica is in sync
 * and every sentinel knows the replica and the two other sentinels, so that a failover can happen.
 */
public final class RedisSentinels implements AutoCloseable {

    public static final String MASTER = "herald";

    private final RedisServer master;
    private final RedisServer replica;
    private final List<Process> sentinels = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Path dir;
    /** When the group speaks TLS: the certificates, the master's and the replica's TLS ports, the sentinels'. */
    private final TlsFiles tls;
    private final int masterTlsPort;
    private final List<Integer> tlsPorts = new ArrayList<>();

    private RedisSentinels(RedisServer master, RedisServer replica, Path dir, TlsFiles tls, int masterTlsPort) {
        this.master = master;
        this.replica = replica;
        this.dir = dir;
        this.tls = tls;
        this.masterTlsPort = masterTlsPort;
    }

    public static RedisSentinels start() {
        return start(null);
    }

    /** The ACL user of {@link #startTls}'s master and replica, and its password. */
    public static final String ACL_USER = "herald";
    public static final String ACL_PASSWORD = "sentinel-acl-s3cret";
    /**
     * {@link #startTls}'s users on the master and the replica: {@value #ACL_USER} may do anything (the sentinels and
     * the replica log in as it); {@code default}, which this helper uses, only looks, so that a client without the
     * ACL user's credentials cannot write. The sentinels themselves take no credentials.
     */
    private static final List<String> ACL = List.of("--user", ACL_USER, "on", ">" + ACL_PASSWORD, "~*", "&*",
            "+@all", "--user", "default", "on", "nopass", "~*", "&*", "-@all", "+ping", "+info", "+role",
            "--masteruser", ACL_USER, "--masterauth", ACL_PASSWORD);

    /**
     * A group whose master, replica and sentinels also have TLS ports with {@code tls}'s certificate: replication
     * and the sentinels' own connections speak TLS ({@code tls-replication}), so the sentinels name the TLS ports;
     * each keeps its plain port, which only this helper uses. Writes need the ACL user {@value #ACL_USER}.
     */
    public static RedisSentinels startTls(TlsFiles tls) {
        return start(tls);
    }

    private static RedisSentinels start(TlsFiles tls) {
        RedisServer master;
        RedisServer replica;
        int masterTlsPort = 0;
        if (tls == null) {
            master = RedisServer.start();
            replica = RedisServer.startReplicaOf(master);
        } else {
            masterTlsPort = RedisServer.freePort();
            List<String> args = new ArrayList<>(tls.redisArguments(masterTlsPort));
            args.addAll(List.of("--tls-replication", "yes"));
            args.addAll(ACL);
            master = RedisServer.startWith(args.toArray(String[]::new));
            List<String> replicaArgs = new ArrayList<>(tls.redisArguments(RedisServer.freePort()));
            replicaArgs.addAll(List.of("--tls-replication", "yes", "--replicaof", "127.0.0.1",
                    String.valueOf(masterTlsPort)));
            replicaArgs.addAll(ACL);
            replica = RedisServer.startWith(replicaArgs.toArray(String[]::new));
        }
        RedisSentinels group;
        try {
            group = new RedisSentinels(master, replica, Files.createTempDirectory("herald-sentinel"), tls,
                    masterTlsPort);
            for (int i = 0; i < 3; i++) {
                group.startSentinel(i);
            }
        } catch (IOException e) {
            master.close();
            replica.close();
            throw new IllegalStateException("cannot start sentinels", e);
        }
        group.await("the replica syncs with the master", Duration.ofSeconds(20), () -> {
            try (Jedis j = new Jedis("127.0.0.1", replica.port())) {
                return j.info("replication").contains("master_link_status:up");
            }
        });
        group.await("every sentinel knows the replica and the other sentinels", Duration.ofSeconds(30), () -> {
            for (int port : group.ports) {
                try (Jedis j = new Jedis("127.0.0.1", port)) {
                    if (j.sentinelReplicas(MASTER).isEmpty() || j.sentinelSentinels(MASTER).size() < 2) {
                        return false;
                    }
                }
            }
            return true;
        });
        return group;
    }

    private void startSentinel(int i) throws IOException {
        int port = RedisServer.freePort();
        Path conf = dir.resolve("sentinel-" + i + ".conf");
        StringBuilder tlsLines = new StringBuilder();
        if (tls != null) {
            int tlsPort = RedisServer.freePort();
            tlsPorts.add(tlsPort);
            List<String> args = tls.redisArguments(tlsPort);
            for (int a = 0; a < args.size(); a += 2) {
                tlsLines.append(args.get(a).substring(2)).append(' ').append(args.get(a + 1)).append('\n');
            }
            tlsLines.append("tls-replication yes\n");
            tlsLines.append("sentinel auth-user " + MASTER + " " + ACL_USER + "\n");
            tlsLines.append("sentinel auth-pass " + MASTER + " " + ACL_PASSWORD + "\n");
        }
        Files.writeString(conf, tlsLines + String.join("\n",
                "port " + port,
                "bind 127.0.0.1",
                "dir " + dir,
                "sentinel monitor " + MASTER + " 127.0.0.1 " + (tls == null ? master.port() : masterTlsPort) + " 2",
                "sentinel down-after-milliseconds " + MASTER + " 1000",
                "sentinel failover-timeout " + MASTER + " 5000",
                "sentinel parallel-syncs " + MASTER + " 1", ""));
        Process p = new ProcessBuilder(RedisServer.executable(), conf.toString(), "--sentinel")
                .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel-" + i + ".log").toFile()).start();
        sentinels.add(p);
        ports.add(port);
        await("sentinel " + i + " answers", Duration.ofSeconds(10), () -> {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                return "PONG".equals(j.ping());
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    private void await(String what, Duration limit, BooleanSupplier done) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (done.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // a process that is still starting
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("not within " + limit + ": " + what + " (logs in " + dir + ")");
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /** {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/herald}. */
    public String url() {
        return "redis-sentinel://" + ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
                + "/" + MASTER;
    }

    /** {@code rediss-sentinel://} with the sentinels' TLS ports, no parameters. */
    public String tlsUrl() {
        return "rediss-sentinel://" + tlsPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
                + "/" + MASTER;
    }

    /** The address of sentinel {@code i} (0 to 2). */
    public redis.clients.jedis.HostAndPort sentinelPort(int i) {
        return new redis.clients.jedis.HostAndPort("127.0.0.1", ports.get(i));
    }

    public RedisServer master() {
        return master;
    }

    public RedisServer replica() {
        return replica;
    }

    /** The port of the master the sentinels name now. */
    public int currentMasterPort() {
        try (Jedis j = new Jedis("127.0.0.1", ports.get(0))) {
            return Integer.parseInt(j.sentinelGetMasterAddrByName(MASTER).get(1));
        }
    }

    @Override
    public void close() {
        for (Process p : sentinels) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        master.close();
        replica.close();
    }
}
