package dev.herald.web;

import dev.herald.node.HeraldConfig;
import dev.herald.node.HeraldNode;
import jakarta.inject.Inject;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.util.logging.Logger;

/**
 * On Tyrus (Payara, GlassFish), checks at deployment that Tyrus's frame buffer can take a client frame of
 * {@code herald.ws.max-frame} characters, and fails the deployment, naming the keys, when it cannot.
 *
 * <p>Tyrus puts each whole frame together before Herald sees any of it, in a buffer of at most the servlet
 * context parameter {@value #PARAM} bytes (herald.war's web.xml sets it from {@code herald.ws.frame-buffer}; Tyrus's
 * own default is 4 MB). That buffer bounds the heap a connection holds: a frame larger than it is refused by
 * Tyrus itself, with 1011 and the reason "Buffer overflow.", as soon as the buffer is full; a frame between
 * {@code herald.ws.max-frame} and the buffer arrives whole and Herald refuses it with 1009. A character takes up to
 * 3 bytes in UTF-8, and a frame header up to 14, so the buffer must hold {@code 3 * max-frame + 14} bytes; the
 * default, 262158, also leaves 64 KB for the start of the next frame when a client sends frames back to back.
 */
@WebListener
public class TyrusFrameBuffer implements ServletContextListener {

    static final String PARAM = "org.glassfish.tyrus.servlet.incoming-buffer-size";
    /** Tyrus's buffer when {@value #PARAM} is not set: 4 MB of payload and a header. */
    static final long TYRUS_DEFAULT = 4_194_315;
    private static final Logger LOG = Logger.getLogger(TyrusFrameBuffer.class.getName());

    @Inject
    HeraldNode heraldNode;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        Object container = event.getServletContext().getAttribute("jakarta.websocket.server.ServerContainer");
        if (container == null || !container.getClass().getName().startsWith("org.glassfish.tyrus.")) {
            return;
        }
        HeraldConfig config = heraldNode.node().config();
        String raw = event.getServletContext().getInitParameter(PARAM);
        // Not filled in (a server other than Payara): TyrusUpgradeBuffer hands Tyrus herald.ws.frame-buffer instead.
        String value = raw == null || TyrusUpgradeBuffer.isNumber(raw) ? raw : String.valueOf(config.frameBufferBytes());
        if (value != raw) {
            LOG.info(() -> PARAM + " is '" + raw + "', which this server did not fill in: Herald hands Tyrus "
                    + "herald.ws.frame-buffer (" + value + ") at each upgrade");
        }
        long buffer = check(value, config.maxFrameBytes());
        if (value != null && buffer != config.frameBufferBytes()) {
            LOG.warning(() -> PARAM + " is " + buffer + " bytes, not herald.ws.frame-buffer (" + config.frameBufferBytes()
                    + "): Payara filled it in from another configuration source, or this WAR's web.xml sets it itself");
        }
        LOG.info(() -> "Tyrus puts each client frame together in at most " + buffer + " bytes (" + PARAM
                + (value == null ? " is not set: Tyrus's default" : ", herald.war sets it from herald.ws.frame-buffer")
                + "); a frame over herald.ws.max-frame (" + config.maxFrameBytes() + " characters) or over the buffer"
                + " closes the connection with 1009");
    }

    /**
     * The buffer that {@code value} (a number, or {@code null}) of {@value #PARAM} gives Tyrus, checked against a
     * frame of {@code maxFrame} characters.
     *
     * @throws IllegalStateException naming the keys when the buffer cannot take such a frame
     */
    static long check(String value, int maxFrame) {
        long buffer;
        if (value == null || value.isBlank()) {
            buffer = TYRUS_DEFAULT;
        } else {
            buffer = Long.parseLong(value.trim());
        }
        long needed = needed(maxFrame);
        if (buffer < needed) {
            throw new IllegalStateException(PARAM + " (herald.war sets it from herald.ws.frame-buffer) is " + buffer
                    + " bytes, too small for a frame of herald.ws.max-frame (" + maxFrame
                    + ") characters: set it to at least 3 * herald.ws.max-frame + 14 = " + needed
                    + " (and 64 KB more for clients that send frames back to back)");
        }
        return buffer;
    }

    /** The bytes a frame of {@code maxFrame} characters may take: 3 per character in UTF-8, and a header. */
    static long needed(int maxFrame) {
        return 3L * maxFrame + 14;
    }
}
