package dev.herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * JFR on the server processes during one long step ({@code --profile A:RATE:SECONDS} or
 * {@code B:RATE:SECONDS}): starts a recording on each node through {@code jcmd}, and afterwards writes the
 * hottest methods (by samples on top of the stack, and by samples anywhere in the stack) next to each
 * {@code .jfr} file, which JDK Mission Control can open for the rest.
 */
final class Profile {

    private Profile() {
    }

    /** Starts a recording of {@code seconds} on {@code pid}, written to {@code file}. */
    static void start(long pid, Path file, int seconds) {
        Proc.run(List.of(Proc.jcmd(), String.valueOf(pid), "JFR.start", "name=bench", "settings=profile",
                "duration=" + seconds + "s", "filename=" + file.toAbsolutePath()));
    }

    /** Waits for {@code file} to be written, then summarises it into {@code file + ".txt"}. */
    static void summarise(Path file, long waitMillis) throws IOException {
        long deadline = System.currentTimeMillis() + waitMillis;
        while (!Files.exists(file) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!Files.exists(file)) {
            Bench.log("no recording at " + file);
            return;
        }
        Map<String, Integer> self = new LinkedHashMap<>();
        Map<String, Integer> total = new LinkedHashMap<>();
        Map<String, Integer> threads = new LinkedHashMap<>();
        int samples = 0;
        Map<String, Long> allocatedBy = new LinkedHashMap<>();
        Map<String, Long> allocatedIn = new LinkedHashMap<>();
        long allocated = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (e.getEventType().getName().equals("jdk.ObjectAllocationSample")) {
                long weight = e.getLong("weight");
                allocated += weight;
                String thread = e.getThread("eventThread") == null ? "?"
                        : e.getThread("eventThread").getJavaName().replaceAll("[0-9]+", "N");
                allocatedIn.merge(thread, weight, Long::sum);
                RecordedStackTrace stack = e.getStackTrace();
                if (stack != null && !stack.getFrames().isEmpty()) {
                    allocatedBy.merge(name(stack.getFrames().get(0)) + " (" + e.getClass("objectClass").getName() + ")",
                            weight, Long::sum);
                }
                continue;
            }
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            String thread = e.getThread("sampledThread") == null ? "?"
                    : e.getThread("sampledThread").getJavaName().replaceAll("[0-9]+", "N");
            threads.merge(thread, 1, Integer::sum);
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (seen.add(n)) {
                    total.merge(n, 1, Integer::sum);
                }
            }
        }
        StringBuilder out = new StringBuilder("samples: " + samples + "\n\nthreads:\n");
        top(out, threads, samples, 15);
        out.append("\nself (top of stack):\n");
        top(out, self, samples, 40);
        out.append("\ntotal (anywhere in the stack):\n");
        top(out, total, samples, 120);
        out.append(String.format("%nallocated (JFR's weighted allocation samples): %,d MB in all%n", allocated >> 20));
        out.append("by thread:\n");
        topBytes(out, allocatedIn, allocated, 10);
        out.append("by allocating method (class allocated):\n");
        topBytes(out, allocatedBy, allocated, 25);
        Files.writeString(Path.of(file + ".txt"), out);
        Bench.log("profile: " + file + ".txt (" + samples + " samples)");
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static void top(StringBuilder out, Map<String, Integer> counts, int samples, int n) {
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort((a, b) -> b.getValue() - a.getValue());
        for (Map.Entry<String, Integer> e : sorted.subList(0, Math.min(n, sorted.size()))) {
            out.append(String.format("%6.1f%%  %s%n", e.getValue() * 100.0 / Math.max(1, samples), e.getKey()));
        }
    }

    private static void topBytes(StringBuilder out, Map<String, Long> bytes, long all, int n) {
        bytes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.append(String.format("%6.1f%%  %,8d MB  %s%n", e.getValue() * 100.0 / Math.max(1, all),
                        e.getValue() >> 20, e.getKey())));
    }

    /**
     * CPU ticks (user + system, 1/100 s) used so far by each thread of {@code pid}, summed by thread name
     * with digits replaced by {@code N}, from {@code /proc}.
     */
    static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> ticks = new LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            Bench.log("no threads for " + pid + ": " + e);
        }
        return ticks;
    }

    /** Writes the CPU each thread group used between two {@link #threadTicks} snapshots, busiest first. */
    static void writeThreads(Path file, Map<String, Long> before, Map<String, Long> after, double seconds)
            throws IOException {
        StringBuilder text = new StringBuilder("CPU % of one core by thread (digits as N), over "
                + Math.round(seconds) + " s\n");
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> text.append(String.format("%6.1f  %s%n", e.getValue() / seconds, e.getKey())));
        Files.writeString(file, text);
    }
}
