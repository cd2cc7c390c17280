package dev.herald.node;

import dev.herald.ChannelPresence;
import dev.herald.Presence;
import dev.herald.Recipient;
import dev.herald.UserPresence;
import dev.herald.engine.ChannelMembers;
import dev.herald.engine.SessionRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link Presence} read from the engine's registry and channel memberships. Thread safe. */
final class NodePresence implements Presence {

    private final SessionRegistry registry;
    private final ChannelMembers members;
    private final int maxUsers;

    NodePresence(SessionRegistry registry, ChannelMembers members, int maxUsers) {
        this.registry = registry;
        this.members = members;
        this.maxUsers = maxUsers;
    }

    @Override
    public UserPresence user(String user) {
        Recipient.checkId("user", user);
        List<UserPresence.Session> sessions = new ArrayList<>();
        registry.sessionsOf(user).entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sessions.add(new UserPresence.Session(e.getKey(), e.getValue())));
        return new UserPresence(user, sessions);
    }

    @Override
    public ChannelPresence channel(String channel, String after) {
        Recipient.checkChannel(channel);
        if (after != null) {
            Recipient.checkId("after", after);
        }
        return members.read(channel, after, maxUsers);
    }

    @Override
    public Totals totals() {
        Set<String> users = new HashSet<>();
        long sessions = 0;
        for (String node : registry.liveNodes()) {
            Map<String, String> on = registry.sessionsOn(node);
            sessions += on.size();
            users.addAll(on.values());
        }
        return new Totals(users.size(), sessions);
    }
}
