package dev.herald;

import jakarta.ejb.ApplicationException;

/**
 * Herald could not reach its engine (Redis) within {@code herald.redis.timeout}: the notice was not sent.
 *
 * <p>Thrown fast, never after an unbounded wait; the caller decides whether to retry.
 */
@ApplicationException(rollback = false)
public class HeraldUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HeraldUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
