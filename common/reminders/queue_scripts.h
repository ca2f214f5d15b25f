// The Lua scripts of the reminder queue (see queue.h and docs/REMINDERS.md).
//
// Every queue script is kPrelude followed by its body. It gets the same keys
// (kKeyNames, in that order) and ARGV[1] = the key prefix, from which it
// builds the per-owner set names "<prefix>:own:<owner>" (same hash tag).
// "Now" is always Redis's TIME, never a client's clock. Every script does
// bounded work: at most a few hundred items per call.
#ifndef CHISO_COMMON_REMINDERS_QUEUE_SCRIPTS_H_
#define CHISO_COMMON_REMINDERS_QUEUE_SCRIPTS_H_

namespace chiso::reminders::scripts {

// Suffixes of the fixed keys, in KEYS order.
inline constexpr const char* kKeyNames[] = {"due", "lease", "job",  "att",   "fire", "dead",
                                            "err", "done",  "wake", "epoch", "gen"};

inline constexpr char kPrelude[] = R"lua(
local K_DUE, K_LEASE, K_JOB, K_ATT, K_FIRE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_DEAD, K_ERR, K_DONE, K_WAKE = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local K_EPOCH, K_GEN = KEYS[10], KEYS[11]
local PREFIX = ARGV[1]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integers as plain decimal strings (Lua's own conversion may use exponents).
local function int_str(x)
  return string.format('%d', x)
end

-- "task/42" of "task/42/2025-07-04/due" (the client checked the grammar).
local function owner_of(id)
  local a = string.find(id, '/', 1, true)
  local b = a and string.find(id, '/', a + 1, true)
  if not b then return id end
  return string.sub(id, 1, b - 1)
end

local function own_key(owner)
  return PREFIX .. ':own:' .. owner
end

-- Byte order, as a sorted set orders equal scores (Lua's < follows the
-- server's locale).
local function bytes_less(a, b)
  for k = 1, math.min(#a, #b) do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- The id is no longer pending or leased. An owner with nothing left pending
-- or leased can receive no Ack, so its generation is no longer needed.
local function release(id)
  local owner = owner_of(id)
  local k = own_key(owner)
  redis.call('SREM', k, id)
  if redis.call('SCARD', k) == 0 then
    redis.call('HDEL', K_GEN, owner)
  end
end

local function holds(id, attempt)
  if not redis.call('ZSCORE', K_LEASE, id) then return false end
  local a = redis.call('HGET', K_ATT, id)
  return a and tonumber(a) == tonumber(attempt)
end

-- The earliest fire time this call put into due, to re-arm sleepers.
local added_min = nil
local function note_due(score)
  if added_min == nil or score < added_min then added_min = score end
end

-- Schedules one reminder; false when it must be skipped.
local function schedule_one(id, fire, payload)
  if redis.call('ZSCORE', K_LEASE, id) or redis.call('ZSCORE', K_DONE, id)
      or redis.call('ZSCORE', K_DEAD, id) then
    return false
  end
  local f = tonumber(fire)
  local original = redis.call('HGET', K_FIRE, id)
  if original and tonumber(original) == f and redis.call('ZSCORE', K_DUE, id) then
    -- Waiting out a retry backoff for this very fire time: keep the backoff.
  else
    if original then redis.call('HDEL', K_FIRE, id) end
    redis.call('ZADD', K_DUE, fire, id)
    note_due(f)
  end
  redis.call('HSET', K_JOB, id, payload)
  redis.call('SADD', own_key(owner_of(id)), id)
  return true
end

-- A worker asleep until the old head must re-arm when something earlier
-- arrives; the marker wakes exactly one BZPOPMIN.
local function wake_if_new_head()
  if added_min == nil then return end
  local head = redis.call('ZRANGE', K_DUE, 0, 0, 'WITHSCORES')
  if head[2] and tonumber(head[2]) >= added_min then
    redis.call('ZADD', K_WAKE, 'LT', added_min, 'd')
  end
end
)lua";

// ARGV: prefix, then (id, fire ms, payload)... → {scheduled, skipped}
inline constexpr char kSchedule[] = R"lua(
local scheduled, skipped = 0, 0
for i = 2, #ARGV, 3 do
  if schedule_one(ARGV[i], ARGV[i + 1], ARGV[i + 2]) then
    scheduled = scheduled + 1
  else
    skipped = skipped + 1
  end
end
wake_if_new_head()
return {scheduled, skipped}
)lua";

// ARGV: prefix, owner, generation, then (id, fire ms, payload)...
// → {scheduled, skipped, removed, stale}
// Numeric generations (revision counters) only move forward: a sync computed
// from an older revision than the one already applied changes nothing, so a
// slow replica cannot bring back the reminders of a task cancelled meanwhile.
inline constexpr char kSyncOwner[] = R"lua(
local owner, generation = ARGV[2], ARGV[3]
local current = redis.call('HGET', K_GEN, owner)
if current then
  local c, g = tonumber(current), tonumber(generation)
  if c and g and g < c then return {0, 0, 0, 1} end
end
redis.call('HSET', K_GEN, owner, generation)
local listed = {}
for i = 4, #ARGV, 3 do listed[ARGV[i]] = true end
local k = own_key(owner)
local removed = 0
for _, id in ipairs(redis.call('SMEMBERS', k)) do
  if not listed[id] then
    if redis.call('ZREM', K_DUE, id) == 1 then
      redis.call('HDEL', K_JOB, id)
      redis.call('HDEL', K_ATT, id)
      redis.call('HDEL', K_FIRE, id)
      redis.call('SREM', k, id)
      removed = removed + 1
    elseif not redis.call('ZSCORE', K_LEASE, id) then
      redis.call('SREM', k, id)
    end
  end
end
local scheduled, skipped = 0, 0
for i = 4, #ARGV, 3 do
  if schedule_one(ARGV[i], ARGV[i + 1], ARGV[i + 2]) then
    scheduled = scheduled + 1
  else
    skipped = skipped + 1
  end
end
wake_if_new_head()
if redis.call('SCARD', k) == 0 then redis.call('HDEL', K_GEN, owner) end
return {scheduled, skipped, removed, 0}
)lua";

// ARGV: prefix, ids... → how many were pending or leased
inline constexpr char kCancel[] = R"lua(
local now = now_ms()
local n = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('ZREM', K_DUE, id) + redis.call('ZREM', K_LEASE, id) > 0 then n = n + 1 end
  redis.call('ZREM', K_DEAD, id)
  redis.call('HDEL', K_JOB, id)
  redis.call('HDEL', K_ATT, id)
  redis.call('HDEL', K_FIRE, id)
  redis.call('HDEL', K_ERR, id)
  redis.call('ZADD', K_DONE, now, id)
  release(id)
end
return n
)lua";

// ARGV: prefix, limit, lease ms, reap limit, max attempts, retention ms
// → {now, next (or nil), reaped, id, fire, attempt, payload, ...}
inline constexpr char kClaim[] = R"lua(
local now = now_ms()
local limit, lease_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local reap_limit, max_att = tonumber(ARGV[4]), tonumber(ARGV[5])
local retention = tonumber(ARGV[6])

-- At least as many as a claim can deliver, so trimming keeps pace with
-- the tombstones that deliveries write.
local old = redis.call('ZRANGEBYSCORE', K_DONE, '-inf', int_str(now - retention),
                       'LIMIT', 0, math.max(100, limit))
if #old > 0 then redis.call('ZREM', K_DONE, unpack(old)) end

local reaped = 0
if reap_limit > 0 then
  local expired = redis.call('ZRANGEBYSCORE', K_LEASE, '-inf', int_str(now),
                             'LIMIT', 0, reap_limit)
  for _, id in ipairs(expired) do
    redis.call('ZREM', K_LEASE, id)
    local a = tonumber(redis.call('HGET', K_ATT, id) or '0')
    if a >= max_att then
      redis.call('ZADD', K_DEAD, now, id)
      redis.call('HSET', K_ERR, id, 'lease expired after ' .. int_str(a) .. ' attempts')
      release(id)
    else
      redis.call('ZADD', K_DUE, now, id)
    end
    reaped = reaped + 1
  end
end

local out = {now, false, reaped}
local n = 0
if limit > 0 then
  local ready = redis.call('ZRANGEBYSCORE', K_DUE, '-inf', int_str(now), 'WITHSCORES',
                           'LIMIT', 0, limit)
  n = #ready / 2
  if n > 0 then
    local ids, leases = {}, {}
    for i = 1, #ready, 2 do
      ids[#ids + 1] = ready[i]
      leases[#leases + 1] = now + lease_ms
      leases[#leases + 1] = ready[i]
    end
    redis.call('ZREM', K_DUE, unpack(ids))
    redis.call('ZADD', K_LEASE, unpack(leases))
    local payloads = redis.call('HMGET', K_JOB, unpack(ids))
    for i, id in ipairs(ids) do
      local a = redis.call('HINCRBY', K_ATT, id, 1)
      local f = redis.call('HGET', K_FIRE, id)
      if f then
        f = tonumber(f)
      else
        f = tonumber(ready[2 * i])
        redis.call('HSET', K_FIRE, id, int_str(f))
      end
      out[#out + 1] = id
      out[#out + 1] = f
      out[#out + 1] = a
      out[#out + 1] = payloads[i] or ''
    end
  end
end

local head = redis.call('ZRANGE', K_DUE, 0, 0, 'WITHSCORES')
local next_fire = head[2] and tonumber(head[2])
if next_fire and next_fire <= now then
  -- More are ready than this call took: wake another worker (chained wake).
  redis.call('ZADD', K_WAKE, 0, 'm')
elseif next_fire and n > 0 then
  -- This worker is busy with its batch: an idle one keeps the timer.
  redis.call('ZADD', K_WAKE, 'LT', next_fire, 'd')
end
local lease_head = redis.call('ZRANGE', K_LEASE, 0, 0, 'WITHSCORES')
if lease_head[2] then
  local l = tonumber(lease_head[2])
  if next_fire == nil or l < next_fire then next_fire = l end
end
out[2] = next_fire or false
return out
)lua";

// ARGV: prefix, max attempts, number of acks,
//   then per ack (id, attempt, generation, next id or '', next fire, next payload),
//   then per nack (id, attempt, permanent '1'/'0', delay ms, error)
// → one code per ack then per nack: 0 done, 1 retried, 2 dead, 3 stale
inline constexpr char kSettle[] = R"lua(
local now = now_ms()
local max_att = tonumber(ARGV[2])
local n_acks = tonumber(ARGV[3])
local out = {}
local i = 4
for _ = 1, n_acks do
  local id, attempt, generation = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local next_id, next_fire, next_payload = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  i = i + 6
  if not holds(id, attempt) then
    out[#out + 1] = 3
  else
    redis.call('ZREM', K_LEASE, id)
    redis.call('HDEL', K_JOB, id)
    redis.call('HDEL', K_ATT, id)
    redis.call('HDEL', K_FIRE, id)
    redis.call('ZADD', K_DONE, now, id)
    if next_id ~= '' then
      local current = redis.call('HGET', K_GEN, owner_of(next_id))
      if (not current) or current == generation then
        schedule_one(next_id, next_fire, next_payload)
      end
    end
    release(id)
    out[#out + 1] = 0
  end
end
while i <= #ARGV do
  local id, attempt, permanent = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local delay, err = tonumber(ARGV[i + 3]), ARGV[i + 4]
  i = i + 5
  if not holds(id, attempt) then
    out[#out + 1] = 3
  else
    redis.call('ZREM', K_LEASE, id)
    if permanent == '1' or tonumber(attempt) >= max_att then
      redis.call('ZADD', K_DEAD, now, id)
      redis.call('HSET', K_ERR, id, err)
      release(id)
      out[#out + 1] = 2
    else
      redis.call('ZADD', K_DUE, now + delay, id)
      note_due(now + delay)
      out[#out + 1] = 1
    end
  end
end
wake_if_new_head()
return out
)lua";

// ARGV: prefix, id, attempt, ms → 1 extended, 0 lease lost
inline constexpr char kExtend[] = R"lua(
local now = now_ms()
if not holds(ARGV[2], ARGV[3]) then return 0 end
redis.call('ZADD', K_LEASE, 'XX', 'GT', now + tonumber(ARGV[4]), ARGV[2])
return 1
)lua";

// ARGV: prefix → {now, due, ready, leased, dead, oldest ready age, epoch or nil}
inline constexpr char kStats[] = R"lua(
local now = now_ms()
local age = 0
local head = redis.call('ZRANGE', K_DUE, 0, 0, 'WITHSCORES')
if head[2] and tonumber(head[2]) <= now then age = now - tonumber(head[2]) end
return {now, redis.call('ZCARD', K_DUE),
        redis.call('ZCOUNT', K_DUE, '-inf', int_str(now)),
        redis.call('ZCARD', K_LEASE), redis.call('ZCARD', K_DEAD), age,
        redis.call('GET', K_EPOCH)}
)lua";

// ARGV: prefix, candidate epoch → {epoch, 1 if created now}
inline constexpr char kEnsureEpoch[] = R"lua(
if redis.call('SET', K_EPOCH, ARGV[2], 'NX') then return {ARGV[2], 1} end
return {redis.call('GET', K_EPOCH), 0}
)lua";

// ARGV: prefix, limit, id prefix, max score ('+inf', '(ms' or 'ms'), before id
// → {id, payload, attempts, error, dead at, fire, ...}, newest first
inline constexpr char kListDead[] = R"lua(
local limit, want, max, before_id = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local tie = nil
if before_id ~= '' then tie = tonumber(max) end
local out, found, scanned, offset = {}, 0, 0, 0
while found < limit and scanned < 10000 do
  local batch = redis.call('ZREVRANGEBYSCORE', K_DEAD, max, '-inf', 'WITHSCORES',
                           'LIMIT', offset, 200)
  if #batch == 0 then break end
  offset = offset + #batch / 2
  for j = 1, #batch, 2 do
    local id, dead_at = batch[j], tonumber(batch[j + 1])
    scanned = scanned + 1
    local skip = tie ~= nil and dead_at == tie and not bytes_less(id, before_id)
    if not skip and string.sub(id, 1, #want) == want then
      out[#out + 1] = id
      out[#out + 1] = redis.call('HGET', K_JOB, id) or ''
      out[#out + 1] = tonumber(redis.call('HGET', K_ATT, id) or '0')
      out[#out + 1] = redis.call('HGET', K_ERR, id) or ''
      out[#out + 1] = dead_at
      out[#out + 1] = tonumber(redis.call('HGET', K_FIRE, id) or '0')
      found = found + 1
      if found >= limit then break end
    end
  end
end
return out
)lua";

// Read-only. ARGV: prefix, after fire ms ('' from the head), after id, most
// entries to examine, most to return, id prefix, payload substring ('' any)
// → {more, examined, last fire, last id,
//    then per match: id, fire, payload, scheduled fire, attempts}
// Examines `due` in (fire time, id) order from just after (after fire,
// after id). "more" is 1 when entries follow the last one examined, whose
// position ("last fire", "last id"; nil when none was) is where the next
// call resumes. Reminders sharing one fire time are common (every "due" of a
// day at 08:00), so the start is found by rank, never by skipping entries:
// the cursor's own rank when it is still queued there, otherwise a binary
// search of its tie group (it was claimed, moved or cancelled meanwhile).
inline constexpr char kPending[] = R"lua(
local after_fire, after_id = ARGV[2], ARGV[3]
local budget, limit, want, needle = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7]
local start = 0
if after_fire ~= '' then
  local at = redis.call('ZSCORE', K_DUE, after_id)
  if at and tonumber(at) == tonumber(after_fire) then
    start = redis.call('ZRANK', K_DUE, after_id) + 1
  else
    local lo = redis.call('ZCOUNT', K_DUE, '-inf', '(' .. after_fire)
    local hi = lo + redis.call('ZCOUNT', K_DUE, after_fire, after_fire)
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if bytes_less(after_id, redis.call('ZRANGE', K_DUE, mid, mid)[1]) then
        hi = mid
      else
        lo = mid + 1
      end
    end
    start = lo
  end
end
local entries = redis.call('ZRANGE', K_DUE, start, start + budget - 1, 'WITHSCORES')
local out = {0, 0, false, false}
local examined, found = 0, 0
for j = 1, #entries, 2 do
  local id, fire = entries[j], tonumber(entries[j + 1])
  examined = examined + 1
  out[3], out[4] = fire, id
  if string.sub(id, 1, #want) == want then
    local payload = redis.call('HGET', K_JOB, id) or ''
    if needle == '' or string.find(payload, needle, 1, true) then
      out[#out + 1] = id
      out[#out + 1] = fire
      out[#out + 1] = payload
      out[#out + 1] = tonumber(redis.call('HGET', K_FIRE, id) or fire)
      out[#out + 1] = tonumber(redis.call('HGET', K_ATT, id) or '0')
      found = found + 1
      if found >= limit then break end
    end
  end
end
out[2] = examined
if start + examined < redis.call('ZCARD', K_DUE) then out[1] = 1 end
return out
)lua";

// ARGV: prefix, id, fire ms (<= 0: now) → 1 requeued, 0 not dead
inline constexpr char kRequeue[] = R"lua(
local id = ARGV[2]
if not redis.call('ZSCORE', K_DEAD, id) then return 0 end
local f = tonumber(ARGV[3])
if f <= 0 then f = now_ms() end
redis.call('ZREM', K_DEAD, id)
redis.call('HDEL', K_ERR, id)
redis.call('HDEL', K_ATT, id)
redis.call('HDEL', K_FIRE, id)
redis.call('ZADD', K_DUE, f, id)
redis.call('SADD', own_key(owner_of(id)), id)
note_due(f)
wake_if_new_head()
return 1
)lua";

// Leader lease. KEYS[1]: the role's key; ARGV: holder, ttl ms → 1 held, 0 not
inline constexpr char kHoldLeadership[] = R"lua(
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
)lua";

// KEYS[1]: the role's key; ARGV: holder → 1 released, 0 not held by it
inline constexpr char kReleaseLeadership[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua";

}  // namespace chiso::reminders::scripts

#endif  // CHISO_COMMON_REMINDERS_QUEUE_SCRIPTS_H_
