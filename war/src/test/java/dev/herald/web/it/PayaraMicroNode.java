package dev.herald.web.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One real Payara Micro process running {@code herald.war} on a free loopback port, started and killed by
 * the test, with a root folder of its own under {@code target/}. Its log goes to {@code target/<name>.log}.
 */
public final class PayaraMicroNode extends ProcessNode {

    private PayaraMicroNode(String name, int port, ProcessBuilder builder, Path log) {
        super(name, port, builder, log);
    }

    /** Starts a node on a free port; call {@link #awaitUp()} before using it. */
    static PayaraMicroNode start(String name, Map<String, String> properties) {
        int port = dev.herald.testing.RedisServer.freePort();
        String microJar = required("payara.microJar");
        String war = required("herald.war");
        Path target = Path.of(war).getParent();
        Path root = target.resolve("payara-" + name);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", microJar, "--nohazelcast", "--port", String.valueOf(port),
                "--rootdir", root.toString(), "--deploy", war));
        try {
            // A root folder from an earlier run would deploy its old herald.war first and then redeploy it,
            // answering 404 in between, after the health check has passed.
            deleteTree(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot clear " + root, e);
        }
        return new PayaraMicroNode(name, port, new ProcessBuilder(command), target.resolve(name + ".log"));
    }
}
