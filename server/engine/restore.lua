-- Put one restored board in place in one step (prikbord restore): its
-- snapshot, log and op ids were written to staging keys beside it (same
-- hash tag, same shard); this moves them over the board's keys, writes its
-- meta with a NEW epoch (SPEC §3: a restored log may lack events clients
-- saw, so their resumes must get a snapshot), and tells nodes holding the
-- board to re-check it.
-- KEYS[1] meta  KEYS[2..5] snapshot, log, op ids, op id times
-- KEYS[6..9] their staging keys, in the same order
-- ARGV[1] new epoch  ARGV[2] the board's "changed" channel  ARGV[3] message
-- ARGV[4..] meta fields and values (without the epoch)
for i = 2, 5 do
  if redis.call('EXISTS', KEYS[i + 4]) == 1 then
    redis.call('RENAME', KEYS[i + 4], KEYS[i])
  else
    redis.call('DEL', KEYS[i])
  end
end
redis.call('DEL', KEYS[1])
local fields = {'epoch', ARGV[1]}
for i = 4, #ARGV, 2 do
  if ARGV[i] ~= 'epoch' then
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i + 1]
  end
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SPUBLISH', ARGV[2], ARGV[3])
return 1
