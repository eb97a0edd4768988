-- Drop files from a board's registry, each only if it is still marked gone
-- at the same time the collector saw (a file attached again since then has
-- its mark cleared, and stays).
-- KEYS[1] {b:<id>}:files, KEYS[2] {b:<id>}:fbytes
-- ARGV: id1, gone1, id2, gone2, ...  (gone "*": drop whatever the mark)
-- Returns the ids dropped.
local dropped = {}
for i = 1, #ARGV, 2 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local e = cjson.decode(raw)
    if ARGV[i + 1] == '*' or tostring(e['gone']) == ARGV[i + 1] then
      redis.call('HDEL', KEYS[1], ARGV[i])
      redis.call('DECRBY', KEYS[2], e['size'])
      dropped[#dropped + 1] = ARGV[i]
    end
  end
end
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return dropped
