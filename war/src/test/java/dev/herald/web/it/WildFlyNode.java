package dev.herald.web.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One real WildFly process (the distribution the wildfly profile unpacks, {@code jboss.home}) running
 * {@code herald.war} from its deployments folder, with a server folder of its own under {@code target/} and
 * every port moved by one free offset. Its console goes to {@code target/<name>.log}.
 */
public final class WildFlyNode extends ProcessNode {

    private final Path home;
    private final int offset;

    private WildFlyNode(String name, int port, ProcessBuilder builder, Path log, Path home, int offset) {
        super(name, port, builder, log);
        this.home = home;
        this.offset = offset;
    }

    static WildFlyNode start(String name, Map<String, String> properties) {
        return start(name, properties, true);
    }

    /**
     * A WildFly with nothing of Herald's, neither the WAR nor a system property: what an operator starts before
     * running {@code server-config/wildfly/herald.cli} ({@link #cli}).
     */
    static WildFlyNode startEmpty(String name) {
        return start(name, Map.of(), false);
    }

    /**
     * Runs a jboss-cli script against this server's management port; returns what the CLI printed.
     *
     * @throws IllegalStateException when the CLI fails or takes more than 120 s
     */
    String cli(Path script) {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/jboss-cli.sh").toString(), "--connect",
                "--controller=127.0.0.1:" + (9990 + offset), "--file=" + script.toAbsolutePath())
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        try {
            Process cli = builder.start();
            String out = new String(cli.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!cli.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                cli.destroyForcibly();
                throw new IllegalStateException("jboss-cli did not finish within 120 s:\n" + out);
            }
            if (cli.exitValue() != 0) {
                throw new IllegalStateException("jboss-cli failed (" + cli.exitValue() + "):\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run jboss-cli", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the management interface answers (a server with nothing deployed has no health path). */
    WildFlyNode awaitManagement() {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", 9990 + offset)) {
                return this;
            } catch (IOException notYet) {
                java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(250).toNanos());
            }
        }
        throw new IllegalStateException(this + ": management port not open within 120 s; see its log");
    }

    /**
     * A WildFly domain controller whose host has no server yet, its management port moved by a free
     * offset, for {@code server-config/wildfly/herald-domain.cli}; its {@link #uri} is of no server.
     */
    static WildFlyNode startDomain(String name) {
        Path home = Path.of(required("jboss.home"));
        Path target = Path.of(required("herald.war")).getParent();
        Path base = target.resolve("wildfly-" + name);
        int offset = freeOffset();
        try {
            deleteTree(base);
            copyTree(home.resolve("domain"), base);
            // The distribution's host.xml, without its three sample servers: the script adds Herald's.
            Path host = base.resolve("configuration/host.xml");
            String xml = Files.readString(host);
            String bare = xml.replaceFirst("(?s)<servers>.*</servers>", "");
            if (bare.equals(xml)) {
                throw new IllegalStateException("host.xml has no <servers> block to remove");
            }
            Files.writeString(host, bare);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + base, e);
        }
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/domain.sh").toString(),
                "-Djboss.domain.base.dir=" + base,
                "-Djboss.management.http.port=" + (9990 + offset), "-Djboss.bind.address.management=127.0.0.1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
        builder.environment().put("JAVA_OPTS", "-Xmx256m");
        return new WildFlyNode(name, 8080 + offset, builder, target.resolve(name + ".log"), home, offset);
    }

    /** A port offset under which the two servers' HTTP, HTTPS and management ports are free now, 100 apart. */
    static int freeServerOffset() {
        return ProcessNode.freeOffset(20_000, 50_000, 1, 8080, 8443, 9990, 8180, 8543, 10090);
    }

    private static WildFlyNode start(String name, Map<String, String> properties, boolean deploy) {
        Path home = Path.of(required("jboss.home"));
        Path war = Path.of(required("herald.war"));
        Path target = war.getParent();
        Path base = target.resolve("wildfly-" + name);
        int offset = freeOffset();
        try {
            deleteTree(base);
            copyTree(home.resolve("standalone"), base);
            if (deploy) {
                Files.copy(war, base.resolve("deployments").resolve("herald.war"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + base, e);
        }
        List<String> jvm = new ArrayList<>(List.of("-Xmx384m", "-Djboss.server.base.dir=" + base,
                "-Djboss.socket.binding.port-offset=" + offset));
        properties.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/standalone.sh").toString());
        builder.environment().put("JAVA_OPTS", String.join(" ", jvm));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("LAUNCH_JBOSS_IN_BACKGROUND", "1");
        return new WildFlyNode(name, 8080 + offset, builder, target.resolve(name + ".log"), home, offset);
    }

    /** A port offset under which WildFly's HTTP, HTTPS and management ports are all free now. */
    private static int freeOffset() {
        return ProcessNode.freeOffset(20_000, 50_000, 1, 8080, 8443, 9990, 9993);
    }
}
