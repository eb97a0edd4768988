-- The per-board WebSocket cap (server/conncaps.py), shared by every node.
-- KEYS[1] zset: slot id -> expiry (Redis time, ms)
-- ARGV[1] mode: "enter" | "leave" | "refresh"   ARGV[2] ttl ms   ARGV[3] cap
-- ARGV[4..] slot ids (enter: exactly one)
-- enter returns 1 (admitted) or 0 (the board is at its cap); the others 1.
-- Expired slots (a crashed node's) are swept on every enter, so the count
-- is of sockets some living node still holds (refreshed every ttl / 3).
local time = redis.call('TIME')
local now = time[1] * 1000 + math.floor(time[2] / 1000)
local ttl = tonumber(ARGV[2])
local mode = ARGV[1]
if mode == 'leave' then
  for i = 4, #ARGV do
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
  return 1
end
if mode == 'enter' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    return 0
  end
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
else -- refresh: only slots still there (XX), never resurrect a left one
  for i = 4, #ARGV do
    redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i])
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
