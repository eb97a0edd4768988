-- A board drops its reference on a blob. When none is left, the caller
-- gets the delete lock and must delete the blob, then release the lock.
-- KEYS[1] {f:<sha>}:refs, KEYS[2] {f:<sha>}:del
-- ARGV: board ("" to only check), lock token, lock ms
-- Returns 1: delete the blob now (the lock is held); 0: still referenced.
if ARGV[1] ~= '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
if redis.call('ZCARD', KEYS[1]) > 0 then
  return 0
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  return 1
end
return 0
