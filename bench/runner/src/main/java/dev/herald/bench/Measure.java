package dev.herald.bench;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one step of a scenario sent and what arrived: unique deliveries per notice, duplicates, and the
 * latency of every delivery (from the publisher's send time carried in the notice, in microseconds).
 */
final class Measure {

    /** The origin of {@link #now}, so that the times carried in notices are never negative. */
    private static final long ORIGIN = System.nanoTime();

    final int step;
    final int capacity;
    final AtomicIntegerArray unique;
    final LongAdder duplicates = new LongAdder();
    final LongAdder foreign = new LongAdder();
    private final Recorder latency = new Recorder(3);
    private Histogram total;

    /** @param capacity the most notices this step may send */
    Measure(int step, int capacity) {
        this.step = step;
        this.capacity = capacity;
        this.unique = new AtomicIntegerArray(capacity);
    }

    /** Nanoseconds since this process started measuring: the send time carried in each notice. */
    static long now() {
        return System.nanoTime() - ORIGIN;
    }

    /** Records one delivery of notice {@code index}; {@code first} is false for a repeat on the same connection. */
    void delivered(int index, long sentNanos, boolean first) {
        if (index < 0 || index >= capacity) {
            foreign.increment();
            return;
        }
        if (first) {
            unique.incrementAndGet(index);
        } else {
            duplicates.increment();
        }
        latency.recordValue(Math.max(0, (now() - sentNanos) / 1000));
    }

    /** Unique deliveries of the first {@code sent} notices. */
    long uniqueDeliveries(int sent) {
        long sum = 0;
        for (int i = 0; i < Math.min(sent, capacity); i++) {
            sum += unique.get(i);
        }
        return sum;
    }

    /** The latency histogram of every delivery so far (microseconds). */
    synchronized Histogram histogram() {
        Histogram interval = latency.getIntervalHistogram();
        if (total == null) {
            total = interval.copy();
        } else {
            total.add(interval);
        }
        return total;
    }
}
