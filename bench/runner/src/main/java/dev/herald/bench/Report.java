package dev.herald.bench;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonWriter;
import jakarta.json.JsonWriterFactory;
import jakarta.json.stream.JsonGenerator;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Writes results.json, summary.md (the figures a reader checks) and chart.html (latency against rate). */
final class Report {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
    private static final List<String> RATED = List.of("A-user", "B-broadcast", "C-room10", "C-room500");

    private final JsonObject meta;
    private final List<Step> steps;
    private final List<JsonObject> extras;

    Report(JsonObject meta, List<Step> steps, List<JsonObject> extras) {
        this.meta = meta;
        this.steps = steps;
        this.extras = extras;
    }

    void write(Path dir) throws IOException {
        JsonArrayBuilder s = Json.createArrayBuilder();
        steps.forEach(step -> s.add(step.json()));
        JsonArrayBuilder e = Json.createArrayBuilder();
        extras.forEach(e::add);
        JsonWriterFactory pretty = Json.createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true));
        try (Writer w = Files.newBufferedWriter(dir.resolve("results.json")); JsonWriter jw = pretty.createWriter(w)) {
            jw.write(Json.createObjectBuilder().add("meta", meta).add("steps", s).add("other", e).build());
        }
        Files.writeString(dir.resolve("summary.md"), summary());
        Files.writeString(dir.resolve("chart.html"), chart());
    }

    private Set<String> servers() {
        Set<String> out = new LinkedHashSet<>();
        steps.forEach(s -> out.add(s.server()));
        return out;
    }

    private List<Step> of(String server, String target, String scenario) {
        return steps.stream().filter(s -> s.server().equals(server) && s.target().equals(target)
                && s.scenario().equals(scenario)).toList();
    }

    /** Highest rate that passed (>= 99.9% delivered, p99 < 100 ms, publisher kept up), in deliveries/s. */
    private double sustained(List<Step> list) {
        return list.stream().filter(Step::pass).mapToDouble(s -> (double) s.rate() * s.expected() / Math.max(1, s.sent()))
                .max().orElse(0);
    }

    /** Median server CPU per delivery over the passing steps, in microseconds; 0 when none passed. */
    private static double cpuPerDelivery(List<Step> list) {
        double[] v = list.stream().filter(Step::pass).mapToDouble(Step::serverCpuMicrosPerDelivery).sorted().toArray();
        return v.length == 0 ? 0 : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private double best(List<Step> list) {
        return list.stream().mapToDouble(Step::deliveriesPerSecond).max().orElse(0);
    }

    String summary() {
        StringBuilder md = new StringBuilder("# Herald benchmark\n\n");
        md.append(String.format(Locale.ROOT, "%s, %d cores, Java %s, load average before `%s`, after `%s`, %s min%s. "
                + "CPU calibration (one thread hashing 64 MB, lower is faster): %s ms before, %s ms after.%n%n",
                meta.getString("date"), meta.getInt("cores"), meta.getString("java"), meta.getString("loadavgBefore"),
                meta.getString("loadavgAfter"), meta.get("minutes"), meta.getBoolean("quick") ? ", QUICK mode" : "",
                meta.get("cpuCalibrationMillisBefore"), meta.get("cpuCalibrationMillisAfter")));
        md.append("Pass = at least 99.9% delivered, p99 under 100 ms, the publisher kept the rate. Herald runs on two "
                + "nodes with Redis; thin is the reference push path on one node of the same server; socketio is "
                + "socket.io 4 with its Redis adapter on two Node.js nodes (server `node`).\n\n");
        sideBySide(md);
        for (String server : servers()) {
            md.append("## ").append(server).append("\n\n");
            if (!server.equals("node")) { // socket.io has no thin beside it: see the side-by-side table
                md.append("| scenario | thin sustained | herald sustained | herald / thin | thin best | herald best "
                        + "| server CPU µs per delivery, thin / herald (median of passing steps) |\n");
                md.append("|---|---|---|---|---|---|---|\n");
                for (String scenario : RATED) {
                    if (steps.stream().noneMatch(st -> st.server().equals(server) && st.scenario().equals(scenario))) {
                        continue;
                    }
                    double thin = sustained(of(server, "thin", scenario));
                    double herald = sustained(of(server, "herald", scenario));
                    if (of(server, "herald", scenario).isEmpty()) {
                        md.append(String.format(Locale.ROOT, "| %s | %,.0f/s | not run | - | %,.0f/s | - | %.1f / - |%n",
                                scenario, thin, best(of(server, "thin", scenario)),
                                cpuPerDelivery(of(server, "thin", scenario))));
                        continue;
                    }
                    md.append(String.format(Locale.ROOT, "| %s | %,.0f/s | %,.0f/s | %s | %,.0f/s | %,.0f/s | %.1f / %.1f |%n",
                            scenario, thin, herald, thin == 0 ? "-" : Math.round(100 * herald / thin) + "%",
                            best(of(server, "thin", scenario)), best(of(server, "herald", scenario)),
                            cpuPerDelivery(of(server, "thin", scenario)), cpuPerDelivery(of(server, "herald", scenario))));
                }
            }
            md.append("\n| target | scenario | rate | delivered | lost | dup | deliveries/s | p50 ms | p99 ms | p999 ms "
                    + "| CPU % (each server JVM, then the load generator) | of which JIT compiler % | server CPU µs/delivery | GC pauses ms (each server JVM) | pass |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Step s : steps) {
                if (s.server().equals(server)) {
                    md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %.4f | %d | %d | %,.0f | %.2f | %.2f | %.2f | %s | %s | %.1f | %s | %s |%n",
                            s.target(), s.scenario(), s.rate(), s.deliveredRatio(), s.expected() - s.delivered(),
                            s.duplicates(), s.deliveriesPerSecond(), s.p50Ms(), s.p99Ms(), s.p999Ms(),
                            s.cpuPercent().values(), s.jitPercent().values(), s.serverCpuMicrosPerDelivery(),
                            s.gcMillis().values(), s.pass() ? "yes" : "no"));
                }
            }
            md.append("\n");
            for (JsonObject e : extras) {
                if (e.getString("server").equals(server)) {
                    md.append("- ").append(describe(e)).append("\n");
                }
            }
            md.append("\n");
        }
        return md.toString();
    }

    /**
     * One table over every server and target of the run: sustained deliveries per second and the median server
     * CPU per delivery (servers and their Redis), and Herald's CPU per delivery against socket.io's, the figure
     * that survives a load generator sharing the machine with the servers.
     */
    private void sideBySide(StringBuilder md) {
        List<String[]> columns = new ArrayList<>();
        for (String server : servers()) {
            for (String target : List.of("thin", "herald", "socketio")) {
                if (steps.stream().anyMatch(st -> st.server().equals(server) && st.target().equals(target))) {
                    columns.add(new String[] {server, target});
                }
            }
        }
        if (columns.isEmpty()) {
            return;
        }
        md.append("## Side by side: sustained deliveries/s, server CPU µs per delivery\n\n| scenario |");
        columns.forEach(c -> md.append(' ').append(c[0]).append(' ').append(c[1]).append(" |"));
        boolean ratios = steps.stream().anyMatch(st -> st.target().equals("socketio"));
        if (ratios) {
            servers().stream().filter(sv -> !sv.equals("node")).forEach(sv -> md.append(" herald ").append(sv)
                    .append(" / socketio CPU per delivery |"));
        }
        md.append("\n|---|");
        columns.forEach(c -> md.append("---|"));
        if (ratios) {
            servers().stream().filter(sv -> !sv.equals("node")).forEach(sv -> md.append("---|"));
        }
        md.append('\n');
        for (String scenario : RATED) {
            if (steps.stream().noneMatch(st -> st.scenario().equals(scenario))) {
                continue;
            }
            md.append("| ").append(scenario).append(" |");
            for (String[] c : columns) {
                List<Step> list = of(c[0], c[1], scenario);
                md.append(list.isEmpty() ? " - |" : String.format(Locale.ROOT, " %,.0f/s, %.1f µs |", sustained(list),
                        cpuPerDelivery(list)));
            }
            if (ratios) {
                double socketio = cpuPerDelivery(of("node", "socketio", scenario));
                for (String server : servers()) {
                    if (!server.equals("node")) {
                        double herald = cpuPerDelivery(of(server, "herald", scenario));
                        md.append(herald == 0 || socketio == 0 ? " - |"
                                : String.format(Locale.ROOT, " %.2fx |", herald / socketio));
                    }
                }
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static String describe(JsonObject e) {
        if (e.getString("scenario").equals("error")) {
            return "FAILED " + e.getString("what") + ": " + e.getString("error");
        }
        if (e.containsKey("skipped")) {
            return e.getString("scenario") + ", " + e.getString("target") + ": skipped: " + e.getString("skipped");
        }
        if (e.getString("scenario").equals("warmup")) {
            return String.format(Locale.ROOT, "warmup, %s: %d s at 5,000 notices/s; JIT compilers at the end: %s %% of a core "
                    + "per node", e.getString("target"), e.getInt("seconds"), e.getString("jitPercentAtEnd"));
        }
        if (e.getString("scenario").equals("D-idle")) {
            return String.format(Locale.ROOT, "D idle, %s: %,d connections, %,d connects/s, %,d B heap and %,d B RSS per "
                    + "connection per node", e.getString("target"), e.getInt("connections"),
                    e.getJsonNumber("connectPerSecond").longValue(), e.getJsonNumber("heapBytesPerConnection").longValue(),
                    e.getJsonNumber("rssBytesPerConnection").longValue());
        }
        if (e.getString("scenario").equals("C-redis")) {
            return String.format(Locale.ROOT, "C rooms, %s: %s Redis publishes per room notice%s, with members on %d "
                    + "nodes", e.getString("target"), e.get("redisPublishesPerNotice"),
                    e.containsKey("noticeCopiesPerNotice") ? ", " + e.get("noticeCopiesPerNotice") + " copies received by "
                            + "nodes" : "", e.getInt("nodesWithMembersPerRoom"));
        }
        if (e.getString("scenario").equals("K-cluster")) {
            StringBuilder nodes = new StringBuilder();
            for (JsonObject n : e.getJsonArray("perNode").getValuesAs(JsonObject.class)) {
                nodes.append(String.format(Locale.ROOT, "%s%d (%s): %s, %s µs", nodes.length() == 0 ? "" : "; ",
                        n.getInt("port"), n.getString("role"), n.get("busMessagesPerNotice"),
                        n.get("cpuMicrosPerNotice")));
            }
            return String.format(Locale.ROOT, "K cluster, %s: %,d notices%s; per notice, over the six Redis nodes, %s "
                    + "cluster-bus messages received and %s µs of Redis CPU above idle (per node: %s; idle %s ms/s in all)",
                    e.getString("step"),
                    e.getJsonNumber("notices").longValue(), e.containsKey("delivered") ? ", delivered "
                            + e.get("delivered") + ", p99 " + e.get("p99Ms") + " ms, the nodes' CPU "
                            + e.get("nodesCpuMicrosPerDelivery") + " µs per delivery" : "",
                    e.get("busMessagesPerNotice"), e.get("redisCpuMicrosPerNotice"), nodes,
                    e.get("idleCpuMillisPerSecond"));
        }
        return String.format(Locale.ROOT, "E growth, %d nodes: %s Redis commands, %s publishes and %s copies received "
                + "by nodes per user notice (delivered %s, p99 %s ms)", e.getInt("nodes"), e.get("redisCommandsPerNotice"),
                e.get("redisPublishesPerNotice"), e.get("noticeCopiesPerNotice"), e.get("delivered"), e.get("p99Ms"));
    }

    String chart() {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald "
                + "benchmark</title><style>body{font:14px system-ui,sans-serif;margin:2rem}svg{background:#fff;"
                + "border:1px solid #ddd;margin:0 1rem 1rem 0}</style></head><body><h1>Herald benchmark</h1><p>p99 "
                + "latency (log scale) against delivered notices per second. ")
                .append(meta.getString("date")).append("</p>");
        for (String server : servers()) {
            html.append("<h2>").append(server).append("</h2>");
            for (String scenario : RATED) {
                if (steps.stream().noneMatch(st -> st.server().equals(server) && st.scenario().equals(scenario))) {
                    continue;
                }
                List<List<Step>> lines = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (String target : List.of("thin", "herald", "socketio")) {
                    if (!of(server, target, scenario).isEmpty()) {
                        lines.add(of(server, target, scenario));
                        names.add(target);
                    }
                }
                html.append(svg(server + " " + scenario, lines, names));
            }
        }
        return html.append("</body></html>").toString();
    }

    private static String svg(String title, List<List<Step>> lines, List<String> names) {
        int w = 560;
        int h = 320;
        int left = 60;
        int bottom = 40;
        double maxX = 1;
        for (List<Step> l : lines) {
            for (Step s : l) {
                maxX = Math.max(maxX, s.deliveriesPerSecond());
            }
        }
        double minLog = Math.log10(0.1);
        double maxLog = Math.log10(1000);
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"%d\" y=\"18\" "
                        + "font-weight=\"bold\">%s</text>", w, h, left, title));
        for (double ms : new double[] {0.1, 1, 10, 100, 1000}) {
            double y = (h - bottom) - (Math.log10(ms) - minLog) / (maxLog - minLog) * (h - bottom - 30);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"5\" y=\"%.1f\" font-size=\"11\">%s ms</text>", left, w - 10, y, y, y + 4, ms));
        }
        for (int i = 0; i <= 4; i++) {
            double x = left + i * (w - left - 20) / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%,.0f/s</text>", x - 15,
                    h - 20, maxX * i / 4));
        }
        for (int li = 0; li < lines.size(); li++) {
            StringBuilder points = new StringBuilder();
            for (Step s : lines.get(li)) {
                double x = left + s.deliveriesPerSecond() / maxX * (w - left - 20);
                double v = Math.max(0.1, Math.min(1000, s.p99Ms()));
                double y = (h - bottom) - (Math.log10(v) - minLog) / (maxLog - minLog) * (h - bottom - 30);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y,
                        s.pass() ? COLORS[li] : "#999"));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>", COLORS[li], points, w - 110, 40 + li * 16,
                    COLORS[li], names.get(li)));
        }
        return svg.append("</svg>").toString();
    }
}
