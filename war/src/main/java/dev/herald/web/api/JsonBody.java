package dev.herald.web.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The body of a JSON request, read as the API's contract says: {@code Content-Type: application/json} (a
 * {@code charset} parameter, if any, UTF-8), at most a given number of bytes (refused from its
 * {@code Content-Length} before any of it is kept, or once one byte more has arrived), and valid UTF-8: a byte
 * that is not is refused rather than turned into U+FFFD.
 *
 * <p>A refused body is read to its end and dropped when it is at most twice the limit, as Tomcat swallows up
 * to 2 MB: a client that sends its whole body before it reads the answer (Java's HttpClient, or any client over
 * HTTP/2, whose flow control stops a body the server does not read) then gets the answer instead of waiting for
 * its time-out. A body announced larger is answered at once.
 */
final class JsonBody {

    private JsonBody() {
    }

    /** A body refused with {@code status}; the message is fit to send back. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final Response.Status status;

        Refused(Response.Status status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * Reads the body.
     *
     * @param contentType the request's {@code Content-Type}, or {@code null}
     * @param contentLength the request's {@code Content-Length}, or {@code null} (chunked)
     * @param maxKey the configuration key of {@code max}, for the message
     * @throws Refused with 415, 413 or 400 and the reason; what was left of a body of at most twice the limit has
     *     been read and dropped then
     */
    static String read(String contentType, String contentLength, InputStream in, int max, String maxKey)
            throws Refused {
        long length = -1;
        if (contentLength != null) {
            try {
                length = Long.parseLong(contentLength.trim());
            } catch (NumberFormatException e) {
                throw new Refused(Response.Status.BAD_REQUEST, "Content-Length is not a number");
            }
        }
        String tooLarge = "body larger than " + maxKey + " (" + max + " bytes)";
        if (length > 2L * max) {
            throw new Refused(Response.Status.REQUEST_ENTITY_TOO_LARGE, tooLarge); // not worth reading to its end
        }
        try {
            checkType(contentType);
            if (length > max) {
                throw new Refused(Response.Status.REQUEST_ENTITY_TOO_LARGE, tooLarge);
            }
            byte[] bytes;
            try {
                bytes = in == null ? new byte[0] : in.readNBytes(max + 1);
            } catch (IOException e) {
                throw new Refused(Response.Status.BAD_REQUEST, "could not read the body");
            }
            if (bytes.length > max) {
                throw new Refused(Response.Status.REQUEST_ENTITY_TOO_LARGE, tooLarge);
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new Refused(Response.Status.BAD_REQUEST, "body is not valid UTF-8");
            }
        } catch (Refused refused) {
            swallow(in, 2L * max);
            throw refused;
        }
    }

    /**
     * Reads and drops up to {@code bytes} more of a body that is refused, so that a client that sends its whole
     * body before it reads gets the answer; a failure ends it quietly.
     */
    static void swallow(InputStream in, long bytes) {
        if (in == null) {
            return;
        }
        try {
            byte[] drop = new byte[8192];
            for (long left = bytes; left > 0; ) {
                int n = in.read(drop, 0, (int) Math.min(drop.length, left));
                if (n < 0) {
                    return;
                }
                left -= n;
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void checkType(String contentType) throws Refused {
        String refusal = "Content-Type must be application/json"
                + (contentType == null ? "" : ", not '" + dev.herald.node.LogLimit.printable(contentType, 60) + "'");
        if (contentType == null) {
            throw new Refused(Response.Status.UNSUPPORTED_MEDIA_TYPE, refusal);
        }
        MediaType type;
        try {
            type = MediaType.valueOf(contentType);
        } catch (IllegalArgumentException e) {
            throw new Refused(Response.Status.UNSUPPORTED_MEDIA_TYPE, refusal);
        }
        if (!"application".equalsIgnoreCase(type.getType()) || !"json".equalsIgnoreCase(type.getSubtype())) {
            throw new Refused(Response.Status.UNSUPPORTED_MEDIA_TYPE, refusal);
        }
        String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
        if (charset != null && !"utf-8".equalsIgnoreCase(charset.trim())) {
            throw new Refused(Response.Status.UNSUPPORTED_MEDIA_TYPE, "the body must be UTF-8, not " 
                    + dev.herald.node.LogLimit.printable(charset, 30));
        }
    }
}
