-- Store a snapshot if it is newer than the stored one, then trim the log
-- behind it, keeping ARGV[3] events for resumes.
-- KEYS[1] snapshot hash  KEYS[2] log stream
-- ARGV[1] seq  ARGV[2] state bytes  ARGV[3] events to keep behind the snapshot
local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local seq = tonumber(ARGV[1])
if seq <= current then
  return 0
end
redis.call('HSET', KEYS[1], 'seq', seq, 'state', ARGV[2])
local min_seq = seq - tonumber(ARGV[3])
if min_seq > 1 then
  redis.call('XTRIM', KEYS[2], 'MINID', min_seq .. '-0')
end
return 1
