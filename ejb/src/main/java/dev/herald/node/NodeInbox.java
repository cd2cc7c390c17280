package dev.herald.node;

import dev.herald.Inbox;
import dev.herald.InvalidNoticeException;
import dev.herald.Recipient;
import dev.herald.engine.History;

/** The {@link Inbox} on this node's engine. Thread safe. */
final class NodeInbox implements Inbox {

    private final History history;
    private final boolean kept;

    NodeInbox(History history, History.Retention retention) {
        this.history = history;
        this.kept = retention.userSize() > 0;
    }

    @Override
    public State state(String user) {
        check(user);
        History.Inbox inbox = history.inbox(user, 0);
        return new State(user, inbox.top().epoch(), inbox.top().offset(), inbox.read(), inbox.unread());
    }

    @Override
    public State markRead(String user, long offset) {
        check(user);
        history.markRead(user, null, offset);
        return state(user);
    }

    private void check(String user) {
        Recipient.checkId("user", user);
        if (!kept) {
            throw new InvalidNoticeException("no inbox: notices to users are not kept (herald.history.user.size is 0)");
        }
    }
}
