-- Change a board's link state (generations, expiries, access code, join
-- code) and tell every node holding the board, in one step: a node that
-- hears LINKS_CHANGED re-reads the state and closes the sockets whose link
-- is no longer valid, so no node can miss a change it was told about.
-- KEYS[1] meta hash
-- ARGV[1] presence channel  ARGV[2] the LINKS_CHANGED message
-- ARGV[3..] triples: op ("incr" | "set" | "del"), field, value
-- Every change also bumps "links" (the state's version), so a node can
-- tell which of two reads is newer.
-- Returns false when the board does not exist, else true.
if not redis.call('HGET', KEYS[1], 'epoch') then
  return false
end
redis.call('HINCRBY', KEYS[1], 'links', 1)
for i = 3, #ARGV, 3 do
  local op, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if op == 'incr' then
    redis.call('HINCRBY', KEYS[1], field, 1)
  elseif op == 'set' then
    redis.call('HSET', KEYS[1], field, value)
  elseif op == 'del' then
    redis.call('HDEL', KEYS[1], field)
  else
    return redis.error_reply('links.lua: unknown op ' .. op)
  end
end
redis.call('SPUBLISH', ARGV[1], ARGV[2])
return true
