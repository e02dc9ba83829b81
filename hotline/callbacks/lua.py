"""Lua scripts that make changes to the callback queue atomic (see hotline.callbacks.queue).

Keys are built inside the scripts from the prefix (ARGV[1]); the hotline runs on a single
Redis server, not a cluster.
"""

# Create a request unless this idempotency key or an open request of the caller exists.
CREATE = """
local p, caller, idem = ARGV[1], ARGV[2], ARGV[3]
if idem ~= '' then
  local seen = redis.call('GET', p .. 'cb:idem:' .. idem)
  if seen then return {seen, 1} end
end
local open = redis.call('GET', p .. 'cb:open:' .. caller)
if open then
  local okey = p .. 'cb:req:' .. open
  local st = redis.call('HGET', okey, 'status')
  if st == 'waiting' or st == 'calling' or st == 'later' then
    -- Asked again more urgently (an urgent case of a caller already waiting): the open
    -- request moves up to the new priority and topic, keeping its age.
    local rank, span = tonumber(ARGV[15]), tonumber(ARGV[16])
    local old = tonumber(redis.call('HGET', okey, 'score'))
    local old_rank = math.floor(old / span)
    if rank < old_rank then
      local moved = old - (old_rank - rank) * span
      redis.call('HSET', okey, 'priority', ARGV[7], 'topic', ARGV[6],
        'score', string.format('%.1f', moved))
      if st == 'waiting' then
        redis.call('ZADD', p .. 'cb:q:' .. redis.call('HGET', okey, 'language'), moved, open)
      end
    end
    if idem ~= '' then redis.call('SET', p .. 'cb:idem:' .. idem, open, 'EX', ARGV[12]) end
    return {open, 1}
  end
end
local id = tostring(redis.call('INCR', p .. 'cb:seq') + 1000)
local key = p .. 'cb:req:' .. id
redis.call('HSET', key, 'id', id, 'caller', caller, 'masked', ARGV[4], 'language', ARGV[5],
  'topic', ARGV[6], 'priority', ARGV[7], 'status', 'waiting', 'created', ARGV[8],
  'score', ARGV[9], 'attempts', 0, 'country', ARGV[10], 'tz', ARGV[14], 'idem', idem)
-- A backstop: an open request outlives its number by a day at most (close() shortens it).
redis.call('EXPIRE', key, tonumber(ARGV[13]) + 86400)
redis.call('SET', p .. 'cb:num:' .. id, ARGV[11], 'EX', ARGV[13])
redis.call('SET', p .. 'cb:open:' .. caller, id, 'EX', ARGV[13])
redis.call('ZADD', p .. 'cb:q:' .. ARGV[5], ARGV[9], id)
redis.call('ZADD', p .. 'cb:index', ARGV[8], id)
if idem ~= '' then redis.call('SET', p .. 'cb:idem:' .. idem, id, 'EX', ARGV[12]) end
return {id, 0}
"""

# Return stale leases to their queue, then pop the best head among the given queues and
# return the taken request's hash (one round trip). With a limit (ARGV[7] > 0), a volunteer
# who already holds that many requests (being called, by them) takes none: the reply is
# {0, held ids...}. Each volunteer's taken ids are kept in cb:mine:<volunteer>; ids no
# longer theirs are dropped from it here, so closing or releasing needs no bookkeeping.
# KEYS: leases, queue... ARGV: prefix, now, lease_until, volunteer, wait samples, closed ttl,
# limit
TAKE = """
local p, now = ARGV[1], tonumber(ARGV[2])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 20)) do
  redis.call('ZREM', KEYS[1], id)
  local key = p .. 'cb:req:' .. id
  if redis.call('HGET', key, 'status') == 'calling' and redis.call('HGET', key, 'connected') ~= '1' then
    redis.call('HSET', key, 'status', 'waiting', 'volunteer', '')
    redis.call('ZADD', p .. 'cb:q:' .. redis.call('HGET', key, 'language'),
      redis.call('HGET', key, 'score'), id)
  end
end
local held_key, limit = p .. 'cb:mine:' .. ARGV[4], tonumber(ARGV[7] or '0')
if limit > 0 then
  local held = {0}
  for _, id in ipairs(redis.call('SMEMBERS', held_key)) do
    local key = p .. 'cb:req:' .. id
    if redis.call('HGET', key, 'status') == 'calling'
        and redis.call('HGET', key, 'volunteer') == ARGV[4] then
      table.insert(held, id)
    else
      redis.call('SREM', held_key, id)
    end
  end
  if #held > limit then return held end
end
while true do
  local best, best_id, best_score = nil, nil, nil
  for i = 2, #KEYS do
    local head = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    if head[1] and (best_score == nil or tonumber(head[2]) < best_score) then
      best, best_id, best_score = KEYS[i], head[1], tonumber(head[2])
    end
  end
  if not best_id then return false end
  redis.call('ZREM', best, best_id)
  local key = p .. 'cb:req:' .. best_id
  local status = redis.call('HGET', key, 'status')
  if status == 'waiting' and redis.call('EXISTS', p .. 'cb:num:' .. best_id) == 1 then
    redis.call('HSET', key, 'status', 'calling', 'volunteer', ARGV[4], 'taken', ARGV[2],
      'connected', '0')
    redis.call('ZADD', KEYS[1], ARGV[3], best_id)
    redis.call('SADD', held_key, best_id)
    redis.call('EXPIRE', held_key, ARGV[6])
    if redis.call('HGET', key, 'attempts') == '0' then
      redis.call('LPUSH', p .. 'cb:waits', now - tonumber(redis.call('HGET', key, 'created')))
      redis.call('LTRIM', p .. 'cb:waits', 0, tonumber(ARGV[5]) - 1)
    end
    return redis.call('HGETALL', key)
  end
  if status == 'waiting' then
    redis.call('HSET', key, 'status', 'expired', 'closed', ARGV[2])
    redis.call('HDEL', key, 'masked')
    redis.call('EXPIRE', key, ARGV[6])
    redis.call('HINCRBY', p .. 'cb:stats', 'expired', 1)
  end
end
"""

# Put a request back in its queue at its old place if it is still in `from` status.
# KEYS: req, queue, leases. ARGV: id, from-status
REQUEUE = """
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[2] then return 0 end
if ARGV[2] == 'calling' and redis.call('HGET', KEYS[1], 'connected') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'waiting', 'volunteer', '', 'connected', '0')
redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'score'), ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
"""

# Take one given request (an urgent case's call back, for the volunteer who sent ACK).
# KEYS: req, queue, leases, number. ARGV: prefix, id, now, lease_until, volunteer, samples
TAKE_ONE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'status', 'calling', 'volunteer', ARGV[5], 'taken', ARGV[3],
  'connected', '0')
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('SADD', ARGV[1] .. 'cb:mine:' .. ARGV[5], ARGV[2])  -- counts against NEXT's limit
redis.call('EXPIRE', ARGV[1] .. 'cb:mine:' .. ARGV[5], 7 * 86400)
if redis.call('HGET', KEYS[1], 'attempts') == '0' then
  redis.call('LPUSH', ARGV[1] .. 'cb:waits',
    tonumber(ARGV[3]) - tonumber(redis.call('HGET', KEYS[1], 'created')))
  redis.call('LTRIM', ARGV[1] .. 'cb:waits', 0, tonumber(ARGV[6]) - 1)
end
return 1
"""
