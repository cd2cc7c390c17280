package dev.herald;

import jakarta.ejb.ApplicationException;

/**
 * A notice, recipient or payload that Herald refuses: the message says which part and why.
 * Nothing of the rejected call was sent.
 */
@ApplicationException(rollback = false)
public class InvalidNoticeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int index;

    public InvalidNoticeException(String message) {
        this(message, -1);
    }

    /** An invalid notice at position {@code index} of a batch. */
    public InvalidNoticeException(String message, int index) {
        super(message);
        this.index = index;
    }

    /** The position of the invalid notice in its batch, or -1 when the call was not a batch. */
    public int index() {
        return index;
    }
}
