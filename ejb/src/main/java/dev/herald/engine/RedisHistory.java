package dev.herald.engine;

import dev.herald.Recipient;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

/**
 * The streams on Redis: per user or channel, a Redis Stream of frames ({@code herald:{u:alice}:stream}, field
 * {@code f}) and a meta hash under the same hash tag ({@code herald:{u:alice}:meta}: {@code e} the epoch,
 * {@code o} the last offset). A stream entry's id is Redis's own time-based one, so that age trims by
 * {@code MINID}; offsets need no index, since a stream's entries are numbered without holes: the last
 * {@code top - since} entries are those after {@code since}.
 *
 * <p>{@link #APPEND} numbers, stores and publishes notices in one script (called by {@link RedisBroker}); it
 * trims by count on every append and by age on every 32nd offset (reading Redis's clock and trimming cost a
 * fifth of the script), both with {@code ~}, so a stream keeps at least its retention, and up to a macro node
 * (100 entries) or 31 appends more. The stream key expires once its age passes without an append; the meta hash outlives it
 * ({@link History.Retention#metaMillis}), so that a quiet stream keeps its epoch. A meta hash that is gone (Redis
 * restarted empty, eviction, expiry) is made again with a fresh epoch, and its stream emptied with it.
 */
final class RedisHistory implements History {

    /**
     * How every script that may meet a stream first starts (KEYS[1] its meta, KEYS[2] its stream, ARGV[1] a fresh
     * epoch): the stream's epoch, made, with an empty stream, when the meta hash is gone.
     */
    private static final String EPOCH = """
            local epoch = redis.call('HGET', KEYS[1], 'e')
            if not epoch then
              epoch = ARGV[1]
              redis.call('DEL', KEYS[1], KEYS[2])
              redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
            end
            """;

    /**
     * {@link #EPOCH} where the master may change (Sentinel, Cluster): the meta hash also holds {@code r}, the
     * replication id of the master that wrote it last. A stream met under the replica that took over from that
     * master ({@code r} is the current master's {@code master_replid2}: a failover, which may have lost the last
     * writes) gets a fresh epoch with an empty stream, so that no resume across it claims to be complete. A stream
     * met under an unrelated master came whole (a slot migrated, a master restarted with its data): it keeps its
     * epoch and takes the new id.
     */
    private static final String EPOCH_FOLLOWING_FAILOVER = """
            local info = redis.call('INFO', 'replication')
            local replid = string.match(info, 'master_replid:(%w+)')
            local epoch = redis.call('HGET', KEYS[1], 'e')
            local wrote = redis.call('HGET', KEYS[1], 'r')
            if not epoch or not wrote or wrote == string.match(info, 'master_replid2:(%w+)') then
              epoch = ARGV[1]
              redis.call('DEL', KEYS[1], KEYS[2])
              redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0, 'r', replid)
            elseif wrote ~= replid then
              redis.call('HSET', KEYS[1], 'r', replid)
            end
            """;

    /**
     * KEYS: meta, stream, and for a user their sessions hash. ARGV: a fresh epoch should the stream need one,
     * count, age ms, meta ttl ms, {@code u} (publish to the user's nodes, ARGV[6] their channel prefix) or
     * {@code c} (publish on ARGV[6]), then pairs of header line and frame rest. Publishes the numbered notices
     * as one message; returns how many nodes it went to.
     */
    static final String APPEND = """
            local out = {}
            local trim = false
            for i = 7, #ARGV, 2 do
              local off = redis.call('HINCRBY', KEYS[1], 'o', 1)
              local frame = '{"type":"notice","offset":' .. off .. ',"epoch":"' .. epoch .. '",' .. ARGV[i + 1]
              redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'f', frame)
              out[#out + 1] = ARGV[i] .. '\\n' .. frame
              trim = trim or off % 32 == 0
            end
            if trim then
              local t = redis.call('TIME')
              local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])
              if cutoff > 0 then
                redis.call('XTRIM', KEYS[2], 'MINID', '~', cutoff)
              end
            end
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            local message = table.concat(out, '\\n')
            if ARGV[5] == 'c' then
              redis.call('PUBLISH', ARGV[6], message)
              return 1
            end
            local seen = {}
            local n = 0
            for _, node in ipairs(redis.call('HVALS', KEYS[3])) do
              if not seen[node] then
                seen[node] = true
                redis.call('PUBLISH', ARGV[6] .. node, message)
                n = n + 1
              end
            end
            return n
            """;

    /**
     * KEYS: meta, stream. ARGV: a fresh epoch should the stream need one, the reader's epoch ({@code ""}: none),
     * its offset, the most frames, meta ttl ms. Returns {epoch, top, 1 recovered | 0, frames...}.
     */
    private static final String READ = """
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            local top = tonumber(redis.call('HGET', KEYS[1], 'o'))
            if ARGV[2] ~= epoch then return {epoch, top, 0} end
            local need = top - tonumber(ARGV[3])
            if need < 0 or need > tonumber(ARGV[4]) then return {epoch, top, 0} end
            if need == 0 then return {epoch, top, 1} end
            local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', need)
            if #entries < need then return {epoch, top, 0} end
            local out = {epoch, top, 1}
            for i = #entries, 1, -1 do
              out[#out + 1] = entries[i][2][2]
            end
            return out
            """;

    /**
     * KEYS: meta, stream. ARGV: a fresh epoch should the stream need one, the most frames, meta ttl ms. Returns
     * {epoch, top, read cursor, unread, frames...}: the newest of the unread, which are the stream's last
     * {@code min(top - cursor, XLEN)} entries.
     */
    private static final String INBOX = """
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            local top = tonumber(redis.call('HGET', KEYS[1], 'o'))
            local read = tonumber(redis.call('HGET', KEYS[1], 'a') or '0')
            local unread = math.min(top - read, redis.call('XLEN', KEYS[2]))
            local out = {epoch, top, read, unread}
            local n = math.min(unread, tonumber(ARGV[2]))
            if n > 0 then
              local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', n)
              for i = #entries, 1, -1 do
                out[#out + 1] = entries[i][2][2]
              end
            end
            return out
            """;

    /**
     * KEYS: meta. ARGV: offset, epoch ({@code ""}: the stream's). Returns {cursor} or {-1, top} past the end,
     * {-2} another epoch.
     */
    private static final String MARK_READ = """
            local epoch = redis.call('HGET', KEYS[1], 'e')
            local top = tonumber(redis.call('HGET', KEYS[1], 'o') or '0')
            if ARGV[2] ~= '' and ARGV[2] ~= epoch then return {-2} end
            local offset = tonumber(ARGV[1])
            if offset > top then return {-1, top} end
            local read = tonumber(redis.call('HGET', KEYS[1], 'a') or '0')
            if offset > read then
              redis.call('HSET', KEYS[1], 'a', offset)
              read = offset
            end
            return {read}
            """;

    private final RedisSupport redis;
    private final RedisKeys keys;
    private final Retention retention;
    private final RedisScript appendScript;
    private final String readScript;
    private final String inboxScript;

    /** @param followsFailover whether epochs follow the master's replication id ({@link #EPOCH_FOLLOWING_FAILOVER}) */
    RedisHistory(RedisSupport redis, RedisKeys keys, Retention retention, boolean followsFailover) {
        this.redis = redis;
        this.keys = keys;
        this.retention = retention;
        String prologue = followsFailover ? EPOCH_FOLLOWING_FAILOVER : EPOCH;
        this.appendScript = new RedisScript(keys.sharded() ? RedisBroker.sharded(prologue + APPEND) : prologue + APPEND);
        this.readScript = prologue + READ;
        this.inboxScript = prologue + INBOX;
    }

    Retention retention() {
        return retention;
    }

    @Override
    public Read read(Recipient stream, Position since, int max) {
        String[] k = keys.streamKeys(stream);
        List<?> r = redis.call("read a stream", jedis -> (List<?>) jedis.eval(readScript, List.of(k),
                List.of(MemoryHistory.newEpoch(), since == null ? "" : since.epoch(),
                        Long.toString(since == null ? 0 : since.offset()), Integer.toString(max),
                        Long.toString(retention.metaMillis(stream)))));
        Position top = new Position((String) r.get(0), (Long) r.get(1));
        List<String> frames = new ArrayList<>(r.size() - 3);
        for (int i = 3; i < r.size(); i++) {
            frames.add((String) r.get(i));
        }
        return new Read(top, ((Long) r.get(2)) == 1, frames);
    }

    @Override
    public java.util.Map<Recipient, Position> positions(java.util.Collection<Recipient> streams) {
        if (streams.isEmpty()) {
            return java.util.Map.of();
        }
        return redis.call("read stream positions", jedis -> {
            java.util.Map<Recipient, Response<List<String>>> replies = new java.util.LinkedHashMap<>();
            try (AbstractPipeline p = redis.pipelined(jedis)) {
                for (Recipient to : streams) {
                    replies.put(to, p.hmget(keys.streamKeys(to)[0], "e", "o"));
                }
                p.sync();
            }
            java.util.Map<Recipient, Position> out = new java.util.HashMap<>();
            replies.forEach((to, reply) -> {
                List<String> eo = reply.get();
                out.put(to, eo.get(0) == null ? new Position(null, 0) : new Position(eo.get(0), Long.parseLong(eo.get(1))));
            });
            return out;
        });
    }

    @Override
    public Inbox inbox(String user, int max) {
        Recipient to = Recipient.user(user);
        List<?> r = redis.call("read an inbox", jedis -> (List<?>) jedis.eval(inboxScript, List.of(keys.streamKeys(to)),
                List.of(MemoryHistory.newEpoch(), Integer.toString(max), Long.toString(retention.metaMillis(to)))));
        List<String> frames = new ArrayList<>(r.size() - 4);
        for (int i = 4; i < r.size(); i++) {
            frames.add((String) r.get(i));
        }
        return new Inbox(new Position((String) r.get(0), (Long) r.get(1)), (Long) r.get(2), (Long) r.get(3), frames);
    }

    @Override
    public long markRead(String user, String epoch, long offset) {
        if (offset < 0) {
            throw new dev.herald.InvalidNoticeException("offset " + offset + " is not an offset");
        }
        String meta = keys.streamKeys(Recipient.user(user))[0];
        List<?> r = redis.call("mark an inbox read", jedis -> (List<?>) jedis.eval(MARK_READ, List.of(meta),
                List.of(Long.toString(offset), epoch == null ? "" : epoch)));
        long code = (Long) r.get(0);
        if (code == -2) {
            throw new dev.herald.InvalidNoticeException("offset " + offset + " is of another epoch than the stream's");
        }
        if (code == -1) {
            throw new dev.herald.InvalidNoticeException("offset " + offset + " is past the stream's end (" + r.get(1) + ")");
        }
        return code;
    }

    /** One run of the append script: its keys and arguments. */
    record Append(List<String> keys, List<String> args) {
    }

    /**
     * The append and publish of {@code to}'s kept notices, each given as its header line and its frame after
     * {@link NoticeCodec#NOTICE_START}: its reply is how many nodes they went to.
     */
    Append append(Recipient to, List<String> headers, List<String> rests) {
        String[] k = keys.streamKeys(to);
        List<String> keyList = to.kind() == Recipient.Kind.USER ? List.of(k[0], k[1], keys.userSessions(to.id()))
                : List.of(k[0], k[1]);
        List<String> args = new ArrayList<>(6 + 2 * rests.size());
        args.add(MemoryHistory.newEpoch());
        args.add(Integer.toString(retention.size(to)));
        args.add(Long.toString(retention.ageMillis(to)));
        args.add(Long.toString(retention.metaMillis(to)));
        if (to.kind() == Recipient.Kind.USER) {
            args.add("u");
            args.add(keys.nodeChannelPrefix(to.id()));
        } else {
            args.add("c");
            args.add(keys.channelTopic(to.id()));
        }
        for (int i = 0; i < rests.size(); i++) {
            args.add(headers.get(i));
            args.add(rests.get(i));
        }
        return new Append(keyList, args);
    }

    /** Queues {@code append} on {@code p} by the script's SHA. */
    Response<Object> queue(AbstractPipeline p, Append append) {
        return appendScript.queue(p, append.keys(), append.args());
    }

    /**
     * Runs {@code append} on its own: whole where the server does not know the script, and on a cluster where
     * its slot is now served, following {@code MOVED} and {@code ASK}.
     */
    Object run(redis.clients.jedis.UnifiedJedis client, Append append) {
        return appendScript.run(client, append.keys(), append.args());
    }
}
