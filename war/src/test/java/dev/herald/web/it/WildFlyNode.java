package dev.herald.web.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * One real WildFly process (the distribution the wildfly profile unpacks, {@code jboss.home}) running
 * {@code herald.war} from its deployments folder, with a server folder of its own under {@code target/} and
 * every port moved by one free offset. Its console goes to {@code target/<name>.log}.
 */
public final class WildFlyNode implements ServerNode {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private WildFlyNode(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static WildFlyNode start(String name, Map<String, String> properties) {
        Path home = Path.of(required("jboss.home"));
        Path war = Path.of(required("herald.war"));
        Path target = war.getParent();
        Path base = target.resolve("wildfly-" + name);
        Path log = target.resolve(name + ".log");
        int offset = freeOffset();
        try {
            deleteTree(base);
            copyTree(home.resolve("standalone"), base);
            Files.copy(war, base.resolve("deployments").resolve("herald.war"), StandardCopyOption.REPLACE_EXISTING);
            List<String> jvm = new ArrayList<>(List.of("-Xmx384m", "-Djboss.server.base.dir=" + base,
                    "-Djboss.socket.binding.port-offset=" + offset));
            properties.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/standalone.sh").toString());
            builder.environment().put("JAVA_OPTS", String.join(" ", jvm));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
            Files.deleteIfExists(log);
            Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new WildFlyNode(name, 8080 + offset, process, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start WildFly " + name, e);
        }
    }

    /** A port offset under which WildFly's HTTP, HTTPS and management ports are all free now. */
    private static int freeOffset() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(20_000, 50_000);
            if (free(8080 + offset, 8443 + offset, 9990 + offset, 9993 + offset)) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset for WildFly");
    }

    /** Whether the loopback ports are free: each can be bound now. */
    private static boolean free(int... ports) {
        for (int p : ports) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set (run with -Pwildfly)");
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
    public WildFlyNode awaitUp() {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("WildFly " + name + " exited; see " + log);
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
        throw new IllegalStateException("WildFly " + name + " not up within 180 s; see " + log);
    }

    @Override
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public URI ws() {
        return URI.create("ws://127.0.0.1:" + port + "/herald/ws");
    }

    /** The shell script and the JVM it starts, which outlives a killed shell. */
    private List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        return all;
    }

    @Override
    public void kill9() {
        List<ProcessHandle> all = processes();
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone or stuck: nothing more to do
            }
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> all = processes();
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
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
