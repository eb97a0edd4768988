-- Presence of one board (SPEC §7): one entry per connection, on any node;
-- readers list them one member per actor.
-- KEYS[1] entry hash (connection id → msgpack entry)
-- KEYS[2] expiry zset (connection id → expiry ms)
-- ARGV[1] mode: "put" | "refresh" | "remove"
-- ARGV[2] now ms   ARGV[3] ttl ms   ARGV[4] "changed" channel
-- put:     ARGV[5] cap (entries per board), ARGV[6] connection id, ARGV[7] entry
-- refresh: ARGV[5..] connection ids the calling node still serves
-- remove:  ARGV[5] connection id
-- list:    nothing more; returns the live entries (below)
-- Every mode first sweeps expired entries (connections of a node that died),
-- so any live node holding the board removes them without a new join. put and
-- refresh give both keys the TTL of their newest entry: a board no live node
-- holds loses its presence keys entirely. When the entry set changed it
-- publishes the change itself on the channel, so nodes keep their copy of
-- the board's presence from these messages alone (SPEC §7, deltas): a
-- msgpack array [mode, connection id, entry, expired connection ids] — the
-- entry is the one stored by a put ("" otherwise), the id the one put or
-- removed ("" when none was). put/refresh/remove return 1 if the set
-- changed, else 0; list returns [id, entry, id, entry, ...] of the entries
-- that have not expired.
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local changed = 0
-- At most 500 per call (unpack's stack); the next call takes the rest.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 500)
if #expired > 0 then
  redis.call('ZREM', KEYS[2], unpack(expired))
  redis.call('HDEL', KEYS[1], unpack(expired))
  changed = 1
end
local mode = ARGV[1]
local live = false
local conn, entry = '', ''
if mode == 'put' then
  -- The cap bounds memory per board; a connection over it still works, it is
  -- only missing from the list.
  if redis.call('HEXISTS', KEYS[1], ARGV[6]) == 1
      or redis.call('HLEN', KEYS[1]) < tonumber(ARGV[5]) then
    conn, entry = ARGV[6], ARGV[7]
    redis.call('HSET', KEYS[1], conn, entry)
    redis.call('ZADD', KEYS[2], now + ttl, conn)
    changed = 1
    live = true
  end
elseif mode == 'refresh' then
  -- XX: an entry swept meanwhile (its node was paused past the TTL) stays
  -- gone until that connection's next presence change.
  local args = {'XX'}
  for i = 5, #ARGV do
    args[#args + 1] = now + ttl
    args[#args + 1] = ARGV[i]
  end
  if #args > 1 then
    redis.call('ZADD', KEYS[2], unpack(args))
    live = true
  end
elseif mode == 'remove' then
  if redis.call('ZREM', KEYS[2], ARGV[5]) + redis.call('HDEL', KEYS[1], ARGV[5]) > 0 then
    conn = ARGV[5]
    changed = 1
  end
end
if live then
  -- Every entry expires by now + ttl at the latest, so the keys may too.
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
if changed == 1 then
  redis.call('SPUBLISH', ARGV[4], cmsgpack.pack({mode, conn, entry, expired}))
end
if mode == 'list' then
  local out = {}
  local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
  for _, id in ipairs(ids) do
    local value = redis.call('HGET', KEYS[1], id)
    if value then
      out[#out + 1] = id
      out[#out + 1] = value
    end
  end
  return out
end
return changed
