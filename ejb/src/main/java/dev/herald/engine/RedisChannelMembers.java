package dev.herald.engine;

import dev.herald.ChannelPresence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ZRangeParams;

/**
 * Channel memberships in Redis, shared by every node (keys in {@link RedisKeys}).
 *
 * <p>A join or a leave is one script on the channel's four keys, which share its hash tag (so one slot on Redis
 * Cluster; no script touches two channels), pipelined with the entry under the node in one round trip. Reading
 * a channel is one pipelined round trip whatever its size: two counts and one page of the sorted user ids.
 * Purging a dead node is one round trip to read its memberships and one for all their leaves.
 */
public final class RedisChannelMembers implements ChannelMembers {

    /** KEYS: members, users, names, left. ARGV: session, user, now, grace. Returns {joined code, users}. */
    private static final String JOIN = """
            if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 0 then
              return {0, redis.call('HLEN', KEYS[2])}
            end
            if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) > 1 then
              return {1, redis.call('HLEN', KEYS[2])}
            end
            redis.call('ZADD', KEYS[3], 0, ARGV[2])
            local code = 2
            local was = redis.call('HGET', KEYS[4], ARGV[2])
            if was then
              redis.call('HDEL', KEYS[4], ARGV[2])
              local at = tonumber(string.match(was, '^%-?%d+'))
              if at and tonumber(ARGV[3]) - at <= tonumber(ARGV[4]) then code = 3 end
            end
            return {code, redis.call('HLEN', KEYS[2])}
            """;

    /** KEYS: as JOIN. ARGV: session, stamp, grace. Returns {0 not a member | 1 more left | 2 last, users}. */
    private static final String LEAVE = """
            local user = redis.call('HGET', KEYS[1], ARGV[1])
            if not user then return {0, -1} end
            redis.call('HDEL', KEYS[1], ARGV[1])
            if redis.call('HINCRBY', KEYS[2], user, -1) > 0 then
              return {1, redis.call('HLEN', KEYS[2])}
            end
            redis.call('HDEL', KEYS[2], user)
            redis.call('ZREM', KEYS[3], user)
            local grace = tonumber(ARGV[3])
            if grace > 0 then
              redis.call('HSET', KEYS[4], user, ARGV[2])
              redis.call('PEXPIRE', KEYS[4], 2 * grace + 1000)
            end
            return {2, redis.call('HLEN', KEYS[2])}
            """;

    /** KEYS: users, left. ARGV: user, stamp. Returns 1 when the leave stands. */
    private static final String CONFIRM = """
            if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
            if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
            redis.call('HDEL', KEYS[2], ARGV[1])
            return 1
            """;

    private final RedisSupport redis;
    private final RedisKeys keys;

    RedisChannelMembers(RedisSupport redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    @Override
    public Join join(Member m, long nowMillis, int graceMillis) {
        return redis.call("record a channel membership", jedis -> {
            Response<Object> result;
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                p.sadd(keys.memberNodes(), m.node());
                p.hset(keys.nodeChannels(m.node()), field(m), m.user());
                result = p.eval(JOIN, List.of(keys.channelMemberKeys(m.channel())),
                        List.of(m.session(), m.user(), Long.toString(nowMillis), Integer.toString(graceMillis)));
                p.sync();
            }
            List<?> r = (List<?>) result.get();
            return new Join(Joined.values()[((Long) r.get(0)).intValue()], (Long) r.get(1));
        });
    }

    @Override
    public Leave leave(Member m, long nowMillis, int graceMillis) {
        return leaveAll(List.of(m), nowMillis, List.of(graceMillis)).get(0);
    }

    @Override
    public List<Leave> leaveAll(List<Member> members, long nowMillis, List<Integer> graceMillis) {
        if (members.isEmpty()) {
            return List.of();
        }
        return redis.call("remove channel memberships", jedis -> {
            List<Response<Object>> results = new ArrayList<>(members.size());
            List<String> stamps = new ArrayList<>(members.size());
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                for (int i = 0; i < members.size(); i++) {
                    Member m = members.get(i);
                    stamps.add(nowMillis + "/" + m.session());
                    p.hdel(keys.nodeChannels(m.node()), field(m));
                    results.add(leave(p, m, stamps.get(i), graceMillis.get(i)));
                }
                p.sync();
            }
            List<Leave> leaves = new ArrayList<>(members.size());
            for (int i = 0; i < members.size(); i++) {
                leaves.add(leaveOf(results.get(i), stamps.get(i), graceMillis.get(i)));
            }
            return leaves;
        });
    }

    private Response<Object> leave(AbstractPipeline p, Member m, String stamp, int graceMillis) {
        return p.eval(LEAVE, List.of(keys.channelMemberKeys(m.channel())),
                List.of(m.session(), stamp, Integer.toString(graceMillis)));
    }

    private static Leave leaveOf(Response<Object> result, String stamp, int graceMillis) {
        List<?> r = (List<?>) result.get();
        long code = (Long) r.get(0);
        if (code == 0) {
            return Leave.NONE;
        }
        return new Leave(code == 2, code == 2 && graceMillis > 0 ? stamp : null, (Long) r.get(1));
    }

    @Override
    public boolean confirmLeave(String channel, String user, String stamp) {
        String[] k = keys.channelMemberKeys(channel);
        return redis.call("confirm a leave", jedis ->
                Long.valueOf(1).equals(jedis.eval(CONFIRM, List.of(k[1], k[3]), List.of(user, stamp))));
    }

    @Override
    public ChannelPresence read(String channel, String after, int max) {
        String[] k = keys.channelMemberKeys(channel);
        return redis.call("read a channel's presence", jedis -> {
            Response<Long> sessions;
            Response<Long> users;
            Response<List<String>> page;
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                sessions = p.hlen(k[0]);
                users = p.hlen(k[1]);
                page = p.zrange(k[2], ZRangeParams.zrangeByLexParams(after == null ? "-" : "(" + after, "+")
                        .limit(0, max + 1));
                p.sync();
            }
            List<String> listed = page.get();
            String next = null;
            if (listed.size() > max) {
                listed = listed.subList(0, max);
                next = listed.get(max - 1);
            }
            return new ChannelPresence(channel, listed, users.get(), sessions.get(), next);
        });
    }

    @Override
    public List<Member> membersOn(String node) {
        return redis.call("read a node's memberships", jedis -> members(node, jedis.hgetAll(keys.nodeChannels(node))));
    }

    private static List<Member> members(String node, Map<String, String> entries) {
        List<Member> members = new ArrayList<>(entries.size());
        entries.forEach((field, user) -> {
            int space = field.indexOf(' ');
            if (space > 0) {
                members.add(new Member(node, field.substring(space + 1), user, field.substring(0, space)));
            }
        });
        return members;
    }

    @Override
    public void joinAll(Collection<Member> members) {
        if (members.isEmpty()) {
            return;
        }
        redis.call("record channel memberships", jedis -> {
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                p.sadd(keys.memberNodes(), members.stream().map(Member::node).distinct().toArray(String[]::new));
                for (Member m : members) {
                    p.hset(keys.nodeChannels(m.node()), field(m), m.user());
                    p.eval(JOIN, List.of(keys.channelMemberKeys(m.channel())),
                            List.of(m.session(), m.user(), "0", "0"));
                }
                p.sync();
            }
            return null;
        });
    }

    @Override
    public Set<String> nodes() {
        return redis.call("list the nodes with memberships", jedis -> Set.copyOf(jedis.smembers(keys.memberNodes())));
    }

    @Override
    public List<Left> purgeNode(String node) {
        return redis.call("purge the memberships of a dead node", jedis -> {
            Set<Left> left = new LinkedHashSet<>();
            purge(jedis, node, left);
            return List.copyOf(left);
        });
    }

    private void purge(UnifiedJedis jedis, String node, Set<Left> left) {
        List<Member> members = members(node, jedis.hgetAll(keys.nodeChannels(node)));
        List<Response<Object>> results = new ArrayList<>(members.size());
        try (AbstractPipeline p = redis.pipelined(jedis)) {
            for (Member m : members) {
                results.add(leave(p, m, "0/" + m.session(), 0));
            }
            p.del(keys.nodeChannels(node));
            p.srem(keys.memberNodes(), node);
            p.sync();
        }
        for (int i = 0; i < members.size(); i++) {
            if (leaveOf(results.get(i), null, 0).last()) {
                left.add(new Left(members.get(i).channel(), members.get(i).user()));
            }
        }
    }

    private static String field(Member m) {
        return m.session() + " " + m.channel();
    }
}
