package dev.herald.web.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code server-config/haproxy/haproxy.cfg} as shipped: HAProxy (Debian's, or {@code HAPROXY}) accepts it without a
 * warning, and it keeps the nodes, time-outs and limits of {@code server-config/nginx/herald.conf}, which ClusterIT
 * runs in front of two nodes.
 */
class HaproxyConfigIT {

    private static final Path HAPROXY_CFG = Path.of("../server-config/haproxy/haproxy.cfg");
    private static final Path NGINX_CONF = Path.of("../server-config/nginx/herald.conf");

    @Test
    void haproxyAcceptsTheShippedConfigurationWithoutAWarning() throws Exception {
        String haproxy = System.getenv().getOrDefault("HAPROXY", "/usr/sbin/haproxy");
        assertTrue(Files.isExecutable(Path.of(haproxy)), "HAProxy is needed: apt-get install haproxy, or set HAPROXY");
        Process p = new ProcessBuilder(haproxy, "-c", "-f", HAPROXY_CFG.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("WARNING") || out.contains("ALERT"), out);
    }

    @Test
    void itKeepsTheNodesTimeoutsAndLimitsOfTheNginxSample() throws Exception {
        String cfg = Files.readString(HAPROXY_CFG, StandardCharsets.UTF_8);
        String conf = Files.readString(NGINX_CONF, StandardCharsets.UTF_8);
        assertEquals(all("server 127\\.0\\.0\\.1:(\\d+) max_fails", conf), all("server \\S+ 127\\.0\\.0\\.1:(\\d+) check", cfg),
                "the same nodes");
        assertTrue(conf.contains("least_conn;") && cfg.contains("balance leastconn"), "least connections");
        assertTrue(conf.contains("proxy_read_timeout 75s;") && cfg.contains("timeout tunnel  75s"), "WebSocket idle");
        assertTrue(conf.contains("client_header_timeout 10s;") && cfg.contains("timeout http-request 10s"),
                "request head");
        assertTrue(conf.contains("limit_conn herald_per_ip 200;") && cfg.contains("sc_conn_cur(0) gt 200"),
                "connections per address");
        assertTrue(conf.contains("limit_conn_status 429;") && cfg.contains("deny_status 429"), "429 past it");
        assertTrue(conf.contains("client_max_body_size 1m;") && cfg.contains("gt 1048576"), "1 MB bodies");
        assertTrue(conf.contains("X-Forwarded-For") && cfg.contains("option forwardfor"), "X-Forwarded-For");
        assertTrue(cfg.contains("option httpchk GET /herald/api/health/ready"), "active checks of readiness");
        for (String sticky : List.of("ip_hash", "cookie", "stick on", "balance source")) {
            assertFalse(cfg.contains(sticky) || conf.lines().anyMatch(l -> l.trim().startsWith(sticky)),
                    "no stickiness: " + sticky);
        }
    }

    private static TreeSet<String> all(String regex, String text) {
        TreeSet<String> found = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        assertFalse(found.isEmpty(), regex);
        return found;
    }
}
