-- Store a snapshot if it is newer than the stored one and consistent with
-- the log, then trim the log behind it, keeping ARGV[3] events for resumes.
-- KEYS[1] snapshot hash  KEYS[2] log stream  KEYS[3] meta hash
-- ARGV[1] seq  ARGV[2] state bytes  ARGV[3] events to keep behind the snapshot
-- ARGV[4] the epoch the replica was built in
-- ARGV[5] the bytes of the event at seq that the replica applied last
-- ARGV[6] the seq of the last event not sent raw to every viewer (moderation)
-- ARGV[7] the version of the snapshot form (server/engine/snapshots.py)
-- Returns 1 stored, 0 not newer, -1 refused: the replica does not match the
-- log (another epoch, or the log holds other bytes at seq: a lost tail whose
-- seqs were reused). A snapshot is never written from a diverged replica.
local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local seq = tonumber(ARGV[1])
if seq <= current then
  return 0
end
if redis.call('HGET', KEYS[3], 'epoch') ~= ARGV[4] then
  return -1
end
local entry = redis.call('XRANGE', KEYS[2], seq .. '-0', seq .. '-0')
if #entry == 0 or entry[1][2][2] ~= ARGV[5] then
  return -1
end
redis.call('HSET', KEYS[1], 'seq', seq, 'state', ARGV[2], 'restricted', ARGV[6], 'v', ARGV[7])
local min_seq = seq - tonumber(ARGV[3])
if min_seq > 1 then
  redis.call('XTRIM', KEYS[2], 'MINID', min_seq .. '-0')
end
return 1
