package dev.herald.web.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * What every server node of the tests shares: its process (and the processes it starts, such as the JVM of
 * WildFly's start script), its HTTP port on loopback, and its console log under {@code target/}.
 */
abstract class ProcessNode implements ServerNode {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    ProcessNode(String name, int port, ProcessBuilder builder, Path log) {
        this.name = name;
        this.port = port;
        this.log = log;
        try {
            Files.deleteIfExists(log);
            this.process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name, e);
        }
    }

    /**
     * A random offset, {@code step} times a number from {@code from} to {@code to}, under which every one of
     * {@code ports}, moved by it, is free on loopback now.
     */
    static int freeOffset(int from, int to, int step, int... ports) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = java.util.concurrent.ThreadLocalRandom.current().nextInt(from, to) * step;
            if (java.util.Arrays.stream(ports).allMatch(p -> free(p + offset))) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset for " + java.util.Arrays.toString(ports));
    }

    /** Whether the loopback port can be bound now. */
    private static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set (run with -Ppayara or -Pwildfly)");
        }
        return value;
    }

    @Override
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public ServerNode awaitUp() {
        awaitHealthy(this, Duration.ofSeconds(180), process::isAlive, () -> "see " + log);
        return this;
    }

    /**
     * Waits until {@code node}'s {@code /herald/api/health} answers 200, polling every 100 ms for at most
     * {@code limit}; fails, with {@code where} to look, when {@code alive} turns false first or the time runs out.
     */
    static void awaitHealthy(ServerNode node, Duration limit, java.util.function.BooleanSupplier alive,
            java.util.function.Supplier<String> where) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException(node + " exited; " + where.get());
            }
            try {
                if (Http.get(node.uri("/herald/api/health")).statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        throw new IllegalStateException(node + " did not pass /herald/api/health within " + limit + "; "
                + where.get());
    }

    @Override
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }


    /** The process and those it started. */
    private List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        return all;
    }

    @Override
    public void kill9() {
        stop(true);
    }

    @Override
    public void close() {
        stop(false);
    }

    private void stop(boolean kill) {
        List<ProcessHandle> all = processes();
        all.forEach(kill ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path copy = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
