package dev.herald.web.it;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx in front of two nodes, run by a test on a free loopback port with {@code server-config/nginx/
 * herald.conf} as shipped but for its addresses: the upstream servers become the two nodes' ports, {@code listen 80}
 * the free port. It stands in for a node ({@link ServerNode}), so that clients connect through it as to one.
 */
final class NginxProxy implements ServerNode {

    private static final Path SHIPPED = Path.of("../server-config/nginx/herald.conf");

    private final int port;
    private final Path dir;
    private final Process process;

    private NginxProxy(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /** Starts nginx in front of {@code first} and {@code second}; fails clearly when nginx is not installed. */
    static NginxProxy start(ServerNode first, ServerNode second) {
        String nginx = System.getenv().getOrDefault("NGINX", "/usr/sbin/nginx");
        if (!Files.isExecutable(Path.of(nginx))) {
            throw new IllegalStateException("the nginx test needs nginx at " + nginx + ": apt-get install nginx, or set"
                    + " NGINX");
        }
        try {
            int port = dev.herald.testing.RedisServer.freePort();
            Path dir = Files.createTempDirectory("herald-nginx");
            Files.createDirectories(dir.resolve("tmp"));
            String shipped = Files.readString(SHIPPED, StandardCharsets.UTF_8);
            String site = shipped
                    .replace("server 127.0.0.1:8080 ", "server 127.0.0.1:" + first.uri("/").getPort() + " ")
                    .replace("server 127.0.0.1:8081 ", "server 127.0.0.1:" + second.uri("/").getPort() + " ")
                    .replace("listen 80;", "listen 127.0.0.1:" + port + ";");
            if (site.equals(shipped) || site.contains(":8080 ") || site.contains("listen 80;")) {
                throw new IllegalStateException("server-config/nginx/herald.conf no longer has the addresses this test"
                        + " replaces (127.0.0.1:8080, 127.0.0.1:8081, listen 80)");
            }
            Files.writeString(dir.resolve("herald.conf"), site);
            String t = dir.resolve("tmp").toString();
            Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
                    "daemon off;",
                    "worker_processes 1;",
                    "pid " + dir.resolve("nginx.pid") + ";",
                    "error_log " + dir.resolve("error.log") + " info;",
                    "events { worker_connections 1024; }",
                    "http {",
                    "    access_log " + dir.resolve("access.log") + ";",
                    "    client_body_temp_path " + t + "/body;",
                    "    proxy_temp_path " + t + "/proxy;",
                    "    fastcgi_temp_path " + t + "/fastcgi;",
                    "    uwsgi_temp_path " + t + "/uwsgi;",
                    "    scgi_temp_path " + t + "/scgi;",
                    "    include " + dir.resolve("herald.conf") + ";",
                    "}", ""));
            Process process = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
            return new NginxProxy(port, dir, process);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start nginx", e);
        }
    }

    @Override
    public ServerNode awaitUp() {
        ProcessNode.awaitHealthy(this, Duration.ofSeconds(20), process::isAlive, this::log);
        return this;
    }

    @Override
    public String toString() {
        return "nginx";
    }

    @Override
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public String log() {
        StringBuilder out = new StringBuilder();
        for (String file : List.of("nginx.out", "error.log")) {
            try {
                out.append(file).append(":\n").append(Files.readString(dir.resolve(file), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(no ").append(file).append(")\n");
            }
        }
        return out.toString();
    }

    /** What nginx's error log says so far. */
    String errorLog() {
        try {
            return Files.readString(dir.resolve("error.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void kill9() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
