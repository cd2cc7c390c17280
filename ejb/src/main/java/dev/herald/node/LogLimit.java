package dev.herald.node;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One log line per interval for one kind of bad input from outside (a foreign engine message, a client's frame,
 * a REST body): the first is logged at once, the others in the same interval ({@value #INTERVAL_SECONDS} s) are
 * counted, and the next line says how many there were. Never with a stack trace: a flood of bad input must not
 * flood the log, and what the sender did wrong is in the message. Thread safe.
 */
public final class LogLimit {

    static final long INTERVAL_SECONDS = 10;

    private final Logger log;
    private final Level level;
    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    public LogLimit(Logger log, Level level) {
        this(log, level, TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS));
    }

    LogLimit(Logger log, Level level, long intervalNanos) {
        this.log = log;
        this.level = level;
        this.intervalNanos = intervalNanos;
    }

    /** Logs {@code message} unless a line was logged less than an interval ago; then only counts it. */
    public void log(Supplier<String> message) {
        if (!log.isLoggable(level)) {
            return;
        }
        long now = System.nanoTime();
        long due = next.get();
        if (now - due < 0 || !next.compareAndSet(due, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long more = suppressed.getAndSet(0);
        log.log(level, more == 0 ? message.get()
                : message.get() + " (" + more + " more like it since the last such line)");
    }

    /**
     * {@code text} fit for a log line or an error message: cut to {@code max} characters (then "..."), each
     * control character (a newline would let a sender forge log lines) and line separator replaced by '?'.
     */
    public static String printable(String text, int max) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), max);
        StringBuilder out = new StringBuilder(n + 3);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return text.length() > max ? out.append("...").toString() : out.toString();
    }
}
