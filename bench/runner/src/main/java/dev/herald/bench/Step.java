package dev.herald.bench;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.Map;

/**
 * One measured step: a target (herald or thin, on a server) under one load.
 *
 * @param cpuPercent CPU used by each server JVM during the step, in percent of one core (and by Herald's Redis
 *     under "redis", by the load generator under "load-generator")
 * @param serverCpuMicrosPerDelivery CPU time of all server JVMs (and Redis) together per delivery, in microseconds: the cost
 *     of the push path, which a busy machine changes less than it changes the rates
 * @param gcMillis time each server JVM spent in garbage collection pauses during the step
 */
record Step(String server, String target, String scenario, int nodes, int connections, int rate, int sent,
        long expected, long delivered, long duplicates, long publishErrors, double seconds, double p50Ms,
        double p99Ms, double p999Ms, double maxMs, Map<String, Double> cpuPercent, double serverCpuMicrosPerDelivery,
        Map<String, Double> jitPercent, Map<String, Long> gcMillis, boolean pass) {

    double deliveredRatio() {
        return expected == 0 ? 1 : (double) delivered / expected;
    }

    double deliveriesPerSecond() {
        return seconds == 0 ? 0 : delivered / seconds;
    }

    JsonObject json() {
        JsonObjectBuilder cpu = Json.createObjectBuilder();
        cpuPercent.forEach((k, v) -> cpu.add(k, Math.round(v)));
        JsonObjectBuilder jit = Json.createObjectBuilder();
        jitPercent.forEach((k, v) -> jit.add(k, Math.round(v)));
        JsonObjectBuilder gc = Json.createObjectBuilder();
        gcMillis.forEach(gc::add);
        return Json.createObjectBuilder()
                .add("server", server).add("target", target).add("scenario", scenario).add("nodes", nodes)
                .add("connections", connections).add("rate", rate).add("sent", sent).add("expected", expected)
                .add("delivered", delivered).add("lost", expected - delivered).add("duplicates", duplicates)
                .add("publishErrors", publishErrors).add("seconds", round(seconds))
                .add("deliveriesPerSecond", Math.round(deliveriesPerSecond()))
                .add("p50Ms", round(p50Ms)).add("p99Ms", round(p99Ms)).add("p999Ms", round(p999Ms))
                .add("maxMs", round(maxMs)).add("cpuPercent", cpu)
                .add("serverCpuMicrosPerDelivery", round(serverCpuMicrosPerDelivery)).add("jitPercent", jit)
                .add("gcPauseMillis", gc).add("pass", pass).build();
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
