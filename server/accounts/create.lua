-- Create an account if its username is free (and, for the first-run setup,
-- only while no account exists at all), in one step.
-- KEYS[1] the set of usernames  KEYS[2] the account hash
-- ARGV[1] username  ARGV[2] "1" = only if there is no account yet
-- ARGV[3..] field, value, … of the account hash
-- Returns 1 created, 0 the username is taken, -1 an account exists already.
if ARGV[2] == '1' and redis.call('SCARD', KEYS[1]) > 0 then
  return -1
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('SADD', KEYS[1], ARGV[1])
return 1
