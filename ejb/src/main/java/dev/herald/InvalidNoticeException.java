package dev.herald;

import jakarta.ejb.ApplicationException;

/**
 * A notice, recipient or payload that Herald refuses: the message says which part and why.
 * Nothing of the rejected call was sent.
 */
@ApplicationException(rollback = false)
public class InvalidNoticeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidNoticeException(String message) {
        super(message);
    }
}
