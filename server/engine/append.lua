-- Atomic append of one event to a board's log (DESIGN.md "one ordered log").
-- KEYS[1] meta hash   KEYS[2] log stream   KEYS[3] op-id zset (op key → seq)
-- KEYS[4] op-time zset (seq → Redis time ms: checkpoints of the time bound)
-- ARGV[1] event channel  ARGV[2] op key "<actor>:<op_id>"
-- ARGV[3] event head bytes  ARGV[4] event tail bytes
-- ARGV[5] dedupe window in events  ARGV[6] dedupe window in ms
-- Optional rate limits (SPEC §4, Rate limit): KEYS[5] the actor's and
-- KEYS[6] the client IP's token bucket on this board, ARGV[7] / ARGV[8] the
-- actor's rate per second / burst, ARGV[9] / ARGV[10] the IP's (0 = off).
-- Returns {status, seq}: status 0 = no such board, 1 = appended, 2 = duplicate
-- (seq is the seq the op got the first time), 3 = rate limited (seq: ms to
-- wait; a third value says whose bucket was empty: 1 actor, 2 IP).
-- The event bytes are head .. uint32-be(seq) .. tail: the server packs all of
-- the msgpack except the seq value, so the log, the publish and every client
-- see the very same bytes.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0}
end
local prior = redis.call('ZSCORE', KEYS[3], ARGV[2])
if prior then
  return {2, tonumber(prior)}
end
local time = redis.call('TIME')
local now = time[1] * 1000 + math.floor(time[2] / 1000)
-- Token buckets per actor and per IP, across sockets and nodes: a string
-- "<tokens>:<ms>" that expires once the bucket would be full again (so an
-- absent key is a full bucket, and memory is bounded by who is active).
-- Checked before the seq is taken; a refusal takes no token.
if #KEYS >= 6 then
  local limits = {{KEYS[5], tonumber(ARGV[7]), tonumber(ARGV[8])},
                  {KEYS[6], tonumber(ARGV[9]), tonumber(ARGV[10])}}
  local tokens = {}
  for i, b in ipairs(limits) do
    local rate, burst = b[2], b[3]
    if rate > 0 then
      local t = burst
      local stored = redis.call('GET', b[1])
      if stored then
        local sep = string.find(stored, ':', 1, true)
        local last = tonumber(string.sub(stored, sep + 1))
        t = tonumber(string.sub(stored, 1, sep - 1))
        if now > last then
          t = math.min(burst, t + (now - last) * rate / 1000)
        end
      end
      if t < 1 then
        return {3, math.ceil((1 - t) * 1000 / rate), i}
      end
      tokens[i] = t
    end
  end
  for i, b in ipairs(limits) do
    if tokens[i] then
      local left = tokens[i] - 1
      local full_in = math.ceil((b[3] - left) * 1000 / b[2]) + 1
      redis.call('SET', b[1], string.format('%.4f:%d', left, now), 'PX', full_in)
    end
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local be = string.char(
  math.floor(seq / 16777216) % 256, math.floor(seq / 65536) % 256,
  math.floor(seq / 256) % 256, seq % 256)
local event = ARGV[3] .. be .. ARGV[4]
redis.call('XADD', KEYS[2], seq .. '-0', 'e', event)
redis.call('ZADD', KEYS[3], seq, ARGV[2])
local window = tonumber(ARGV[5])
if seq > window then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', seq - window)
end
-- The time bound (SPEC §6): an op id is kept at least `ms`, and dropped about
-- `ms + 2 * step` after its append. Every `step` an append records a
-- checkpoint (now, seq); at that moment the ids up to the newest checkpoint
-- older than `ms` go, and both keys get a TTL, so an idle board's window
-- vanishes `ms`..`ms + step` after its last append.
local ms = tonumber(ARGV[6])
local step = math.max(1, math.floor(ms / 64))
local newest = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')
if #newest > 0 and now < tonumber(newest[2]) then
  -- Redis's clock went back (failover to another host): start the
  -- checkpoints afresh; the ids stay until the new ones age.
  redis.call('DEL', KEYS[4])
  newest = {}
end
if #newest == 0 or now - tonumber(newest[2]) >= step then
  redis.call('ZADD', KEYS[4], now, seq)
  local old = redis.call('ZREVRANGEBYSCORE', KEYS[4], now - ms, '-inf', 'LIMIT', 0, 1)
  if #old > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', old[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - ms)
  end
  redis.call('PEXPIRE', KEYS[3], ms + step)
  redis.call('PEXPIRE', KEYS[4], ms + step)
end
redis.call('SPUBLISH', ARGV[1], event)
return {1, seq}
