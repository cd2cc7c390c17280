package dev.herald.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;
import redis.clients.jedis.Jedis;

/**
 * The benchmark: starts Redis, two Herald nodes and one thin reference node on each server, runs the
 * scenarios against both (loopback only, every loop bounded), stops everything, and writes results.json,
 * summary.md and chart.html.
 *
 * <p>Usage: {@code Bench [--quick] [--server payara|wildfly|both] [--out DIR]}.
 */
public final class Bench {

    static final String SECRET = "herald-bench-secret-0123456789-0123456789";
    static final String KEY = "herald-bench-api-key";
    /** Members of the rooms of scenario C; connection i is in room s(i/10) and in room l(i/500). */
    static final int SMALL_ROOM = 10;
    static final int LARGE_ROOM = 500;
    /** The start of Herald's room channels: room s3 is channel bench:s3. */
    static final String ROOM_PREFIX = "bench:";

    private final boolean quick;
    private final List<String> targets;
    private final Path servers;
    private final Path work;
    private final Path out;
    private final String profile;
    /** The letters of the scenarios to run. */
    private final String scenarios;
    private final List<Step> steps = new ArrayList<>();
    private final List<JsonObject> extras = new ArrayList<>();
    private int stepId;

    /** Every process the run started, stopped by a shutdown hook too, so that an interrupted run leaves none. */
    private static final List<AutoCloseable> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

    static <T extends AutoCloseable> T started(T process) {
        STARTED.add(process);
        return process;
    }

    private Bench(boolean quick, List<String> targets, Path servers, Path work, Path out, String profile,
            String scenarios) {
        this.quick = quick;
        this.scenarios = scenarios;
        this.out = out;
        this.profile = profile;
        this.targets = targets;
        this.servers = servers;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable p : STARTED) {
                try {
                    p.close();
                } catch (Exception e) {
                    // stopping what is left: nothing more to do
                }
            }
        }, "bench-stop"));
        boolean quick = false;
        String server = "both";
        Path out = null;
        List<String> targets = List.of("thin", "herald", "socketio");
        String profile = null;
        String scenarios = "ABCDE";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--server" -> server = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--targets" -> targets = List.of(args[++i].split(","));
                case "--profile" -> profile = args[++i];
                case "--jvm" -> System.setProperty("bench.jvm", args[++i]);
                case "--scenarios" -> scenarios = args[++i].toUpperCase().replace(",", "");
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: [--quick] [--server payara|wildfly|both] [--targets thin,herald,herald1,socketio]"
                        + " [--out DIR]"
                        + " [--scenarios A,B,C,D,E,F,G,H,K] [--profile A|B:RATE:SECONDS] [--jvm \"SERVER JVM OPTIONS\"]");
            }
        }
        Path base = Path.of(System.getProperty("bench.home", "bench/runner/target"));
        if (out == null) {
            out = Path.of("bench/results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + (quick ? "-quick" : ""));
        }
        Files.createDirectories(out);
        Path work = Files.createDirectories(base.resolve("bench-work"));
        Bench bench = new Bench(quick, targets, base.resolve("servers"), work, out, profile, scenarios);
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        long calibration0 = calibrationMillis();
        long start = System.nanoTime();
        boolean onServers = targets.stream().anyMatch(t -> t.startsWith("thin") || t.startsWith("herald"));
        for (String s : !onServers ? List.<String>of() : server.equals("both") ? List.of("wildfly", "payara")
                : List.of(server)) {
            // One server's failure (one that does not start, say) must not lose the other's results.
            bench.guarded(s, () -> bench.runOn(ServerProcess.Kind.valueOf(s.toUpperCase())));
        }
        if (targets.contains("socketio") && bench.profile == null) {
            bench.guarded("socketio", bench::runSocketIo);
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        long calibration1 = calibrationMillis();
        JsonObject meta = Json.createObjectBuilder()
                .add("date", LocalDateTime.now().toString()).add("quick", quick)
                .add("cores", Runtime.getRuntime().availableProcessors())
                .add("java", System.getProperty("java.version"))
                .add("serverJvmOptions", "-Xms1g -Xmx1g -XX:+UseG1GC " + System.getProperty("bench.jvm", ""))
                .add("loadavgBefore", load0).add("loadavgAfter", load1)
                .add("cpuCalibrationMillisBefore", calibration0).add("cpuCalibrationMillisAfter", calibration1)
                .add("minutes", Step.round((System.nanoTime() - start) / 6e10)).build();
        new Report(meta, bench.steps, bench.extras).write(out);
        System.out.println("Results in " + out.toAbsolutePath());
    }

    /**
     * Milliseconds one thread takes to hash 64 MB with SHA-256 (best of three): the speed of this machine's
     * cores at the time, which on a shared host changes from hour to hour. Runs whose calibrations differ
     * much are not comparable in absolute terms.
     */
    static long calibrationMillis() throws java.security.NoSuchAlgorithmException {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1 << 16];
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < 1024; i++) {
                sha.update(block);
            }
            block[0] = sha.digest()[0];
            best = Math.min(best, (System.nanoTime() - start) / 1_000_000);
        }
        return best;
    }

    private void runOn(ServerProcess.Kind kind) throws Exception {
        String server = kind.name().toLowerCase();
        log("=== " + server + " ===");
        Path war = servers.resolve("herald.war");
        Path thinWar = servers.resolve("thin.war");
        int offset = kind == ServerProcess.Kind.PAYARA ? 1000 : 2000;
        try (RedisProcess redis = RedisProcess.start(work)) {
            Map<String, String> props = Map.of("herald.redis.url", redis.url(), "herald.jwt.secret", SECRET,
                    "herald.api.key", KEY, "herald.api.max-body", "8388608", "herald.node.name", "bench",
                    "herald.channels.open", ROOM_PREFIX);
            List<ServerProcess> all = new ArrayList<>();
            try {
                ServerProcess thin = ServerProcess.start(kind, server + "-thin", servers, work, thinWar, offset,
                        Map.of(), "1g");
                all.add(thin);
                ServerProcess a = ServerProcess.start(kind, server + "-herald-a", servers, work, war, offset + 1,
                        props, "1g");
                all.add(a);
                ServerProcess b = ServerProcess.start(kind, server + "-herald-b", servers, work, war, offset + 2,
                        props, "1g");
                all.add(b);
                ServerProcess single = null;
                if (targets.contains("herald1")) {
                    Map<String, String> memory = new HashMap<>(props);
                    memory.remove("herald.redis.url");
                    single = ServerProcess.start(kind, server + "-herald-memory", servers, work, war, offset + 9,
                            memory, "1g");
                    all.add(single);
                    single.awaitUp("/herald/api/health", 200, 240);
                }
                thin.awaitUp("/thin/publish", 200, 240);
                a.awaitUp("/herald/api/health", 200, 240);
                b.awaitUp("/herald/api/health", 200, 240);
                log("servers up");

                List<Target> chosen = new ArrayList<>();
                if (targets.contains("thin")) {
                    chosen.add(Target.thin(server, thin));
                }
                if (single != null) {
                    chosen.add(Target.herald(server, "herald1", List.of(single), 0));
                }
                if (targets.contains("herald")) {
                    chosen.add(Target.herald(server, "herald", List.of(a, b), redis.pid()));
                }
                if (profile != null) {
                    for (Target t : chosen) {
                        guarded(t + " profile", () -> profiled(t));
                    }
                    return;
                }
                // D first, on servers that have served nothing yet: Grizzly (Payara) pools request objects, and
                // after the other scenarios an upgrade reuses pooled ones, which made the heap per connection of
                // a node with fewer connections (Herald's two, against thin's one) look 10-15% smaller than it is.
                if (scenarios.contains("D")) {
                    for (Target t : chosen) {
                        guarded(t + " D", () -> idleConnections(t));
                    }
                }
                if (scenarios.contains("F")) {
                    for (Target t : chosen) {
                        if (t.name.startsWith("herald")) {
                            guarded(t + " F", () -> framesInProgress(kind, t));
                        }
                    }
                }
                if (scenarios.contains("G")) {
                    for (Target t : chosen) {
                        if (t.name.startsWith("herald")) {
                            guarded(t + " G", () -> authFlood(t));
                        }
                    }
                }
                if (scenarios.contains("A") || scenarios.contains("B")) {
                    for (Target t : chosen) {
                        guarded(t + " A/B", () -> deliveryScenarios(t));
                    }
                }
                if (scenarios.contains("C")) {
                    for (Target t : chosen) {
                        guarded(t + " C", () -> roomScenarios(t, t.redisPid != 0 ? redis : null));
                    }
                }
                if (scenarios.contains("H")) {
                    for (Target t : chosen) {
                        if (t.name.equals("herald")) {
                            guarded(t + " H", () -> resume(t, redis));
                        }
                    }
                }
                if (targets.contains("herald") && scenarios.contains("E")) {
                    guarded(server + " E", () -> growth(kind, server, redis, props, a, b, all, offset));
                }
                if (targets.contains("herald") && scenarios.contains("K")) {
                    guarded(server + " K", () -> cluster(kind, server, props, offset));
                }
            } finally {
                all.forEach(ServerProcess::close);
            }
        }
    }

    /**
     * What users would pick instead: socket.io 4 with its Redis adapter on two Node.js processes and one Redis
     * ({@code bench/socketio}, a copy of the anchor server with rooms), driven by the same load generator over
     * Engine.IO v4, through scenarios A, B and C.
     */
    private void runSocketIo() throws Exception {
        log("=== socket.io ===");
        Path dir = work.resolve("socketio");
        ServerProcess.installSocketIo(Path.of("bench/socketio"), dir);
        try (RedisProcess redis = RedisProcess.start(work)) {
            List<ServerProcess> all = new ArrayList<>();
            try {
                for (String name : List.of("socketio-a", "socketio-b")) {
                    ServerProcess node = ServerProcess.startSocketIo(name, dir, work, freePort(), redis.url());
                    all.add(node);
                    node.awaitUp("/api/stats", 200, 60);
                }
                log("servers up");
                Target t = Target.socketio(all, redis.pid());
                if (scenarios.contains("A") || scenarios.contains("B")) {
                    guarded(t + " A/B", () -> deliveryScenarios(t));
                }
                if (scenarios.contains("C")) {
                    guarded(t + " C", () -> roomScenarios(t, redis));
                }
            } finally {
                all.forEach(ServerProcess::close);
            }
        }
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs one scenario; a failure is logged and recorded, and the run goes on with the next. */
    private void guarded(String what, Scenario scenario) {
        try {
            scenario.run();
        } catch (Exception | Error e) {
            log(what + " FAILED: " + e);
            extras.add(Json.createObjectBuilder().add("scenario", "error").add("server", what.split("[/ ]")[0])
                    .add("what", what).add("error", String.valueOf(e)).build());
        }
    }

    /** Scenarios A (user notices, rising rates) and B (broadcast, rising rates) on one target. */
    private void deliveryScenarios(Target t) throws InterruptedException {
        int conns = quick ? 1000 : 2000;
        try (LoadClient client = new LoadClient()) {
            double connectRate = client.open(conns, t.ws, t.firstFrame, 200);
            log(t + ": " + conns + " connections at " + Math.round(connectRate) + "/s");
            awaitSessions(t, conns);
            Publisher publisher = new Publisher(t.publish, t.bearer);
            IntFunction<String> toUser = i -> "{\"user\":\"u" + (i % conns) + "\"}";
            warmup(t, client, publisher, conns, toUser);
            int[] userRates = quick ? new int[] {2000, 10000}
                    : new int[] {2000, 5000, 10000, 20000, 30000, 40000, 50000, 60000, 70000};
            for (int rate : scenarios.contains("A") ? userRates : new int[0]) {
                if (!step(t, client, publisher, "A-user", conns, rate, quick ? 3 : 6, toUser, 1, true).pass()) {
                    break;
                }
            }
            int[] broadcastRates = quick ? new int[] {10} : new int[] {5, 10, 20, 40, 60, 80, 120, 160};
            for (int rate : scenarios.contains("B") ? broadcastRates : new int[0]) {
                if (!step(t, client, publisher, "B-broadcast", conns, rate, quick ? 3 : 6, i -> "{\"all\":true}",
                        conns, true).pass()) {
                    break;
                }
            }
            if (client.closedUnexpectedly() > 0) {
                log(t + ": " + client.closedUnexpectedly() + " connections closed unexpectedly; the first: "
                        + client.firstProblem());
            }
        }
    }

    /**
     * Scenario C: notices to rooms of 10 and of 500 members at rising rates. Every connection is in one room
     * of each size. A target without rooms is recorded as skipped, with the reason. With {@code redis} (Herald),
     * also the Redis publishes per room notice, and the copies the nodes received: a room's notice should reach
     * exactly the nodes with members (both, as members alternate between the two).
     */
    private void roomScenarios(Target t, RedisProcess redis) throws InterruptedException {
        if (t.wsInRooms == null) {
            log(t + " C-rooms: skipped: " + t.noRooms);
            extras.add(Json.createObjectBuilder().add("scenario", "C-rooms").add("server", t.server)
                    .add("target", t.name).add("skipped", t.noRooms).build());
            return;
        }
        int conns = quick ? 1000 : 2000;
        try (LoadClient client = new LoadClient()) {
            client.open(conns, t.wsInRooms, t.firstFrameInRooms, 200);
            awaitSessions(t, conns);
            t.awaitRooms(conns);
            Publisher publisher = new Publisher(t.publish, t.bearer);
            int small = conns / SMALL_ROOM;
            int large = conns / LARGE_ROOM;
            IntFunction<String> toSmall = i -> t.room.apply("s" + (i % small));
            IntFunction<String> toLarge = i -> t.room.apply("l" + (i % large));
            step(t, client, publisher, "warmup", conns, quick ? 500 : 1000, quick ? 3 : 6, toSmall, SMALL_ROOM, false);
            for (int rate : quick ? new int[] {1000} : new int[] {500, 1000, 2000, 4000, 8000, 16000}) {
                Map<String, Long> before = redis == null ? null : redis.commandCalls();
                long receivedBefore = redis == null ? 0 : t.received();
                Step s = step(t, client, publisher, "C-room10", conns, rate, quick ? 3 : 6, toSmall, SMALL_ROOM, true);
                if (redis != null && rate == (quick ? 1000 : 500)) {
                    long received = t.received();
                    roomTraffic(t, redis, before, received < 0 ? -1 : received - receivedBefore, s);
                }
                if (!s.pass()) {
                    break;
                }
            }
            for (int rate : quick ? new int[] {20} : new int[] {10, 20, 40, 80, 160, 320}) {
                if (!step(t, client, publisher, "C-room500", conns, rate, quick ? 3 : 6, toLarge, LARGE_ROOM, true)
                        .pass()) {
                    break;
                }
            }
        }
    }

    /** Records Redis publishes and node copies per room notice of one step. */
    private void roomTraffic(Target t, RedisProcess redis, Map<String, Long> before, long copies, Step s) {
        Map<String, Long> after = redis.commandCalls();
        long publishes = after.getOrDefault("publish", 0L) - before.getOrDefault("publish", 0L);
        JsonObjectBuilder c = Json.createObjectBuilder().add("scenario", "C-redis").add("server", t.server)
                .add("target", t.name).add("notices", s.sent())
                .add("redisPublishesPerNotice", Step.round((double) publishes / s.sent()))
                .add("nodesWithMembersPerRoom", t.nodes.size());
        if (copies >= 0) {
            c.add("noticeCopiesPerNotice", Step.round((double) copies / s.sent()));
        }
        JsonObject built = c.build();
        extras.add(built);
        log(t + " C: " + built);
    }

    /**
     * Warms a target up at 5,000 notices/s until its servers' JIT compilers are quiet: 30 s, then 10 s more at
     * a time, at most 30 s more (the full run must stay under 15 minutes), while a node's compiler threads
     * still use over 5% of a core. A fresh
     * application server compiles for a minute or more under load on two cores, and its compilers then
     * compete with the push path for the CPU the steps measure; the steps should measure a server in its
     * steady state, as in production. Quick mode: 4 s.
     */
    private void warmup(Target t, LoadClient client, Publisher publisher, int conns, IntFunction<String> to)
            throws InterruptedException {
        if (quick) {
            step(t, client, publisher, "warmup", conns, 2000, 4, to, 1, false);
            return;
        }
        Step s = step(t, client, publisher, "warmup", conns, 5000, 30, to, 1, false);
        int seconds = 30;
        while (seconds < 60 && s.jitPercent().values().stream().anyMatch(jit -> jit > 5)) {
            s = step(t, client, publisher, "warmup", conns, 5000, 10, to, 1, false);
            seconds += 10;
        }
        log(t + ": warmed up for " + seconds + " s, JIT compilers at " + s.jitPercent().values() + " % of a core");
        extras.add(Json.createObjectBuilder().add("scenario", "warmup").add("server", t.server).add("target", t.name)
                .add("seconds", seconds).add("jitPercentAtEnd", s.jitPercent().toString()).build());
    }

    /** {@code --profile}: after the warmup, one long step of scenario A or B under JFR on every node. */
    private void profiled(Target t) throws Exception {
        String[] p = profile.split(":");
        if (p.length < 3 || p.length > 4 || !(p[0].equals("A") || p[0].equals("B"))
                || p.length == 4 && !p[3].equals("nojfr")) {
            throw new IllegalArgumentException("--profile takes A|B:RATE:SECONDS[:nojfr], e.g. A:10000:30");
        }
        boolean jfr = p.length == 3;
        int rate = Integer.parseInt(p[1]);
        int seconds = Integer.parseInt(p[2]);
        int conns = quick ? 1000 : 2000;
        try (LoadClient client = new LoadClient()) {
            client.open(conns, t.ws, t.firstFrame, 200);
            awaitSessions(t, conns);
            Publisher publisher = new Publisher(t.publish, t.bearer);
            IntFunction<String> toUser = i -> "{\"user\":\"u" + (i % conns) + "\"}";
            warmup(t, client, publisher, conns, toUser);
            List<Path> files = new ArrayList<>();
            for (ServerProcess n : t.nodes) {
                Path file = out.resolve("profile-" + n.name + ".jfr");
                if (jfr) {
                    Profile.start(n.jvmPid(), file, seconds);
                    files.add(file);
                }
            }
            Map<ServerProcess, Map<String, Long>> threads0 = new LinkedHashMap<>();
            for (ServerProcess n : t.nodes) {
                threads0.put(n, Profile.threadTicks(n.jvmPid()));
            }
            long wall0 = System.nanoTime();
            if (p[0].equals("A")) {
                step(t, client, publisher, "A-user", conns, rate, seconds, toUser, 1, true);
            } else {
                step(t, client, publisher, "B-broadcast", conns, rate, seconds, i -> "{\"all\":true}", conns, true);
            }
            double wall = (System.nanoTime() - wall0) / 1e9;
            for (ServerProcess n : t.nodes) {
                Profile.writeThreads(out.resolve("threads-" + n.name + ".txt"), threads0.get(n),
                        Profile.threadTicks(n.jvmPid()), wall);
            }
            for (Path file : files) {
                Profile.summarise(file, 30_000);
            }
        }
    }

    private Step step(Target t, LoadClient client, Publisher publisher, String scenario, int conns, int rate,
            double seconds, IntFunction<String> to, int perNotice, boolean record) throws InterruptedException {
        Measure m = new Measure(++stepId, (int) (rate * seconds) + 16);
        client.measure(m);
        Map<Long, Long> cpu0 = cpu(t);
        Map<String, Long> jit0 = jit(t);
        Map<String, Long> gc0 = gc(t);
        long wall0 = System.nanoTime();
        Publisher.Sent sent = publisher.run(m, rate, seconds, to);
        long expected = (long) sent.notices() * perNotice;
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(quick ? 2 : 3);
        while (m.uniqueDeliveries(sent.notices()) < expected && System.nanoTime() < drainUntil) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        double wall = (System.nanoTime() - wall0) / 1e9;
        Map<String, Double> cpuPercent = cpuPercent(t, cpu0, wall);
        Map<String, Double> jitPercent = new LinkedHashMap<>();
        jit(t).forEach((node, ticks) -> jitPercent.put(node, Step.round((ticks - jit0.getOrDefault(node, 0L)) / wall)));
        Map<String, Long> gcMillis = new LinkedHashMap<>();
        gc(t).forEach((node, ms) -> gcMillis.put(node, ms - gc0.getOrDefault(node, 0L)));
        long delivered = m.uniqueDeliveries(sent.notices());
        Histogram h = m.histogram();
        double p99 = h.getValueAtPercentile(99) / 1000.0;
        boolean keptUp = sent.notices() >= Math.round(rate * seconds) * 0.99 && sent.seconds() <= seconds * 1.1;
        boolean pass = sent.errors() == 0 && keptUp && expected > 0 && delivered >= expected * 0.999 && p99 < 100;
        Step s = new Step(t.server, t.name, scenario, t.nodes.size(), conns, rate, sent.notices(), expected, delivered,
                m.duplicates.sum(), sent.errors(), sent.seconds(), h.getValueAtPercentile(50) / 1000.0, p99,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, cpuPercent,
                delivered == 0 ? 0 : serverCpuSeconds(cpuPercent, wall) * 1e6 / delivered, jitPercent, gcMillis, pass);
        log(String.format("%s %-11s rate %6d: delivered %.4f (%d/%d, dup %d, errors %d) %,.0f/s p50 %.1f p99 %.1f "
                + "p999 %.1f ms cpu %s (JIT %s), %.1f us/delivery, gc %s ms %s", t, scenario, rate, s.deliveredRatio(),
                delivered, expected, s.duplicates(), s.publishErrors(), s.deliveriesPerSecond(), s.p50Ms(), s.p99Ms(),
                s.p999Ms(), cpuPercent, jitPercent.values(), s.serverCpuMicrosPerDelivery(), gcMillis.values(),
                pass ? "PASS" : "FAIL"));
        if (record) {
            steps.add(s);
        }
        client.measure(null);
        return s;
    }

    /** Scenario D: idle connections: heap and RSS per connection per node, connect rate. */
    private void idleConnections(Target t) {
        int conns = quick ? 2000 : 10000;
        Map<String, long[]> before = new LinkedHashMap<>();
        Map<String, Map<String, Long>> histograms = new LinkedHashMap<>();
        for (ServerProcess p : t.nodes) {
            before.put(p.name, new long[] {Proc.heapAfterGcKb(p.jvmPid()), Proc.rssKb(p.jvmPid())});
            histograms.put(p.name, Proc.histogram(p.jvmPid()));
        }
        try (LoadClient client = new LoadClient()) {
            double rate = client.open(conns, t.ws, t.firstFrame, 200);
            awaitSessions(t, conns);
            JsonArrayBuilder nodes = Json.createArrayBuilder();
            double heapSum = 0;
            double rssSum = 0;
            for (ServerProcess p : t.nodes) {
                long heap = Proc.heapAfterGcKb(p.jvmPid());
                long rss = Proc.rssKb(p.jvmPid());
                double perConnHeap = (heap - before.get(p.name)[0]) * 1024.0 / (conns / (double) t.nodes.size());
                double perConnRss = (rss - before.get(p.name)[1]) * 1024.0 / (conns / (double) t.nodes.size());
                heapSum += perConnHeap;
                rssSum += perConnRss;
                nodes.add(Json.createObjectBuilder().add("node", p.name).add("heapKbBefore", before.get(p.name)[0])
                        .add("heapKbAfter", heap).add("rssKbBefore", before.get(p.name)[1]).add("rssKbAfter", rss)
                        .add("heapBytesPerConnection", Math.round(perConnHeap))
                        .add("rssBytesPerConnection", Math.round(perConnRss)));
            }
            writeHeapGrowth(t, histograms, conns / t.nodes.size());
            JsonObject d = Json.createObjectBuilder().add("scenario", "D-idle").add("server", t.server)
                    .add("target", t.name).add("connections", conns).add("connectPerSecond", Math.round(rate))
                    .add("heapBytesPerConnection", Math.round(heapSum / t.nodes.size()))
                    .add("rssBytesPerConnection", Math.round(rssSum / t.nodes.size())).add("nodes", nodes).build();
            extras.add(d);
            log(t + " D-idle: " + d);
        }
    }

    /**
     * Scenario F: connections that each hold a text frame in progress, as close to the limits as the server
     * lets a connection stay open with: on WildFly Herald puts the parts together up to herald.ws.max-frame
     * (65,536 characters), so each sends 65,000 two-byte characters outside Latin-1; on Payara Tyrus buffers the whole frame up
     * to herald.ws.frame-buffer (262,158 bytes), so each sends 262,000 bytes. Heap per connection per node after
     * a full GC, before and after, and how many the server closed meanwhile (none should be).
     */
    private void framesInProgress(ServerProcess.Kind kind, Target t) throws IOException {
        int perNode = quick ? 50 : 100;
        int bytes = kind == ServerProcess.Kind.PAYARA ? 262_000 : 130_000;
        Map<String, Long> before = new LinkedHashMap<>();
        for (ServerProcess p : t.nodes) {
            before.put(p.name, Proc.heapAfterGcKb(p.jvmPid()));
        }
        try (PartialFrames frames = new PartialFrames()) {
            for (ServerProcess p : t.nodes) {
                for (int i = 0; i < perNode; i++) {
                    frames.open(p.ws("/herald/ws"), bytes);
                }
            }
            JsonArrayBuilder nodes = Json.createArrayBuilder();
            double sum = 0;
            for (ServerProcess p : t.nodes) {
                long heap = Proc.heapAfterGcKb(p.jvmPid());
                double perConnection = (heap - before.get(p.name)) * 1024.0 / perNode;
                sum += perConnection;
                nodes.add(Json.createObjectBuilder().add("node", p.name).add("heapKbBefore", before.get(p.name))
                        .add("heapKbAfter", heap).add("heapBytesPerConnection", Math.round(perConnection)));
            }
            JsonObject f = Json.createObjectBuilder().add("scenario", "F-frames-in-progress").add("server", t.server)
                    .add("target", t.name).add("connectionsPerNode", perNode).add("payloadBytesEach", bytes)
                    .add("heapBytesPerConnection", Math.round(sum / t.nodes.size()))
                    .add("closedByServer", frames.closedByServer()).add("nodes", nodes).build();
            extras.add(f);
            log(t + " F-frames-in-progress: " + f);
        }
    }

    /**
     * Scenario G: many connections at once that never send their auth frame: how long after its handshake
     * each is closed with 4401, against herald.ws.auth-timeout (10 s), while the node also opens and closes
     * the others.
     */
    private void authFlood(Target t) {
        int conns = quick ? 1000 : 4000;
        try (LoadClient client = new LoadClient()) {
            double rate = client.open(conns, t.ws, null, 200);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && client.closeDelaysMillis(4401).size() < conns) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
            }
            List<Long> delays = client.closeDelaysMillis(4401);
            JsonObjectBuilder g = Json.createObjectBuilder().add("scenario", "G-auth-flood").add("server", t.server)
                    .add("target", t.name).add("connections", conns).add("connectPerSecond", Math.round(rate))
                    .add("closedWith4401", delays.size());
            if (!delays.isEmpty()) {
                g.add("closeAfterMillisP50", delays.get(delays.size() / 2))
                        .add("closeAfterMillisP99", delays.get(Math.min(delays.size() - 1, delays.size() * 99 / 100)))
                        .add("closeAfterMillisMax", delays.get(delays.size() - 1))
                        .add("closeAfterMillisMin", delays.get(0));
            }
            JsonObject result = g.build();
            extras.add(result);
            log(t + " G-auth-flood: " + result);
        }
    }

    /**
     * Scenario H: a client that was away while 1,000 notices were sent to its user reconnects to the other node
     * and resumes from its position: milliseconds from the start of its connect to its 1,000th notice, over
     * {@code rounds} users; and the Redis memory those retained notices take, per notice.
     */
    private void resume(Target t, RedisProcess redis) throws Exception {
        int rounds = quick ? 10 : 40;
        int missed = 1000;
        Histogram millis = new Histogram(3);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long memoryBefore = redis.usedMemory();
        int frameChars = 0;
        for (int r = 0; r < rounds; r++) {
            String user = "resume" + r;
            String auth = "{\"type\":\"auth\",\"token\":\"" + token(user) + "\"";
            Counting first = Counting.open(http, t.nodes.get(0).ws("/herald/ws"), auth + "}");
            String welcome = first.awaitWelcome();
            first.close();
            JsonObject w = Json.createReader(new java.io.StringReader(welcome)).readObject();
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < missed; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"to\":{\"user\":\"").append(user)
                        .append("\"},\"event\":\"missed\",\"data\":{\"n\":").append(i)
                        .append(",\"text\":\"order 4711 shipped to the usual address\"}}");
            }
            Http.post(t.publish.get(1 % t.publish.size()), t.bearer, batch.append("]").toString());
            long start = System.nanoTime();
            Counting back = Counting.open(http, t.nodes.get(1 % t.nodes.size()).ws("/herald/ws"), auth
                    + ",\"since\":{\"epoch\":\"" + w.getString("epoch") + "\",\"offset\":" + w.getInt("offset") + "}}");
            back.awaitNotices(missed, 30);
            millis.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000_000));
            frameChars = back.lastNoticeChars();
            back.close();
        }
        long memory = redis.usedMemory() - memoryBefore;
        JsonObject result = Json.createObjectBuilder().add("scenario", "H-resume").add("server", t.server)
                .add("target", t.name).add("rounds", rounds).add("missedNotices", missed)
                .add("resumeMillisP50", millis.getValueAtPercentile(50))
                .add("resumeMillisP99", millis.getValueAtPercentile(99)).add("resumeMillisMax", millis.getMaxValue())
                .add("frameChars", frameChars)
                .add("redisBytesPerRetainedNotice", Math.round((double) memory / (rounds * (missed + 0.0))))
                .build();
        extras.add(result);
        log(t + " H-resume: " + result);
    }

    /** A WebSocket client that counts the notices it receives (frames may be arrays of them). */
    static final class Counting implements java.net.http.WebSocket.Listener, AutoCloseable {
        private final StringBuilder text = new StringBuilder();
        private final java.util.concurrent.CompletableFuture<String> welcome = new java.util.concurrent.CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicInteger notices = new java.util.concurrent.atomic.AtomicInteger();
        private volatile int lastNoticeChars;
        private java.net.http.WebSocket socket;

        static Counting open(java.net.http.HttpClient http, URI uri, String authFrame) throws Exception {
            Counting c = new Counting();
            c.socket = http.newWebSocketBuilder().buildAsync(uri, c).get(10, TimeUnit.SECONDS);
            c.socket.sendText(authFrame, true).get(10, TimeUnit.SECONDS);
            return c;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String frame = text.toString();
                text.setLength(0);
                if (!welcome.isDone() && frame.contains("\"type\":\"welcome\"")) {
                    int end = frame.indexOf('}', frame.indexOf("\"type\":\"welcome\"")) + 1;
                    welcome.complete(frame.startsWith("[") ? frame.substring(1, end) : frame.substring(0, end));
                }
                int n = 0;
                for (int i = frame.indexOf("\"type\":\"notice\""); i >= 0; i = frame.indexOf("\"type\":\"notice\"", i + 1)) {
                    n++;
                }
                if (n > 0) {
                    lastNoticeChars = frame.length() / Math.max(1, n);
                    notices.addAndGet(n);
                }
            }
            ws.request(1);
            return null;
        }

        String awaitWelcome() throws Exception {
            return welcome.get(10, TimeUnit.SECONDS);
        }

        void awaitNotices(int count, int seconds) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (notices.get() < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + notices.get() + " of " + count + " notices in " + seconds + " s");
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        }

        int lastNoticeChars() {
            return lastNoticeChars;
        }

        @Override
        public void close() {
            socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    /** Writes, per node, the classes whose heap grew most with the idle connections, in bytes per connection. */
    private void writeHeapGrowth(Target t, Map<String, Map<String, Long>> before, int perNode) {
        for (ServerProcess p : t.nodes) {
            Map<String, Long> after = Proc.histogram(p.jvmPid());
            Map<String, Long> b = before.get(p.name);
            List<Map.Entry<String, Long>> growth = new ArrayList<>();
            after.forEach((cls, bytes) -> growth.add(Map.entry(cls, bytes - b.getOrDefault(cls, 0L))));
            growth.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
            StringBuilder text = new StringBuilder("bytes per idle connection by class (" + perNode
                    + " connections on " + p.name + ")\n");
            long total = 0;
            for (Map.Entry<String, Long> e : growth) {
                total += e.getValue();
            }
            text.append(String.format("%8.0f  (all classes)%n", (double) total / perNode));
            for (Map.Entry<String, Long> e : growth.subList(0, Math.min(40, growth.size()))) {
                text.append(String.format("%8.1f  %s%n", (double) e.getValue() / perNode, e.getKey()));
            }
            try {
                Files.writeString(out.resolve("heap-" + p.name + ".txt"), text);
            } catch (IOException e) {
                log("could not write the heap growth of " + p.name + ": " + e);
            }
        }
    }

    /** Scenario E: Redis commands and publishes per user notice with 2 and with 4 nodes. */
    private void growth(ServerProcess.Kind kind, String server, RedisProcess redis, Map<String, String> props,
            ServerProcess a, ServerProcess b, List<ServerProcess> all, int offset) throws Exception {
        List<ServerProcess> nodes = new ArrayList<>(List.of(a, b));
        List<Integer> sizes = quick ? List.of(2) : List.of(2, 4);
        for (int size : sizes) {
            while (nodes.size() < size) {
                ServerProcess extra = ServerProcess.start(kind, server + "-herald-" + (char) ('a' + nodes.size()),
                        servers, work, servers.resolve("herald.war"), offset + 1 + nodes.size(), props, "1g");
                all.add(extra);
                extra.awaitUp("/herald/api/health", 200, 240);
                nodes.add(extra);
            }
            Target t = Target.herald(server, "herald", nodes, redis.pid());
            int conns = quick ? 1000 : 2000;
            try (LoadClient client = new LoadClient()) {
                client.open(conns, t.ws, t.firstFrame, 200);
                awaitSessions(t, conns);
                Publisher publisher = new Publisher(t.publish, t.bearer);
                Map<String, Long> before = redis.commandCalls();
                long receivedBefore = t.received();
                Step s = step(t, client, publisher, "E-growth", conns, 5000, quick ? 2 : 4,
                        i -> "{\"user\":\"u" + (i % conns) + "\"}", 1, false);
                Map<String, Long> after = redis.commandCalls();
                long copies = t.received() - receivedBefore;
                long commands = 0;
                for (Map.Entry<String, Long> e : after.entrySet()) {
                    if (!e.getKey().equals("info")) {
                        commands += e.getValue() - before.getOrDefault(e.getKey(), 0L);
                    }
                }
                long publishes = after.getOrDefault("publish", 0L) - before.getOrDefault("publish", 0L);
                JsonObject e = Json.createObjectBuilder().add("scenario", "E-growth").add("server", server)
                        .add("nodes", size).add("notices", s.sent())
                        .add("redisCommandsPerNotice", Step.round((double) commands / s.sent()))
                        .add("redisPublishesPerNotice", Step.round((double) publishes / s.sent()))
                        .add("noticeCopiesPerNotice", Step.round((double) copies / s.sent()))
                        .add("delivered", Step.round(s.deliveredRatio())).add("p99Ms", s.p99Ms()).build();
                extras.add(e);
                log(t + " E: " + e);
            }
        }
    }

    /**
     * Scenario K (only with {@code --scenarios K}): two more Herald nodes on a Redis Cluster of three masters with
     * a replica each, and how far each kind of notice travels in it. After a warmup, one step each of user notices,
     * notices to rooms of 10 and broadcasts, and then, for comparison, as many classic {@code PUBLISH} commands of
     * a room notice's size as the room step sent, on a channel nobody subscribes (the least a classic publish
     * costs). For each, per Redis node: the cluster-bus messages it received and its CPU, per notice.
     */
    private void cluster(ServerProcess.Kind kind, String server, Map<String, String> props, int offset)
            throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.start(work)) {
            Map<String, String> onCluster = new HashMap<>(props);
            onCluster.put("herald.redis.url", cluster.url());
            Path war = servers.resolve("herald.war");
            List<ServerProcess> nodes = new ArrayList<>();
            try {
                nodes.add(ServerProcess.start(kind, server + "-herald-cluster-a", servers, work, war, offset + 6,
                        onCluster, "1g"));
                nodes.add(ServerProcess.start(kind, server + "-herald-cluster-b", servers, work, war, offset + 7,
                        onCluster, "1g"));
                for (ServerProcess node : nodes) {
                    node.awaitUp("/herald/api/health", 200, 240);
                }
                Target t = Target.herald(server, "herald-cluster", nodes, 0);
                int conns = quick ? 1000 : 2000;
                double seconds = quick ? 3 : 6;
                try (LoadClient client = new LoadClient()) {
                    client.open(conns, t.wsInRooms, t.firstFrameInRooms, 200);
                    awaitSessions(t, conns);
                    t.awaitRooms(conns);
                    Publisher publisher = new Publisher(t.publish, t.bearer);
                    IntFunction<String> toUser = i -> "{\"user\":\"u" + (i % conns) + "\"}";
                    warmup(t, client, publisher, conns, toUser);
                    // What the six Redis processes spend with no traffic (cluster bus pings, cron, replication
                    // pings), subtracted from each step's CPU: at 10 broadcasts/s it would otherwise be most of it.
                    Map<Integer, Map<String, Long>> idle = cluster.counters();
                    Thread.sleep((long) (seconds * 1000));
                    clusterIdle = idleCpuPerSecond(idle, cluster.counters());
                    clusterStep(t, cluster, client, publisher, "K-user", conns, quick ? 2000 : 5000, seconds, toUser,
                            1);
                    int small = conns / SMALL_ROOM;
                    Step rooms = clusterStep(t, cluster, client, publisher, "K-room10", conns, 1000, seconds,
                            i -> t.room.apply("s" + (i % small)), SMALL_ROOM);
                    clusterStep(t, cluster, client, publisher, "K-broadcast", conns, 10, seconds,
                            i -> "{\"all\":true}", conns);
                    classicBaseline(server, cluster, rooms.sent(), seconds);
                }
            } finally {
                nodes.forEach(ServerProcess::close);
            }
        }
    }

    /** Scenario K: each Redis node's CPU milliseconds per second with no traffic, by port. */
    private Map<Integer, Double> clusterIdle = Map.of();

    private static Map<Integer, Double> idleCpuPerSecond(Map<Integer, Map<String, Long>> before,
            Map<Integer, Map<String, Long>> after) {
        Map<Integer, Double> idle = new HashMap<>();
        before.forEach((port, b) -> {
            Map<String, Long> a = after.get(port);
            idle.put(port, (a.get("cpuMillis") - b.get("cpuMillis")) / ((a.get("nanos") - b.get("nanos")) / 1e9));
        });
        return idle;
    }

    /** One step of scenario K, with each Redis node's bus messages and CPU per notice. */
    private Step clusterStep(Target t, RedisClusterProcess cluster, LoadClient client, Publisher publisher,
            String scenario, int conns, int rate, double seconds, IntFunction<String> to, int perNotice)
            throws InterruptedException {
        Map<Integer, Map<String, Long>> before = cluster.counters();
        Step s = step(t, client, publisher, scenario, conns, rate, seconds, to, perNotice, true);
        JsonObjectBuilder k = clusterTraffic(t.server, scenario, cluster, before, s.sent(), clusterIdle);
        k.add("delivered", Step.round(s.deliveredRatio())).add("p99Ms", s.p99Ms())
                .add("nodesCpuMicrosPerDelivery", Step.round(s.serverCpuMicrosPerDelivery()));
        JsonObject built = k.build();
        extras.add(built);
        log(t + " K: " + built);
        return s;
    }

    /**
     * As many classic {@code PUBLISH} commands as {@code count}, of a room notice's size, at the room step's
     * rate, round robin over the masters, on a channel no one subscribes.
     */
    private void classicBaseline(String server, RedisClusterProcess cluster, int count, double seconds) {
        String message = "{\"v\":2,\"to\":{\"channel\":\"" + ROOM_PREFIX + "s1\"}}\n{\"type\":\"notice\","
                + "\"id\":\"bench-a-123456\",\"channel\":\"" + ROOM_PREFIX + "s1\",\"event\":\"bench\","
                + "\"data\":{\"b\":[12,3456,123456789012345]},\"ts\":1700000000000,\"offset\":1234,"
                + "\"epoch\":\"abcdefgh\"}";
        List<Jedis> masters = new ArrayList<>();
        try {
            for (RedisClusterProcess.Member m : cluster.members()) {
                if (cluster.role(m).equals("master")) {
                    masters.add(new Jedis("127.0.0.1", m.port()));
                }
            }
            Map<Integer, Map<String, Long>> before = cluster.counters();
            long start = System.nanoTime();
            long interval = (long) (seconds * 1e9 / count);
            for (int i = 0; i < count; i++) {
                LockSupport.parkNanos(start + i * interval - System.nanoTime());
                masters.get(i % masters.size()).publish("bench-classic", message);
            }
            JsonObject built = clusterTraffic(server, "K-classic-publish", cluster, before, count, clusterIdle)
                    .build();
            extras.add(built);
            log(server + " K: " + built);
        } finally {
            masters.forEach(Jedis::close);
        }
    }

    /**
     * Per Redis node of {@code cluster}: bus messages received and CPU above {@code idle}, per notice, since
     * {@code before}.
     */
    private static JsonObjectBuilder clusterTraffic(String server, String scenario, RedisClusterProcess cluster,
            Map<Integer, Map<String, Long>> before, long notices, Map<Integer, Double> idle) {
        Map<Integer, Map<String, Long>> after = cluster.counters();
        JsonArrayBuilder perNode = Json.createArrayBuilder();
        double bus = 0;
        double cpu = 0;
        for (RedisClusterProcess.Member m : cluster.members()) {
            Map<String, Long> a = after.get(m.port());
            Map<String, Long> b = before.get(m.port());
            ToLongFunction<String> delta = key -> a.getOrDefault(key, 0L) - b.getOrDefault(key, 0L);
            double nodeBus = (double) (delta.applyAsLong("bus.publish") + delta.applyAsLong("bus.publishshard"))
                    / notices;
            double idleMillis = idle.getOrDefault(m.port(), 0.0) * delta.applyAsLong("nanos") / 1e9;
            double nodeCpu = Math.max(0, delta.applyAsLong("cpuMillis") - idleMillis) * 1000.0 / notices;
            bus += nodeBus;
            cpu += nodeCpu;
            perNode.add(Json.createObjectBuilder().add("port", m.port()).add("role", cluster.role(m))
                    .add("busMessagesPerNotice", Step.round(nodeBus))
                    .add("publishesPerNotice", Step.round((double) (delta.applyAsLong("cmd.publish")
                            + delta.applyAsLong("cmd.spublish")) / notices))
                    .add("cpuMicrosPerNotice", Step.round(nodeCpu)));
        }
        return Json.createObjectBuilder().add("scenario", "K-cluster").add("server", server).add("step", scenario)
                .add("notices", notices).add("busMessagesPerNotice", Step.round(bus))
                .add("redisCpuMicrosPerNotice", Step.round(cpu)).add("perNode", perNode)
                .add("idleCpuMillisPerSecond", Step.round(idle.values().stream().mapToDouble(Double::doubleValue)
                        .sum()));
    }

    private void awaitSessions(Target t, int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && t.sessions() < expected) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static Map<String, Long> gc(Target t) {
        Map<String, Long> gc = new LinkedHashMap<>();
        for (ServerProcess p : t.nodes) {
            gc.put(p.name, Proc.gcMillis(p.jvmPid()));
        }
        return gc;
    }

    private static double serverCpuSeconds(Map<String, Double> cpuPercent, double wallSeconds) {
        return cpuPercent.entrySet().stream().filter(e -> !e.getKey().equals("load-generator"))
                .mapToDouble(e -> e.getValue() / 100 * wallSeconds).sum();
    }

    /** CPU ticks (1/100 s) of each node's JIT compiler threads so far. */
    private static Map<String, Long> jit(Target t) {
        Map<String, Long> jit = new LinkedHashMap<>();
        for (ServerProcess p : t.nodes) {
            jit.put(p.name, Profile.threadTicks(p.jvmPid()).entrySet().stream()
                    .filter(e -> e.getKey().contains("CompilerThre")).mapToLong(Map.Entry::getValue).sum());
        }
        return jit;
    }

    private Map<Long, Long> cpu(Target t) {
        Map<Long, Long> cpu = new HashMap<>();
        for (ServerProcess p : t.nodes) {
            cpu.put(p.jvmPid(), Proc.cpuMillis(p.jvmPid()));
        }
        if (t.redisPid != 0) {
            cpu.put(t.redisPid, Proc.cpuMillis(t.redisPid));
        }
        long self = ProcessHandle.current().pid();
        cpu.put(self, Proc.cpuMillis(self));
        return cpu;
    }

    private Map<String, Double> cpuPercent(Target t, Map<Long, Long> before, double wallSeconds) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (ServerProcess p : t.nodes) {
            long pid = p.jvmPid();
            out.put(p.name, Step.round((Proc.cpuMillis(pid) - before.getOrDefault(pid, 0L)) / (wallSeconds * 10)));
        }
        if (t.redisPid != 0) {
            out.put("redis", Step.round((Proc.cpuMillis(t.redisPid) - before.getOrDefault(t.redisPid, 0L))
                    / (wallSeconds * 10)));
        }
        long self = ProcessHandle.current().pid();
        out.put("load-generator", Step.round((Proc.cpuMillis(self) - before.getOrDefault(self, 0L)) / (wallSeconds * 10)));
        return out;
    }

    static String token(String user) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .subject(user).expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).build());
            jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void log(String line) {
        System.out.println(LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + " " + line);
    }

    /** What the load is pointed at: Herald's nodes, or the thin reference. */
    static final class Target {
        final String server;
        final String name;
        final List<ServerProcess> nodes;
        final List<URI> publish;
        final String bearer;
        final IntFunction<URI> ws;
        /** The first frame connection i sends (its auth frame), or {@code null}. */
        final IntFunction<String> firstFrame;
        /** Connection i joined to its rooms (scenario C), or {@code null} where the target has no rooms. */
        final IntFunction<URI> wsInRooms;
        /** The frames (one per line) connection i sends to join its rooms, or {@code null}. */
        final IntFunction<String> firstFrameInRooms;
        /** The JSON recipient of a notice to a room, by the room's name ({@code s3}, {@code l1}). */
        final java.util.function.Function<String, String> room;
        /** Why the target has no rooms, when it has none. */
        final String noRooms;
        /** The Redis server the target uses (its CPU counts as the target's), or 0. */
        final long redisPid;
        private final URI sessionsUri;

        private Target(String server, String name, List<ServerProcess> nodes, List<URI> publish, String bearer,
                IntFunction<URI> ws, IntFunction<String> firstFrame, IntFunction<URI> wsInRooms,
                IntFunction<String> firstFrameInRooms, java.util.function.Function<String, String> room,
                String noRooms, long redisPid, URI sessionsUri) {
            this.server = server;
            this.name = name;
            this.nodes = nodes;
            this.publish = publish;
            this.bearer = bearer;
            this.ws = ws;
            this.firstFrame = firstFrame;
            this.wsInRooms = wsInRooms;
            this.firstFrameInRooms = firstFrameInRooms;
            this.room = room;
            this.noRooms = noRooms;
            this.redisPid = redisPid;
            this.sessionsUri = sessionsUri;
        }

        static Target thin(String server, ServerProcess node) {
            return new Target(server, "thin", List.of(node), List.of(node.uri("/thin/publish")), null,
                    i -> node.ws("/thin/ws?user=u" + i), null,
                    i -> node.ws("/thin/ws?user=u" + i + "&rooms=s" + i / SMALL_ROOM + ",l" + i / LARGE_ROOM),
                    null, r -> "{\"room\":\"" + r + "\"}", null, 0, node.uri("/thin/publish"));
        }

        static Target herald(String server, String name, List<ServerProcess> nodes, long redisPid) {
            List<URI> publish = nodes.stream().map(n -> n.uri("/herald/api/notices")).toList();
            IntFunction<URI> ws = i -> nodes.get(i % nodes.size()).ws("/herald/ws");
            IntFunction<String> auth = i -> "{\"type\":\"auth\",\"token\":\"" + token("u" + i) + "\"}";
            // Connection i subscribes to its rooms right after its auth frame, as a chat page does.
            IntFunction<String> inRooms = i -> auth.apply(i)
                    + "\n{\"type\":\"subscribe\",\"channel\":\"" + ROOM_PREFIX + "s" + i / SMALL_ROOM + "\"}"
                    + "\n{\"type\":\"subscribe\",\"channel\":\"" + ROOM_PREFIX + "l" + i / LARGE_ROOM + "\"}";
            return new Target(server, name, List.copyOf(nodes), publish, KEY, ws, auth, ws, inRooms,
                    r -> "{\"channel\":\"" + ROOM_PREFIX + r + "\"}", null, redisPid, null);
        }

        /**
         * Waits (at most 60 s) until every room holds all its members: on Herald, as its presence API counts
         * them; thin joins rooms in the upgrade request, so its rooms are whole once its sessions are.
         */
        void awaitRooms(int conns) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            if (socketIo()) {
                while (socketIoStat("joins") < 2L * conns) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("socket.io rooms not joined within 60 s");
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
                return;
            }
            if (bearer == null) {
                return;
            }
            for (int r = 0; r < conns / SMALL_ROOM + conns / LARGE_ROOM; r++) {
                String name = r < conns / SMALL_ROOM ? "s" + r : "l" + (r - conns / SMALL_ROOM);
                int members = r < conns / SMALL_ROOM ? SMALL_ROOM : LARGE_ROOM;
                URI uri = nodes.get(0).uri("/herald/api/presence?channel=" + ROOM_PREFIX + name);
                while (!Http.get(uri, bearer).contains("\"sessions\":" + members + "}")) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("room " + name + " not whole within 60 s");
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
            }
        }

        /** A socket.io target: two Node.js nodes of {@code bench/socketio/server.mjs} on one Redis. */
        static Target socketio(List<ServerProcess> nodes, long redisPid) {
            IntFunction<URI> ws = i -> nodes.get(i % nodes.size()).ws("/socket.io/?EIO=4&transport=websocket");
            IntFunction<String> connect = i -> "40{\"user\":\"u" + i + "\"}"; // socket.io's CONNECT, with auth
            IntFunction<String> inRooms = i -> connect.apply(i) + LoadClient.AFTER_CONNECT
                    + "42[\"join\",\"s" + i / SMALL_ROOM + "\"]"
                    + "\n42[\"join\",\"l" + i / LARGE_ROOM + "\"]";
            return new Target("node", "socketio", List.copyOf(nodes),
                    nodes.stream().map(n -> n.uri("/api/notices")).toList(), null, ws, connect, ws, inRooms,
                    r -> "{\"room\":\"" + r + "\"}", null, redisPid, null);
        }

        private boolean socketIo() {
            return name.equals("socketio");
        }

        /** A number from each socket.io node's stats, summed. */
        private long socketIoStat(String key) {
            long sum = 0;
            for (ServerProcess n : nodes) {
                String body = Http.get(n.uri("/api/stats"));
                sum += Long.parseLong(body.replaceAll(".*\"" + key + "\":(\\d+).*", "$1"));
            }
            return sum;
        }

        /** Notices the nodes have received through the engine so far (Herald's health counters); -1 elsewhere. */
        long received() {
            if (socketIo()) {
                return -1;
            }
            long sum = 0;
            for (ServerProcess n : nodes) {
                sum += healthCount(n, "received");
            }
            return sum;
        }

        /** Sessions the servers hold now. */
        int sessions() {
            if (sessionsUri != null) {
                return Integer.parseInt(Http.get(sessionsUri).trim());
            }
            if (socketIo()) {
                return (int) socketIoStat("clients");
            }
            int sum = 0;
            for (ServerProcess n : nodes) {
                sum += (int) healthCount(n, "sessions");
            }
            return sum;
        }

        /** A number from a Herald node's health body. */
        private static long healthCount(ServerProcess node, String key) {
            String body = Http.get(node.uri("/herald/api/health"));
            return Long.parseLong(body.replaceAll(".*\"" + key + "\":(\\d+).*", "$1"));
        }

        @Override
        public String toString() {
            return server + "/" + name + "(" + nodes.size() + ")";
        }
    }
}
