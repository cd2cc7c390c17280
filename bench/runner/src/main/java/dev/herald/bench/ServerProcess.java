package dev.herald.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * One application server process started by the benchmark: Payara Micro or WildFly, with one WAR, on a given
 * HTTP port, with the given system properties. Knows the JVM's pid for CPU, RSS and heap readings.
 */
final class ServerProcess implements AutoCloseable {

    /** Herald's servers, and the socket.io reference (Node.js). */
    enum Kind { PAYARA, WILDFLY, SOCKETIO }

    // HTTP/1.1: an h2c upgrade request gets no answer from Node.js servers (the socket.io target).
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final Kind kind;
    final int httpPort;
    private final Process process;
    private final Path log;

    private ServerProcess(String name, Kind kind, int httpPort, Process process, Path log) {
        this.name = name;
        this.kind = kind;
        this.httpPort = httpPort;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code war} on a new server process.
     *
     * @param servers the folder holding payara-micro.jar and wildfly-VERSION/
     * @param work a folder of this run for logs and server state
     * @param portOffset WildFly's port offset (HTTP is 8080 + offset); Payara Micro uses 8080 + offset too
     */
    static ServerProcess start(Kind kind, String name, Path servers, Path work, Path war, int portOffset,
            Map<String, String> properties, String heap) throws IOException {
        Path log = work.resolve(name + ".log");
        // A server's state from an earlier run would redeploy its old applications beside the new one.
        deleteTree(work.resolve(name));
        int port = 8080 + portOffset;
        List<String> jvm = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC"));
        String extra = System.getProperty("bench.jvm", "").trim();
        if (!extra.isEmpty()) {
            jvm.addAll(List.of(extra.split("\\s+")));
        }
        properties.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        ProcessBuilder builder;
        if (kind == Kind.PAYARA) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm);
            command.addAll(List.of("-jar", servers.resolve("payara-micro.jar").toString(), "--nohazelcast",
                    "--port", String.valueOf(port), "--rootdir", work.resolve(name).toString(),
                    "--deploy", war.toString()));
            builder = new ProcessBuilder(command);
        } else {
            Path home = wildflyHome(servers);
            Path base = work.resolve(name);
            copyTree(home.resolve("standalone"), base);
            Files.copy(war, base.resolve("deployments").resolve(war.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            jvm.add("-Djboss.server.base.dir=" + base);
            jvm.add("-Djboss.socket.binding.port-offset=" + portOffset);
            builder = new ProcessBuilder(home.resolve("bin/standalone.sh").toString());
            builder.environment().put("JAVA_OPTS", String.join(" ", jvm));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
        }
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return Bench.started(new ServerProcess(name, kind, port, builder.start(), log));
    }

    /**
     * Starts the socket.io reference server ({@code bench/socketio/server.mjs}, its npm packages installed in
     * {@code dir}) on {@code port}, on the Redis at {@code redisUrl}.
     */
    static ServerProcess startSocketIo(String name, Path dir, Path work, int port, String redisUrl) throws IOException {
        Path log = work.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder("node", "--expose-gc", "server.mjs", String.valueOf(port))
                .directory(dir.toFile());
        builder.environment().put("REDIS_URL", redisUrl);
        builder.environment().put("HOST", "127.0.0.1");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return Bench.started(new ServerProcess(name, Kind.SOCKETIO, port, builder.start(), log));
    }

    /**
     * Copies {@code bench/socketio} to {@code dir} and installs its pinned npm packages there, unless they are
     * installed already.
     */
    static void installSocketIo(Path source, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        for (String file : List.of("package.json", "package-lock.json", "server.mjs")) {
            Files.copy(source.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(dir.resolve("node_modules/socket.io/package.json"))) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("npm.log").toFile()).start();
        if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm ci for the socket.io target failed; see " + dir.resolve("npm.log"));
        }
    }

    static Path wildflyHome(Path servers) throws IOException {
        try (Stream<Path> dirs = Files.list(servers)) {
            return dirs.filter(p -> p.getFileName().toString().startsWith("wildfly-")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no wildfly-* under " + servers));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Waits until {@code path} answers {@code status}; fails after {@code seconds} with the log named. */
    void awaitUp(String path, int status, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Object last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + log);
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == status) {
                    return;
                }
                last = "status " + r.statusCode();
            } catch (IOException notYet) {
                last = notYet; // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
        }
        throw new IllegalStateException(name + " not up within " + seconds + " s at " + uri(path) + " (last: " + last
                + "); see " + log);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + httpPort + pathAndQuery);
    }

    /**
     * The server's JVM: the process itself (Payara Micro) or the java child of standalone.sh (WildFly); for the
     * socket.io reference, its Node.js process (no JIT or GC figures are read from it then).
     */
    long jvmPid() {
        if (kind != Kind.WILDFLY) {
            return process.pid();
        }
        Optional<ProcessHandle> java = process.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst();
        return java.map(ProcessHandle::pid).orElse(process.pid());
    }

    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }
}
