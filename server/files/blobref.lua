-- A board takes a reference on a blob (before its bytes are written).
-- KEYS[1] {f:<sha>}:refs zset: board -> ms of the reference
-- KEYS[2] {f:<sha>}:del  string: set while a collector deletes the blob
-- ARGV: board, now ms
-- Returns 1, or 0 while the blob is being deleted (retry shortly).
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
