-- Remove a hub with its agenda and board index, atomically.
-- KEYS[1] hubs hash, KEYS[2] board→hub hash, KEYS[3] activities,
-- KEYS[4] when, KEYS[5] boards, KEYS[6] public; ARGV[1] slug.
-- Returns 1 when the hub existed. The boards themselves stay (they are
-- their owners'); they only stop belonging to the hub.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
local boards = redis.call('ZRANGE', KEYS[5], 0, -1)
for _, board in ipairs(boards) do
  if redis.call('HGET', KEYS[2], board) == ARGV[1] then
    redis.call('HDEL', KEYS[2], board)
  end
end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return 1
