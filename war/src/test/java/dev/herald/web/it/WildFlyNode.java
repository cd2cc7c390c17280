package dev.herald.web.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One real WildFly process (the distribution the wildfly profile unpacks, {@code jboss.home}) running
 * {@code herald.war} from its deployments folder, with a server folder of its own under {@code target/} and
 * every port moved by one free offset. Its console goes to {@code target/<name>.log}.
 */
public final class WildFlyNode extends ProcessNode {

    private WildFlyNode(String name, int port, ProcessBuilder builder, Path log) {
        super(name, port, builder, log);
    }

    static WildFlyNode start(String name, Map<String, String> properties) {
        Path home = Path.of(required("jboss.home"));
        Path war = Path.of(required("herald.war"));
        Path target = war.getParent();
        Path base = target.resolve("wildfly-" + name);
        int offset = freeOffset();
        try {
            deleteTree(base);
            copyTree(home.resolve("standalone"), base);
            Files.copy(war, base.resolve("deployments").resolve("herald.war"), StandardCopyOption.REPLACE_EXISTING);
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
        return new WildFlyNode(name, 8080 + offset, builder, target.resolve(name + ".log"));
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
}
