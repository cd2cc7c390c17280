package dev.herald.node;

import dev.herald.ChannelAuthorizer;
import java.util.List;

/**
 * The authorizer when the application provides none: any authenticated user may do anything with a channel whose
 * name starts with one of the prefixes of {@code herald.channels.open}, and nothing with any other. Immutable.
 */
final class OpenChannels implements ChannelAuthorizer {

    private final List<String> prefixes;

    OpenChannels(List<String> prefixes) {
        this.prefixes = List.copyOf(prefixes);
    }

    @Override
    public boolean allows(String user, String channel, Action action) {
        return startsWithAny(prefixes, channel);
    }

    /** Whether {@code channel} starts with one of {@code prefixes} (a list of configured channel-name starts). */
    static boolean startsWithAny(List<String> prefixes, String channel) {
        for (String prefix : prefixes) {
            if (channel.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
