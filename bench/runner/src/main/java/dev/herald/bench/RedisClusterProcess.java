package dev.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of three masters with a replica each, six redis-server processes on free loopback ports (with
 * free cluster-bus ports), joined by {@code redis-cli --cluster create}; and, per process, the counters that tell
 * how far pub/sub traffic travels: cluster-bus messages received by kind, commands by name, CPU time.
 */
final class RedisClusterProcess implements AutoCloseable {

    /** One redis-server of the cluster. */
    record Member(int port, Process process) {
        long pid() {
            return process.pid();
        }
    }

    private static final Pattern CMDSTAT = Pattern.compile("cmdstat_([^:]+):calls=(\\d+),.*");

    private final List<Member> members = new ArrayList<>();

    static RedisClusterProcess start(Path work) throws IOException, InterruptedException {
        RedisClusterProcess cluster = Bench.started(new RedisClusterProcess());
        for (int i = 0; i < 6; i++) {
            int port = Bench.freePort();
            Path dir = Files.createDirectories(work.resolve("redis-cluster-" + port));
            Process p = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--cluster-enabled",
                    "yes", "--cluster-port", String.valueOf(Bench.freePort()), "--cluster-node-timeout", "2000"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            cluster.members.add(new Member(port, p));
        }
        for (Member m : cluster.members) {
            cluster.await("redis-server on " + m.port + " answers", () -> {
                try (Jedis j = new Jedis("127.0.0.1", m.port)) {
                    return "PONG".equals(j.ping());
                }
            });
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        cluster.members.forEach(m -> create.add("127.0.0.1:" + m.port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
        }
        cluster.await("the cluster is ok on every node, each master with a replica in sync", () -> cluster.members
                .stream().allMatch(m -> {
                    try (Jedis j = new Jedis("127.0.0.1", m.port)) {
                        String info = j.info("replication");
                        return j.clusterInfo().contains("cluster_state:ok") && (info.contains("role:master")
                                ? info.contains("connected_slaves:1") : info.contains("master_link_status:up"));
                    }
                }));
        return cluster;
    }

    private void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not up yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new IllegalStateException("not within 30 s: " + what);
    }

    List<Member> members() {
        return members;
    }

    /** {@code redis-cluster://} with two of the nodes as seeds. */
    String url() {
        return "redis-cluster://" + members.subList(0, 2).stream().map(m -> "127.0.0.1:" + m.port)
                .collect(Collectors.joining(","));
    }

    /** "master" or "replica of PORT". */
    String role(Member m) {
        try (Jedis j = new Jedis("127.0.0.1", m.port)) {
            String info = j.info("replication");
            if (info.contains("role:master")) {
                return "master";
            }
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("master_port:")) {
                    return "replica of " + line.substring("master_port:".length()).trim();
                }
            }
            return "replica";
        }
    }

    /**
     * The counters of {@code m} now: {@code bus.publish} and {@code bus.publishshard} (cluster-bus messages of
     * each kind received), {@code cmd.NAME} (calls per command), {@code cpuMillis}, and {@code nanos} (when read).
     */
    Map<String, Long> counters(Member m) {
        Map<String, Long> c = new LinkedHashMap<>();
        try (Jedis j = new Jedis("127.0.0.1", m.port)) {
            for (String line : j.clusterInfo().split("\r?\n")) {
                if (line.startsWith("cluster_stats_messages_publish_received:")) {
                    c.put("bus.publish", Long.parseLong(line.substring(line.indexOf(':') + 1).trim()));
                } else if (line.startsWith("cluster_stats_messages_publishshard_received:")) {
                    c.put("bus.publishshard", Long.parseLong(line.substring(line.indexOf(':') + 1).trim()));
                }
            }
            for (String line : j.info("commandstats").split("\r?\n")) {
                Matcher cmd = CMDSTAT.matcher(line.trim());
                if (cmd.matches()) {
                    c.put("cmd." + cmd.group(1), Long.parseLong(cmd.group(2)));
                }
            }
        }
        c.put("cpuMillis", Proc.cpuMillis(m.pid()));
        c.put("nanos", System.nanoTime());
        return c;
    }

    /** {@link #counters} of every member, by port. */
    Map<Integer, Map<String, Long>> counters() {
        Map<Integer, Map<String, Long>> all = new LinkedHashMap<>();
        members.forEach(m -> all.put(m.port, counters(m)));
        return all;
    }

    @Override
    public void close() {
        for (Member m : members) {
            m.process.destroy();
        }
        for (Member m : members) {
            try {
                if (!m.process.waitFor(10, TimeUnit.SECONDS)) {
                    m.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                m.process.destroyForcibly();
            }
        }
    }
}
