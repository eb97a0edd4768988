-- Atomic append of one event to a board's log (DESIGN.md "one ordered log").
-- KEYS[1] meta hash   KEYS[2] log stream   KEYS[3] op-id zset
-- ARGV[1] event channel  ARGV[2] op key "<actor>:<op_id>"
-- ARGV[3] event head bytes  ARGV[4] event tail bytes  ARGV[5] dedupe window
-- Returns {status, seq}: status 0 = no such board, 1 = appended, 2 = duplicate
-- (seq is the seq the op got the first time).
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
redis.call('SPUBLISH', ARGV[1], event)
return {1, seq}
