-- Keep the board's current title in its meta hash (for lists: "my boards"),
-- newest seq wins, so nodes applying the same events in any interleaving
-- leave the title of the highest seq.
-- KEYS[1] meta hash   ARGV[1] seq of the event that set the title   ARGV[2] title
-- Returns 1 stored, 0 not newer or no such board (a deleted board stays gone).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local current = tonumber(redis.call('HGET', KEYS[1], 'title_seq') or '0')
if tonumber(ARGV[1]) <= current then
  return 0
end
redis.call('HSET', KEYS[1], 'title', ARGV[2], 'title_seq', ARGV[1])
return 1
