package dev.herald.engine;

import dev.herald.ChannelPresence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Channel memberships in this JVM's memory: the single-node engine's, and the contract's reference. One lock
 * guards everything: each call is a few map operations.
 */
public final class MemoryChannelMembers implements ChannelMembers {

    /** One channel: session to member, user to their session count (sorted, for pages), users who just left. */
    private static final class Channel {
        final Map<String, Member> sessions = new HashMap<>();
        final TreeMap<String, Integer> users = new TreeMap<>();
        final Map<String, String> left = new HashMap<>();
    }

    private final Map<String, Channel> channels = new HashMap<>();
    /** node -> its memberships, by "session channel" */
    private final Map<String, Map<String, Member>> byNode = new HashMap<>();
    private long stamps;

    @Override
    public synchronized Join join(Member member, long nowMillis, int graceMillis) {
        Channel c = channels.computeIfAbsent(member.channel(), name -> new Channel());
        if (c.sessions.putIfAbsent(member.session(), member) != null) {
            return new Join(Joined.ALREADY, c.users.size());
        }
        byNode.computeIfAbsent(member.node(), n -> new HashMap<>()).put(key(member), member);
        int count = c.users.merge(member.user(), 1, Integer::sum);
        if (count > 1) {
            return new Join(Joined.MORE, c.users.size());
        }
        String was = c.left.remove(member.user());
        boolean back = was != null && nowMillis - stampTime(was) <= graceMillis;
        return new Join(back ? Joined.REJOINED : Joined.FIRST, c.users.size());
    }

    @Override
    public synchronized Leave leave(Member member, long nowMillis, int graceMillis) {
        Channel c = channels.get(member.channel());
        Member recorded = c == null ? null : c.sessions.remove(member.session());
        if (recorded == null) {
            return Leave.NONE;
        }
        Map<String, Member> ofNode = byNode.get(recorded.node());
        if (ofNode != null) {
            ofNode.remove(key(recorded));
        }
        String user = recorded.user();
        if (c.users.merge(user, -1, Integer::sum) > 0) {
            return new Leave(false, null, c.users.size());
        }
        c.users.remove(user);
        String stamp = null;
        if (graceMillis > 0) {
            stamp = nowMillis + "/" + (++stamps);
            c.left.put(user, stamp);
        }
        long users = c.users.size();
        if (c.sessions.isEmpty() && c.left.isEmpty()) {
            channels.remove(member.channel());
        }
        return new Leave(true, stamp, users);
    }

    @Override
    public synchronized List<Leave> leaveAll(List<Member> members, long nowMillis, List<Integer> graceMillis) {
        List<Leave> leaves = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            leaves.add(leave(members.get(i), nowMillis, graceMillis.get(i)));
        }
        return leaves;
    }

    @Override
    public synchronized boolean confirmLeave(String channel, String user, String stamp) {
        Channel c = channels.get(channel);
        if (c == null || c.users.containsKey(user) || !stamp.equals(c.left.get(user))) {
            return false;
        }
        c.left.remove(user);
        if (c.sessions.isEmpty() && c.left.isEmpty()) {
            channels.remove(channel);
        }
        return true;
    }

    @Override
    public synchronized ChannelPresence read(String channel, String after, int max) {
        Channel c = channels.get(channel);
        if (c == null) {
            return new ChannelPresence(channel, List.of(), 0, 0, null);
        }
        List<String> users = new ArrayList<>();
        String next = null;
        for (String user : after == null ? c.users.keySet() : c.users.tailMap(after, false).keySet()) {
            if (users.size() == max) {
                next = users.get(max - 1);
                break;
            }
            users.add(user);
        }
        return new ChannelPresence(channel, users, c.users.size(), c.sessions.size(), next);
    }

    @Override
    public synchronized List<Member> membersOn(String node) {
        return List.copyOf(byNode.getOrDefault(node, Map.of()).values());
    }

    @Override
    public synchronized void joinAll(Collection<Member> members) {
        for (Member member : members) {
            join(member, 0, 0);
        }
    }

    @Override
    public synchronized Set<String> nodes() {
        return Set.copyOf(byNode.keySet());
    }

    @Override
    public synchronized List<Left> purgeNode(String node) {
        Set<Left> left = new java.util.LinkedHashSet<>();
        Map<String, Member> members = byNode.remove(node);
        for (Member member : members == null ? List.<Member>of() : List.copyOf(members.values())) {
            if (leave(member, 0, 0).last()) {
                left.add(new Left(member.channel(), member.user()));
            }
        }
        return List.copyOf(left);
    }

    private static String key(Member member) {
        return member.session() + " " + member.channel();
    }

    /** The clock time at the start of a stamp ("millis/sequence"). */
    static long stampTime(String stamp) {
        int slash = stamp.indexOf('/');
        try {
            return Long.parseLong(slash < 0 ? stamp : stamp.substring(0, slash));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE / 2;
        }
    }
}
