package dev.herald;

import java.util.List;

/**
 * Who is subscribed to a channel, across the cluster, at the time it was read.
 *
 * @param channel the channel
 * @param users the channel's users in order of their ids, at most {@code herald.presence.max-users} of them,
 *     those after {@code after} when a page was asked for
 * @param userCount how many users are subscribed, with at least one session each; never capped
 * @param sessions how many sessions are subscribed; never capped
 * @param next the user id to pass as {@code after} for the next page of users, or {@code null} on the last page
 */
public record ChannelPresence(String channel, List<String> users, long userCount, long sessions, String next) {

    public ChannelPresence {
        users = List.copyOf(users);
    }
}
