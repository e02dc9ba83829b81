"""Lua scripts that make changes to the callback queue atomic (see hotline.callbacks.queue).

Every key comes through KEYS, named by hotline.keys: a full name, or the stem of a key
family (`…cb:req:`) to which the script appends an id it read itself (the hotline runs
on a single Redis server, not a cluster).
"""

from hotline.lua import OPEN_ONCE

# Create a request unless this idempotency key or an open request of the caller exists;
# reply with what the caller is told, so it takes one round trip: {id, 1 if it existed,
# the request's hash, its rank in its queue (-1: not queued), the recent waits}. A new
# request is counted in the day's figures (stats.day_key) here too.
# KEYS: idem, open, seq, index, queue, req stem, number stem, queue stem, day figures,
# waits.
# ARGV: caller, idem, masked, language, topic, priority, created, score, country, number,
# idem ttl, number ttl, tz, rank, rank span, figures ttl
CREATE = OPEN_ONCE + """
local function placed(id, existed)
  local key = KEYS[6] .. id
  local rank = redis.call('ZRANK', KEYS[8] .. redis.call('HGET', key, 'language'), id)
  return {id, existed, redis.call('HGETALL', key), rank or -1,
          redis.call('LRANGE', KEYS[10], 0, -1)}
end
local caller, idem = ARGV[1], ARGV[2]
local found, seen = open_once(idem ~= '' and KEYS[1] or '', KEYS[2], KEYS[6], 'status',
  {waiting = true, calling = true, later = true})
if seen then return placed(found, 1) end
if found then
  local okey = KEYS[6] .. found
  local st = redis.call('HGET', okey, 'status')
  -- Asked again more urgently (an urgent case of a caller already waiting): the open
  -- request moves up to the new priority and topic, keeping its age.
  local rank, span = tonumber(ARGV[14]), tonumber(ARGV[15])
  local old = tonumber(redis.call('HGET', okey, 'score'))
  local old_rank = math.floor(old / span)
  if rank < old_rank then
    local moved = old - (old_rank - rank) * span
    redis.call('HSET', okey, 'priority', ARGV[6], 'topic', ARGV[5],
      'score', string.format('%.1f', moved))
    if st == 'waiting' then
      redis.call('ZADD', KEYS[8] .. redis.call('HGET', okey, 'language'), moved, found)
    end
  end
  if idem ~= '' then redis.call('SET', KEYS[1], found, 'EX', ARGV[11]) end
  return placed(found, 1)
end
local id = tostring(redis.call('INCR', KEYS[3]) + 1000)
local key = KEYS[6] .. id
redis.call('HSET', key, 'id', id, 'caller', caller, 'masked', ARGV[3], 'language', ARGV[4],
  'topic', ARGV[5], 'priority', ARGV[6], 'status', 'waiting', 'created', ARGV[7],
  'score', ARGV[8], 'attempts', 0, 'country', ARGV[9], 'tz', ARGV[13], 'idem', idem)
-- A backstop: an open request outlives its number by a day at most (close() shortens it).
redis.call('EXPIRE', key, tonumber(ARGV[12]) + 86400)
redis.call('SET', KEYS[7] .. id, ARGV[10], 'EX', ARGV[12])
redis.call('SET', KEYS[2], id, 'EX', ARGV[12])
redis.call('ZADD', KEYS[5], ARGV[8], id)
redis.call('ZADD', KEYS[4], ARGV[7], id)
if idem ~= '' then redis.call('SET', KEYS[1], id, 'EX', ARGV[11]) end
redis.call('HINCRBY', KEYS[9], 'callback_created', 1)
redis.call('EXPIRE', KEYS[9], ARGV[16])
return placed(id, 0)
"""

# Return stale leases to their queue, then pop the best head among the given queues and
# return the taken request's hash (one round trip). With a limit (ARGV[6] > 0), a volunteer
# who already holds that many requests (being called, by them) takes none: the reply is
# {0, held ids...}. Each volunteer's taken ids are kept in cb:mine:<volunteer>; ids no
# longer theirs are dropped from it here, so closing or releasing needs no bookkeeping.
# KEYS: leases, the volunteer's taken ids, waits, stats, req stem, number stem, queue stem,
# then the queues. ARGV: now, lease_until, volunteer, wait samples, closed ttl, limit
TAKE = """
local now = tonumber(ARGV[1])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 20)) do
  redis.call('ZREM', KEYS[1], id)
  local key = KEYS[5] .. id
  if redis.call('HGET', key, 'status') == 'calling' and redis.call('HGET', key, 'connected') ~= '1' then
    redis.call('HSET', key, 'status', 'waiting', 'volunteer', '')
    redis.call('ZADD', KEYS[7] .. redis.call('HGET', key, 'language'),
      redis.call('HGET', key, 'score'), id)
  end
end
local held_key, limit = KEYS[2], tonumber(ARGV[6] or '0')
if limit > 0 then
  local held = {0}
  for _, id in ipairs(redis.call('SMEMBERS', held_key)) do
    local key = KEYS[5] .. id
    if redis.call('HGET', key, 'status') == 'calling'
        and redis.call('HGET', key, 'volunteer') == ARGV[3] then
      table.insert(held, id)
    else
      redis.call('SREM', held_key, id)
    end
  end
  if #held > limit then return held end
end
while true do
  local best, best_id, best_score = nil, nil, nil
  for i = 8, #KEYS do
    local head = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    if head[1] and (best_score == nil or tonumber(head[2]) < best_score) then
      best, best_id, best_score = KEYS[i], head[1], tonumber(head[2])
    end
  end
  if not best_id then return false end
  redis.call('ZREM', best, best_id)
  local key = KEYS[5] .. best_id
  local status = redis.call('HGET', key, 'status')
  if status == 'waiting' and redis.call('EXISTS', KEYS[6] .. best_id) == 1 then
    redis.call('HSET', key, 'status', 'calling', 'volunteer', ARGV[3], 'taken', ARGV[1],
      'connected', '0')
    redis.call('ZADD', KEYS[1], ARGV[2], best_id)
    redis.call('SADD', held_key, best_id)
    redis.call('EXPIRE', held_key, ARGV[5])
    if redis.call('HGET', key, 'attempts') == '0' then
      redis.call('LPUSH', KEYS[3], now - tonumber(redis.call('HGET', key, 'created')))
      redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
    end
    return redis.call('HGETALL', key)
  end
  if status == 'waiting' then
    redis.call('HSET', key, 'status', 'expired', 'closed', ARGV[1])
    redis.call('HDEL', key, 'masked')
    redis.call('EXPIRE', key, ARGV[5])
    redis.call('HINCRBY', KEYS[4], 'expired', 1)
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
# KEYS: req, queue, leases, number, the volunteer's taken ids, waits.
# ARGV: id, now, lease_until, volunteer, samples
TAKE_ONE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'calling', 'volunteer', ARGV[4], 'taken', ARGV[2],
  'connected', '0')
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])  -- counts against NEXT's limit
redis.call('EXPIRE', KEYS[5], 7 * 86400)
if redis.call('HGET', KEYS[1], 'attempts') == '0' then
  redis.call('LPUSH', KEYS[6],
    tonumber(ARGV[2]) - tonumber(redis.call('HGET', KEYS[1], 'created')))
  redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[5]) - 1)
end
return 1
"""
