package dev.herald.node;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes the delivery of big engine messages (a broadcast, a channel with many local members) off the subscriber
 * thread, so that one big room neither keeps the subscriber from reading Redis (which cuts a subscriber off at
 * its output-buffer limit) nor makes the subscription look stalled.
 *
 * <p>The subscriber thread delivers a message itself when it makes at most {@code inlineMax} deliveries and no
 * handed-over delivery is pending: the common case, which then costs nothing more than before. Otherwise the
 * delivery goes to one fan-out thread, which runs deliveries one at a time in the order they came; every
 * message after a big one goes there too while anything is pending, so each session still gets its frames in
 * the order the engine delivered them. At most {@value #CAPACITY} deliveries wait; past that the subscriber
 * thread waits for room, as it would have delivered them itself. Thread safe.
 */
final class FanOut implements AutoCloseable {

    static final int CAPACITY = 10_000;

    private static final Logger LOG = Logger.getLogger(FanOut.class.getName());
    private static final Runnable STOP = () -> { };

    private final int inlineMax;
    private final ThreadFactory threads;
    private final BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(CAPACITY);
    /** Deliveries handed over and not yet finished. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong handedOver = new AtomicLong();
    private Thread worker;
    private volatile boolean stopped;

    /**
     * @param inlineMax the most deliveries the caller makes itself
     * @param threads makes the fan-out thread (on Payara a Grizzly worker thread, as the subscriber's), at the
     *     first delivery handed over
     */
    FanOut(int inlineMax, ThreadFactory threads) {
        this.inlineMax = inlineMax;
        this.threads = threads;
    }

    /**
     * Whether the caller is to make {@code deliveries} frames itself, now: at most {@code inlineMax} of them and
     * nothing handed over pending (or the node stopping, when its sessions are being closed anyway). Otherwise
     * it hands them over with {@link #handOver}. Called by one thread, the subscriber.
     */
    boolean inline(long deliveries) {
        return deliveries <= inlineMax && pending.get() == 0 || stopped;
    }

    /** Queues {@code delivery} for the fan-out thread, waiting for room while {@value #CAPACITY} wait. */
    void handOver(Runnable delivery) {
        startIfNeeded();
        pending.incrementAndGet();
        handedOver.incrementAndGet();
        try {
            queue.put(delivery);
        } catch (InterruptedException e) {
            pending.decrementAndGet();
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void startIfNeeded() {
        if (worker == null) {
            worker = threads.newThread(this::work);
            worker.setName("herald-fanout");
            worker.start();
        }
    }

    private void work() {
        while (true) {
            Runnable delivery;
            try {
                delivery = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (delivery == STOP) {
                return;
            }
            try {
                delivery.run();
            } catch (RuntimeException e) { // a delivery never throws (see NoticeRouter); keep going if one does
                LOG.log(Level.WARNING, "A fan-out delivery failed", e);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** Deliveries handed to the fan-out thread so far. */
    long handedOver() {
        return handedOver.get();
    }

    /** Deliveries handed over and not finished yet. */
    int pending() {
        return pending.get();
    }

    /** Runs what is pending, then ends the fan-out thread (waiting at most two seconds). */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            stopped = true;
            running = worker;
        }
        if (running == null) {
            return;
        }
        try {
            if (queue.offer(STOP, 2, TimeUnit.SECONDS)) {
                running.join(2000);
            } else {
                running.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
