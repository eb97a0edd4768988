-- Register a stored file on a board, within the board's byte quota.
-- KEYS[1] {b:<id>}:files  hash: file id -> JSON entry
-- KEYS[2] {b:<id>}:fbytes string: bytes of the board's registered files
-- ARGV: id, entry (JSON), size, quota
-- Returns 1 (registered), 0 (was registered: entry's "at" refreshed, no
-- bytes counted twice), -1 (over the quota: nothing changed).
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local e = cjson.decode(old)
  local new = cjson.decode(ARGV[2])
  e['at'] = new['at']
  e['gone'] = 0
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
  return 0
end
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used + tonumber(ARGV[3]) > tonumber(ARGV[4]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('INCRBY', KEYS[2], ARGV[3])
return 1
