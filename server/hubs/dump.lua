-- One hub with its agenda and board index, read in one step (prikbord
-- backup): a consistent cut of the hub, whatever nodes write meanwhile.
-- KEYS[1] hubs hash  KEYS[2] activities hash  KEYS[3] boards zset
-- KEYS[4] public set; ARGV[1] slug.
-- Returns {hub JSON or false, activities as a flat id/JSON list,
-- boards as a flat board/joined-ms list, public board ids}.
return {
  redis.call('HGET', KEYS[1], ARGV[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES'),
  redis.call('SMEMBERS', KEYS[4]),
}
