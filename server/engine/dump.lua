-- One board's durable keys, read in one step (prikbord backup): a
-- consistent cut of the board, whatever nodes append meanwhile.
-- KEYS[1] meta hash  KEYS[2] snapshot hash  KEYS[3] log stream
-- KEYS[4] op ids zset  KEYS[5] op id times zset
-- Returns {meta, snapshot, log, ops, op times}: hashes as flat field/value
-- lists, the log as XRANGE gives it, the zsets as flat member/score lists.
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('XRANGE', KEYS[3], '-', '+'),
  redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES'),
  redis.call('ZRANGE', KEYS[5], 0, -1, 'WITHSCORES'),
}
