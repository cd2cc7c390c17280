package dev.herald.web.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One real Payara Micro process running {@code herald.war} on a free loopback port, started and killed by
 * the test. Its log goes to {@code target/<name>.log}.
 */
public final class PayaraMicroNode implements ServerNode {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private PayaraMicroNode(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts a node on a free port; call {@link #awaitUp()} before using it. */
    static PayaraMicroNode start(String name, Map<String, String> properties) {
        int port = dev.herald.testing.RedisServer.freePort();
        String microJar = required("payara.microJar");
        String war = required("herald.war");
        Path target = Path.of(war).getParent();
        Path log = target.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", microJar, "--nohazelcast", "--port", String.valueOf(port),
                "--rootdir", target.resolve("payara-" + name).toString(), "--deploy", war));
        try {
            // A root folder from an earlier run would deploy its old herald.war first and then redeploy it,
            // answering 404 in between, after the health check has passed.
            deleteTree(target.resolve("payara-" + name));
            Files.deleteIfExists(log);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            return new PayaraMicroNode(name, port, process, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Payara Micro " + name, e);
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set (run with -Ppayara)");
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
    public PayaraMicroNode awaitUp() {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Payara Micro " + name + " exited; see " + log);
            }
            try {
                HttpResponse<String> health = Http.get(uri("/herald/api/health"));
                if (health.statusCode() == 200) {
                    return this;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
        throw new IllegalStateException("Payara Micro " + name + " not up within 180 s; see " + log);
    }

    @Override
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public URI ws() {
        return URI.create("ws://127.0.0.1:" + port + "/herald/ws");
    }

    @Override
    public void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    kill9();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill9();
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
