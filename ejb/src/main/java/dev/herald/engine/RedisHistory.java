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
 * <p>{@link #APPEND} numbers, stores and publishes notices, of one stream or of many, in one script (called by
 * {@link RedisBroker}); it
 * trims by count on every append and by age on every 32nd offset (reading Redis's clock and trimming cost a
 * fifth of the script), both with {@code ~}, so a stream keeps at least its retention, and up to a macro node
 * (100 entries) or 31 appends more. The stream key expires once its age passes without an append; the meta hash outlives it
 * ({@link History.Retention#metaMillis}), so that a quiet stream keeps its epoch. A meta hash that is gone (Redis
 * restarted empty, eviction, expiry) is made again with a fresh epoch, and its stream emptied with it.
 */
final class RedisHistory implements History {

    /**
     * How every script that may meet a stream starts: {@code epochOf(meta, stream, fresh)} answers the stream's
     * epoch, made ({@code fresh}), with an empty stream, when the meta hash is gone.
     */
    private static final String EPOCH = """
            local function epochOf(meta, stream, fresh)
              local epoch = redis.call('HGET', meta, 'e')
              if not epoch then
                epoch = fresh
                redis.call('DEL', meta, stream)
                redis.call('HSET', meta, 'e', epoch, 'o', 0)
              end
              return epoch
            end
            """;

    /**
     * {@link #EPOCH} where the master may change (Sentinel, Cluster): the meta hash also holds {@code r}, the
     * replication id of the master that wrote it last. A stream met under the replica that took over from that
     * master ({@code r} is the current master's {@code master_replid2}: a failover, which may have lost the last
     * writes) gets a fresh epoch with an empty stream, so that no resume across it claims to be complete. A stream
     * met under an unrelated master came whole (a slot migrated, a master restarted with its data): it keeps its
     * epoch and takes the new id. The master's replication ids are read once per script.
     */
    private static final String EPOCH_FOLLOWING_FAILOVER = """
            local replication
            local function epochOf(meta, stream, fresh)
              replication = replication or redis.call('INFO', 'replication')
              local replid = string.match(replication, 'master_replid:(%w+)')
              local epoch = redis.call('HGET', meta, 'e')
              local wrote = redis.call('HGET', meta, 'r')
              if not epoch or not wrote or wrote == string.match(replication, 'master_replid2:(%w+)') then
                epoch = fresh
                redis.call('DEL', meta, stream)
                redis.call('HSET', meta, 'e', epoch, 'o', 0, 'r', replid)
              elseif wrote ~= replid then
                redis.call('HSET', meta, 'r', replid)
              end
              return epoch
            end
            """;

    /**
     * Appends to one or more streams (on a cluster, of one hash slot). KEYS: per stream its meta and stream, and
     * for a user's stream their sessions hash. ARGV[1]: a fresh epoch for any stream that needs one; then per
     * stream: {@code u} (a user's: publish to their nodes) or {@code c} (a channel's), count, age ms, meta ttl ms,
     * the node channel prefix ({@code u}) or the channel topic ({@code c}), how many notices, and their pairs of
     * header line and frame rest. A channel's notices are published as one message on its topic, the users'
     * notices as one message per receiving node, stream after stream. Returns, per stream, how many nodes its
     * notices went to.
     */
    static final String APPEND = """
            local byTopic, topics, counts = {}, {}, {}
            local k, a = 1, 2
            while a <= #ARGV do
              local meta, stream, count, age = KEYS[k], KEYS[k + 1], ARGV[a + 1], ARGV[a + 2]
              local n = tonumber(ARGV[a + 5])
              local epoch = epochOf(meta, stream, ARGV[1])
              local out = {}
              local trim = false
              for i = a + 6, a + 5 + 2 * n, 2 do
                local off = redis.call('HINCRBY', meta, 'o', 1)
                local frame = '{"type":"notice","offset":' .. off .. ',"epoch":"' .. epoch .. '",' .. ARGV[i + 1]
                redis.call('XADD', stream, 'MAXLEN', '~', count, '*', 'f', frame)
                out[#out + 1] = ARGV[i] .. '\\n' .. frame
                trim = trim or off % 32 == 0
              end
              if trim then
                local t = redis.call('TIME')
                local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(age)
                if cutoff > 0 then
                  redis.call('XTRIM', stream, 'MINID', '~', cutoff)
                end
              end
              redis.call('PEXPIRE', stream, age)
              redis.call('PEXPIRE', meta, ARGV[a + 3])
              if ARGV[a] == 'c' then
                redis.call('PUBLISH', ARGV[a + 4], table.concat(out, '\\n'))
                counts[#counts + 1] = 1
                k = k + 2
              else
                local seen, c = {}, 0
                for _, node in ipairs(redis.call('HVALS', KEYS[k + 2])) do
                  if not seen[node] then
                    seen[node] = true
                    c = c + 1
                    local topic = ARGV[a + 4] .. node
                    local lines = byTopic[topic]
                    if not lines then
                      lines = {}
                      byTopic[topic] = lines
                      topics[#topics + 1] = topic
                    end
                    for _, line in ipairs(out) do
                      lines[#lines + 1] = line
                    end
                  end
                end
                counts[#counts + 1] = c
                k = k + 3
              end
              a = a + 6 + 2 * n
            end
            for _, topic in ipairs(topics) do
              redis.call('PUBLISH', topic, table.concat(byTopic[topic], '\\n'))
            end
            return counts
            """;

    /**
     * KEYS: meta, stream. ARGV: a fresh epoch should the stream need one, the reader's epoch ({@code ""}: none),
     * its offset, the most frames, meta ttl ms. Returns {epoch, top, 1 recovered | 0, frames...}.
     */
    private static final String READ = """
            local epoch = epochOf(KEYS[1], KEYS[2], ARGV[1])
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
            local epoch = epochOf(KEYS[1], KEYS[2], ARGV[1])
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

    /**
     * One run of the append script, over one or more streams that it may take together (see
     * {@link RedisKeys#streamGroup}): its keys and arguments, added to stream by stream.
     */
    final class Append {
        private final List<String> keys = new ArrayList<>();
        private final List<String> args = new ArrayList<>(List.of(MemoryHistory.newEpoch()));

        /**
         * Adds {@code to}'s kept notices, each given as its header line and its frame after
         * {@link NoticeCodec#NOTICE_START}; the script's reply holds how many nodes they went to, in the order of
         * the calls.
         */
        void add(Recipient to, List<String> headers, List<String> rests) {
            String[] k = RedisHistory.this.keys.streamKeys(to);
            keys.add(k[0]);
            keys.add(k[1]);
            boolean user = to.kind() == Recipient.Kind.USER;
            if (user) {
                keys.add(RedisHistory.this.keys.userSessions(to.id()));
            }
            args.add(user ? "u" : "c");
            args.add(Integer.toString(retention.size(to)));
            args.add(Long.toString(retention.ageMillis(to)));
            args.add(Long.toString(retention.metaMillis(to)));
            args.add(user ? RedisHistory.this.keys.nodeChannelPrefix(to.id())
                    : RedisHistory.this.keys.channelTopic(to.id()));
            args.add(Integer.toString(rests.size()));
            for (int i = 0; i < rests.size(); i++) {
                args.add(headers.get(i));
                args.add(rests.get(i));
            }
        }
    }

    /** A new, empty run of the append script. */
    Append append() {
        return new Append();
    }

    /** Queues {@code append} on {@code p} by the script's SHA. */
    Response<Object> queue(AbstractPipeline p, Append append) {
        return appendScript.queue(p, append.keys, append.args);
    }

    /**
     * Runs {@code append} on its own: whole where the server does not know the script, and on a cluster where
     * its slot is now served, following {@code MOVED} and {@code ASK}.
     */
    Object run(redis.clients.jedis.UnifiedJedis client, Append append) {
        return appendScript.run(client, append.keys, append.args);
    }
}
