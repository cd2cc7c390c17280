package dev.herald;

/**
 * Each user's inbox: the notices of their stream after their read cursor, one cursor per user shared by all their
 * devices and nodes (see the README's History and resume). A client connecting with {@code "inbox":true} is
 * replayed them; this is the server's view, for badges and "mark all read".
 *
 * <p>Thread safe. With Redis, each call is one round trip and throws {@link HeraldUnavailableException} when
 * Redis cannot be reached in time. Where notices to users are not kept ({@code herald.history.user.size} 0) every
 * call throws {@link InvalidNoticeException}.
 */
public interface Inbox {

    /** Where {@code user}'s inbox stands now. */
    State state(String user);

    /**
     * Marks {@code user}'s notices read up to {@code offset} (the cursor moves only forward) and returns the
     * inbox's state then.
     *
     * @throws InvalidNoticeException when {@code offset} is past the end of the user's stream
     */
    State markRead(String user, long offset);

    /**
     * An inbox's state: its stream's position ({@code epoch}, {@code offset} of the last notice), the read cursor
     * ({@code read}: 0 when none, or since the stream's epoch changed) and how many of the retained notices follow
     * it ({@code unread}).
     */
    record State(String user, String epoch, long offset, long read, long unread) {
    }
}
