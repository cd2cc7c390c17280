package dev.herald.engine;

import dev.herald.Recipient;
import java.util.List;

/**
 * The streams of kept notices: one per user and one per channel, each a run of notice frames numbered by
 * {@code offset} from 1 within an {@code epoch}, a name that changes whenever the stream's history was lost (the
 * engine restarted empty, its keys were evicted or expired), so that a position of an earlier epoch is never
 * read as one of this epoch.
 *
 * <p>Notices enter a stream only through the {@link Broker}, which appends and publishes each in one atomic step
 * ({@link Broker.Outgoing#kept()}), so that the offsets nodes see and what a stream holds always agree, and
 * each stream's notices reach every node in offset order. A stream keeps at least its {@link Retention}'s last
 * notices by count and by age. Thread safe; with Redis, every call is one round trip and throws
 * {@link dev.herald.HeraldUnavailableException} when Redis cannot be reached in time.
 */
public interface History {

    /**
     * Reads {@code stream}'s position now and, when {@code since} is given, the frames after it: all of them, in
     * order, or none when they cannot all be had (another epoch, fewer retained, more than {@code max}, or an
     * offset past the end). A stream that had no notice yet gets its epoch here, at offset 0.
     *
     * @param stream a user or a channel
     * @param since the position the reader holds, or {@code null} for none
     * @param max the most frames to return; a longer gap reads as not recovered
     */
    Read read(Recipient stream, Position since, int max);

    /**
     * The positions of {@code streams} now, in one round trip, without making any epoch: a stream that has none
     * (no notice and no read yet, or its history was lost) reads as epoch {@code null} at offset 0.
     */
    java.util.Map<Recipient, Position> positions(java.util.Collection<Recipient> streams);

    /**
     * Reads {@code user}'s inbox: the stream's position, the user's read cursor (one per user, shared by all
     * their devices and nodes, 0 when none; a new epoch starts it again), how many retained notices follow it,
     * and the newest {@code max} of those frames, in order (all of them when there are no more than {@code max}).
     */
    Inbox inbox(String user, int max);

    /**
     * Moves {@code user}'s read cursor to {@code offset} if that is higher; returns the cursor now.
     *
     * @param epoch the epoch {@code offset} is of, or {@code null} to take the stream's
     * @throws dev.herald.InvalidNoticeException when {@code offset} is past the stream's end, or {@code epoch}
     *     is not the stream's
     */
    long markRead(String user, String epoch, long offset);

    /** What {@link #inbox} found. */
    record Inbox(Position top, long read, long unread, List<String> frames) {
    }

    /** A stream's position: its epoch and the offset of its last notice (0 when it has none yet). */
    record Position(String epoch, long offset) {
    }

    /**
     * What {@link #read} found: the stream's position, whether the frames after the given position are all in
     * {@code frames} (always {@code false} without a position), and those frames, in order.
     */
    record Read(Position top, boolean recovered, List<String> frames) {
    }

    /**
     * How long streams are kept: each notices by count and by age, per kind of stream; a count of 0 keeps no
     * notice of that kind (no offsets).
     */
    record Retention(int userSize, long userAgeMillis, int channelSize, long channelAgeMillis) {

        /** At least 1,000 notices and 24 hours, for users and channels alike. */
        public static final Retention DEFAULT = new Retention(1000, 86_400_000L, 1000, 86_400_000L);

        /** Whether notices to {@code to} are kept: to a user or a channel whose kind keeps any. */
        public boolean keeps(Recipient to) {
            return switch (to.kind()) {
                case USER -> userSize > 0;
                case CHANNEL -> channelSize > 0;
                case SESSION, ALL -> false;
            };
        }

        int size(Recipient stream) {
            return stream.kind() == Recipient.Kind.USER ? userSize : channelSize;
        }

        long ageMillis(Recipient stream) {
            return stream.kind() == Recipient.Kind.USER ? userAgeMillis : channelAgeMillis;
        }

        /** How long a stream's epoch and offset outlive its last notice: a week, or twice its age if longer. */
        long metaMillis(Recipient stream) {
            return Math.max(7 * 86_400_000L, 2 * ageMillis(stream));
        }
    }
}
