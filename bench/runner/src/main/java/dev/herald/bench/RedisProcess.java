package dev.herald.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.Jedis;

/** A redis-server on a free loopback port for one run, and its command counters. */
final class RedisProcess implements AutoCloseable {

    private static final Pattern CMDSTAT = Pattern.compile("cmdstat_([^:]+):calls=(\\d+),.*");

    private final int port;
    private final Process process;

    private RedisProcess(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    /** The redis-server process, for its CPU time. */
    long pid() {
        return process.pid();
    }

    static RedisProcess start(Path work) throws IOException {
        int port = Bench.freePort();
        Process p = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", work.toString()))
                .redirectErrorStream(true).redirectOutput(work.resolve("redis.log").toFile()).start();
        RedisProcess redis = new RedisProcess(port, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                if ("PONG".equals(jedis.ping())) {
                    return Bench.started(redis);
                }
            } catch (RuntimeException notYet) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        redis.close();
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Bytes of memory Redis holds for data now (INFO memory, used_memory). */
    long usedMemory() {
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            Matcher m = java.util.regex.Pattern.compile("used_memory:(\\d+)").matcher(jedis.info("memory"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }
    }

    /** Calls so far per command (INFO commandstats), e.g. publish -> 1234. */
    Map<String, Long> commandCalls() {
        Map<String, Long> calls = new HashMap<>();
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            for (String line : jedis.info("commandstats").split("\r?\n")) {
                Matcher m = CMDSTAT.matcher(line.trim());
                if (m.matches()) {
                    calls.put(m.group(1), Long.parseLong(m.group(2)));
                }
            }
        }
        return calls;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
