-- Give a board a new epoch, but only if it still has the epoch the caller
-- saw: when several nodes find the same divergence at once, the board
-- changes epoch once. Nodes holding the board hear EPOCH_CHANGED on its
-- presence channel, re-check the head and reload.
-- KEYS[1] meta hash
-- ARGV[1] expected epoch ("" = any)  ARGV[2] new epoch
-- ARGV[3] presence channel  ARGV[4] the EPOCH_CHANGED message
-- Returns the board's epoch afterwards (false: no such board).
local current = redis.call('HGET', KEYS[1], 'epoch')
if not current then
  return false
end
if ARGV[1] ~= '' and current ~= ARGV[1] then
  return current
end
redis.call('HSET', KEYS[1], 'epoch', ARGV[2])
redis.call('SPUBLISH', ARGV[3], ARGV[4])
return ARGV[2]
