-- Compare and set one JSON value in a hash, keeping a sorted index in step.
-- KEYS[1] hash, KEYS[2] zset index (or the hash again when none)
-- ARGV[1] field, ARGV[2] expected old value ("" = must not exist),
-- ARGV[3] new value, ARGV[4] index score ("" = no index)
-- Returns 1 when written, 0 when the stored value was not the expected one.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
return 1
