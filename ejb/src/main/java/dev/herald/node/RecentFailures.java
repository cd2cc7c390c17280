package dev.herald.node;

import java.util.ArrayDeque;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The last {@value #KEPT} warnings and errors that Herald logged (its {@code dev.herald} loggers), for the admin
 * page: a log handler that this node adds while it runs and removes when it stops. Thread safe.
 */
public final class RecentFailures extends Handler {

    static final int KEPT = 20;
    private static final Logger HERALD = Logger.getLogger("dev.herald");

    private final ArrayDeque<Failure> failures = new ArrayDeque<>(KEPT);

    /** One logged failure: when (milliseconds since the epoch), which logger, and its message. */
    public record Failure(long at, String logger, String message) {
    }

    RecentFailures() {
        setLevel(Level.WARNING);
    }

    void install() {
        HERALD.addHandler(this);
    }

    void uninstall() {
        HERALD.removeHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        if (r.getLevel().intValue() < Level.WARNING.intValue()) {
            return;
        }
        String message = r.getMessage() == null ? "" : r.getMessage();
        if (r.getThrown() != null) {
            message = message + ": " + r.getThrown();
        }
        Failure f = new Failure(r.getMillis(), r.getLoggerName(), LogLimit.printable(message, 300));
        synchronized (failures) {
            if (failures.size() == KEPT) {
                failures.removeFirst();
            }
            failures.addLast(f);
        }
    }

    /** The kept failures, newest first. */
    public List<Failure> newestFirst() {
        synchronized (failures) {
            List<Failure> out = new java.util.ArrayList<>(failures);
            java.util.Collections.reverse(out);
            return out;
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
