package dev.herald.engine;

import dev.herald.Recipient;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The streams in this JVM's memory, trimmed exactly to the retention's count and age on every append and read.
 * The {@link MemoryBroker} appends and hands on a stream's notices under that stream's lock ({@link #append}),
 * which gives nodes the offset order. {@link #clear} forgets everything, as a Redis that restarts empty does.
 */
public final class MemoryHistory implements History {

    private final Retention retention;
    private final Map<Recipient, Stream> streams = new ConcurrentHashMap<>();

    public MemoryHistory() {
        this(Retention.DEFAULT);
    }

    public MemoryHistory(Retention retention) {
        this.retention = retention;
    }

    public Retention retention() {
        return retention;
    }

    /** One stream: its epoch, its last offset, and the notices it keeps, oldest first. */
    private static final class Stream {
        final String epoch = newEpoch();
        long top;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        long read;
    }

    private record Entry(long offset, long atMillis, String frame) {
    }

    /** A fresh epoch name: 13 characters or fewer, letters and digits. */
    static String newEpoch() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    private Stream stream(Recipient to) {
        return streams.computeIfAbsent(to, t -> new Stream());
    }

    /**
     * Appends the kept notices {@code rests} (frames after their {@link NoticeCodec#NOTICE_START}) to {@code to}'s
     * stream and, still under the stream's lock, hands their numbered frames, in order, to {@code deliver}.
     */
    void append(Recipient to, List<String> rests, Consumer<List<String>> deliver) {
        Stream s = stream(to);
        synchronized (s) {
            long now = System.currentTimeMillis();
            List<String> frames = new ArrayList<>(rests.size());
            for (String rest : rests) {
                String frame = NoticeCodec.keptFrame(++s.top, s.epoch, rest);
                s.entries.addLast(new Entry(s.top, now, frame));
                frames.add(frame);
            }
            trim(s, to, now);
            deliver.accept(frames);
        }
    }

    private void trim(Stream s, Recipient to, long now) {
        long oldest = now - retention.ageMillis(to);
        while (!s.entries.isEmpty()
                && (s.entries.size() > retention.size(to) || s.entries.peekFirst().atMillis() < oldest)) {
            s.entries.removeFirst();
        }
    }

    @Override
    public Read read(Recipient stream, Position since, int max) {
        Stream s = stream(stream);
        synchronized (s) {
            trim(s, stream, System.currentTimeMillis());
            Position top = new Position(s.epoch, s.top);
            if (since == null || !s.epoch.equals(since.epoch()) || since.offset() > s.top
                    || s.top - since.offset() > max) {
                return new Read(top, false, List.of());
            }
            long first = since.offset() + 1;
            if (first <= s.top && (s.entries.isEmpty() || s.entries.peekFirst().offset() > first)) {
                return new Read(top, false, List.of());
            }
            List<String> frames = new ArrayList<>((int) (s.top - since.offset()));
            for (Iterator<Entry> it = s.entries.descendingIterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.offset() < first) {
                    break;
                }
                frames.add(e.frame());
            }
            java.util.Collections.reverse(frames);
            return new Read(top, true, frames);
        }
    }

    @Override
    public Map<Recipient, Position> positions(java.util.Collection<Recipient> wanted) {
        Map<Recipient, Position> out = new java.util.HashMap<>();
        for (Recipient to : wanted) {
            Stream s = streams.get(to);
            if (s == null) {
                out.put(to, new Position(null, 0));
            } else {
                synchronized (s) {
                    out.put(to, new Position(s.epoch, s.top));
                }
            }
        }
        return out;
    }

    @Override
    public Inbox inbox(String user, int max) {
        Recipient to = Recipient.user(user);
        Stream s = stream(to);
        synchronized (s) {
            trim(s, to, System.currentTimeMillis());
            long unread = Math.min(s.top - s.read, s.entries.size());
            List<String> frames = new ArrayList<>();
            int skip = (int) (s.entries.size() - Math.min(unread, max));
            for (Entry e : s.entries) {
                if (skip-- <= 0) {
                    frames.add(e.frame());
                }
            }
            return new Inbox(new Position(s.epoch, s.top), s.read, unread, frames);
        }
    }

    @Override
    public long markRead(String user, String epoch, long offset) {
        Stream s = stream(Recipient.user(user));
        synchronized (s) {
            if (epoch != null && !epoch.equals(s.epoch)) {
                throw new dev.herald.InvalidNoticeException("offset " + offset + " is of another epoch than the stream's");
            }
            if (offset > s.top || offset < 0) {
                throw new dev.herald.InvalidNoticeException("offset " + offset + " is past the stream's end (" + s.top + ")");
            }
            s.read = Math.max(s.read, offset);
            return s.read;
        }
    }

    /** Forgets every stream: the next read or append of each starts a new epoch. */
    public void clear() {
        streams.clear();
    }
}
