package dev.herald.node;

import dev.herald.ClientPublished;
import dev.herald.SessionClosed;
import dev.herald.SessionOpened;

/**
 * Hears of a node's sessions opening and closing and of its clients' publishes ({@code HeraldNode} fires them as
 * CDI events). Called on the thread that opens, closes or publishes: an implementation hands the work off and
 * returns at once, and never throws.
 */
public interface NodeEvents {

    /** Hears nothing. */
    NodeEvents NONE = new NodeEvents() {
    };

    default void opened(SessionOpened event) {
    }

    default void closed(SessionClosed event) {
    }

    default void published(ClientPublished event) {
    }
}
