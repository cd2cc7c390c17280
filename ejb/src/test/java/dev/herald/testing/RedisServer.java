package dev.herald.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code redis-server} process on a free loopback port, owned by one test: it can be stopped (even
 * killed) and started again on the same port. Nothing is persisted unless {@link #keepDataAcrossRestarts} is
 * called: then every write is in the append-only file before Redis answers it, and a restart loads it.
 */
public final class RedisServer implements AutoCloseable {

    /** Every port {@link #freePort} gave in this JVM. */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final int port;
    private final Path dir;
    private Process process;
    private volatile boolean persistent;
    /** Arguments added to every start: a replica's {@code --replicaof}. */
    private volatile List<String> extra = List.of();

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a replica of {@code master} on a free port. */
    public static RedisServer startReplicaOf(RedisServer master) {
        return startWith("--replicaof", "127.0.0.1", String.valueOf(master.port()));
    }

    /** Starts a server on a free port with these arguments added (an ACL user, say). */
    public static RedisServer startWith(String... arguments) {
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("herald-redis"));
            server.extra = List.of(arguments);
            server.startAgain();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare a Redis server", e);
        }
    }

    /** Starts a server on a free port; fails the test with a clear message when redis-server is missing. */
    public static RedisServer start() {
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("herald-redis"));
            server.startAgain();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare a Redis server", e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the process (again) on the same port and waits until it answers. */
    public synchronized void startAgain() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            List<String> command = new java.util.ArrayList<>(List.of(executable(), "--port", String.valueOf(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", persistent ? "yes" : "no",
                    "--appendfsync", "always", "--dir", dir.toString()));
            command.addAll(extra);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server; install it (apt-get install redis-server)", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (answers()) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited; the end of "
                        + dir.resolve("redis.log") + ":\n" + logTail());
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new IllegalStateException("redis-server did not answer on port " + port + " within 10 s");
    }

    /**
     * From now on, writes survive a kill and a restart: turns the append-only file on (fsync on every write),
     * waits until it holds what Redis holds now, and makes later starts load it.
     */
    public synchronized void keepDataAcrossRestarts() {
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
            jedis.configSet("appendfsync", "always");
            jedis.configSet("appendonly", "yes");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!jedis.info("persistence").contains("aof_rewrite_in_progress:0")
                    || !jedis.info("persistence").contains("aof_enabled:1")
                    || jedis.info("persistence").contains("aof_rewrite_scheduled:1")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the append-only file was not written within 20 s");
                }
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
        }
        persistent = true;
    }

    /** Starts the process again with nothing: its append-only file deleted, and later starts persist nothing. */
    public synchronized void startAgainEmpty() {
        persistent = false;
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .filter(f -> !f.equals(dir) && !f.getFileName().toString().equals("redis.log"))
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot empty " + dir, e);
        }
        startAgain();
    }

    /** Kills the process at once, as a crash would (SIGKILL), and waits for it to be gone. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        kill();
    }

    /** The last lines of this server's log, to say in a failure why it stopped. */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private boolean answers() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(500);
            socket.getOutputStream().write("PING\r\n".getBytes());
            byte[] buf = new byte[7];
            int n = socket.getInputStream().read(buf);
            String answer = n > 0 ? new String(buf, 0, n) : "";
            return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"); // up, with ACLs
        } catch (IOException e) {
            return false;
        }
    }

    /** The redis-server binary (in sentinel mode with {@code --sentinel}). */
    static String executable() {
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        return "redis-server";
    }

    /**
     * A port free on the loopback interface right now, from 10000-19999: below the kernel's ephemeral range
     * (32768 and up), whose ports an outgoing connection (a cluster bus's, another test's) may take between this
     * check and the server's bind, and below the server ports the web tests pick (20000 and up).
     */
    public static int freePort() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 10_000 + random.nextInt(10_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port in 10000-19999 after 200 tries");
    }
}
