-- Put a board in a hub (moving it out of any other), or take it out.
-- KEYS[1] hubs hash, KEYS[2] board→hub hash,
-- KEYS[3] new hub's boards, KEYS[4] new hub's public set,
-- KEYS[5] old hub's boards, KEYS[6] old hub's public set (the new hub's
-- again when the caller did not know an old one).
-- ARGV[1] board, ARGV[2] slug ("" = detach), ARGV[3] public "1"/"0",
-- ARGV[4] now ms, ARGV[5] the old slug the caller read.
-- Returns 1 done, 0 no such hub, -1 the board moved meanwhile (read again).
local old = redis.call('HGET', KEYS[2], ARGV[1])
if (old or '') ~= ARGV[5] then return -1 end
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return 0 end
if old then
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('SREM', KEYS[6], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[1])
  if ARGV[3] == '1' then
    redis.call('SADD', KEYS[4], ARGV[1])
  else
    redis.call('SREM', KEYS[4], ARGV[1])
  end
end
return 1
