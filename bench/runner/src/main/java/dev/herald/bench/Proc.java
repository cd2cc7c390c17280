package dev.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Readings of another process on this machine: CPU time and RSS from /proc, heap through jcmd. */
final class Proc {

    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final Pattern G1_USED = Pattern.compile("garbage-first heap\\s+total (\\d+)K, used (\\d+)K");
    private static final Pattern ANY_USED = Pattern.compile("used (\\d+)K");

    private Proc() {
    }

    /** CPU time (user + system) used so far, in milliseconds; -1 when unreadable. */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Time the JVM has spent in garbage collection pauses so far (jstat's GCT), in milliseconds; -1 when
     * unreadable.
     */
    static long gcMillis(long pid) {
        String[] lines = run(List.of(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                String.valueOf(pid))).trim().split("\n");
        if (lines.length < 2) {
            return -1;
        }
        List<String> names = List.of(lines[0].trim().split("\\s+"));
        String[] values = lines[1].trim().split("\\s+");
        int i = names.indexOf("GCT");
        try {
            return i < 0 || i >= values.length ? -1 : Math.round(Double.parseDouble(values[i]) * 1000);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Bytes per class of the live heap ({@code jcmd GC.class_histogram}, which runs a full GC first). */
    static Map<String, Long> histogram(long pid) {
        Map<String, Long> bytes = new HashMap<>();
        for (String line : run(List.of(jcmd(), String.valueOf(pid), "GC.class_histogram")).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                try {
                    bytes.merge(f[3], Long.parseLong(f[2]), Long::sum);
                } catch (NumberFormatException e) {
                    // a header or total line
                }
            }
        }
        return bytes;
    }

    /** Resident set size in KB; -1 when unreadable. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** Heap in use after a full GC, in KB, through {@code jcmd}; -1 when unreadable. */
    static long heapAfterGcKb(long pid) {
        run(List.of(jcmd(), String.valueOf(pid), "GC.run"));
        String info = run(List.of(jcmd(), String.valueOf(pid), "GC.heap_info"));
        Matcher g1 = G1_USED.matcher(info);
        if (g1.find()) {
            return Long.parseLong(g1.group(2));
        }
        Matcher any = ANY_USED.matcher(info);
        return any.find() ? Long.parseLong(any.group(1)) : -1;
    }

    static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }

    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(60, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
