package dev.herald.node;

import java.util.logging.Logger;

/** Logs the start of an outage once and its end once, whatever the number of attempts between. Thread safe. */
final class Outage {

    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final String what;
    private long since;

    Outage(String what) {
        this.what = what;
    }

    synchronized void failed(Throwable e) {
        if (since == 0) {
            since = System.currentTimeMillis();
            LOG.warning("Herald " + what + " failed: " + e + "; retrying until it is back");
        }
    }

    synchronized void recovered() {
        if (since != 0) {
            long down = System.currentTimeMillis() - since;
            since = 0;
            LOG.info("Herald " + what + " restored after " + down + " ms");
        }
    }
}
