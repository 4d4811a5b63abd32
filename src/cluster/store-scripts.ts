/**
 * The task store's Lua scripts: each keeps a task's hash and its index entries consistent in one atomic step.
 *
 * Layout under the prefix P: `P:task:<id>` is a hash (json, status, kind, owner, member); `member` is
 * `<createdAt, 15 digits>:<id>`, so members sort like (createdAt, id). Lexicographic sorted sets index the
 * members: `P:tasks` (all), `P:tasks:status:<S>`, `P:tasks:kind:<K>`, `P:tasks:owner:<O>` (`-` is no owner,
 * others are `=<owner>`); `P:tasks:finished` scores finished tasks by completedAt. The keys are built inside
 * the scripts, which is fine on one Redis (or a replicated one) but not on Redis Cluster.
 */

const INDEX = `
local function indexes(p, status, kind, owner)
  return { p .. ':tasks', p .. ':tasks:status:' .. status, p .. ':tasks:kind:' .. kind, p .. ':tasks:owner:' .. owner }
end
local function terminal(status) return status == 'COMPLETED' or status == 'FAILED' end
local function unindex(p, key)
  local old = redis.call('HMGET', key, 'status', 'kind', 'owner', 'member')
  if not old[4] then return false end
  for _, index in ipairs(indexes(p, old[1], old[2], old[3])) do redis.call('ZREM', index, old[4]) end
  redis.call('ZREM', p .. ':tasks:finished', old[4])
  return true
end
local function index(p, key, json, status, kind, owner, member, completedAt)
  redis.call('HSET', key, 'json', json, 'status', status, 'kind', kind, 'owner', owner, 'member', member)
  for _, index in ipairs(indexes(p, status, kind, owner)) do redis.call('ZADD', index, 0, member) end
  -- A finished task without a completion time sorts first, as NULL does in SQL, and is never past a TTL.
  if terminal(status) then redis.call('ZADD', p .. ':tasks:finished', completedAt == '' and '-inf' or completedAt, member) end
end
local function remove(p, member)
  local key = p .. ':task:' .. string.sub(member, 17)
  unindex(p, key)
  redis.call('DEL', key)
end
`;

/** ARGV: prefix, id, json, status, kind, owner, member, completedAt ('' when null). Returns 0 when the id exists. */
export const INSERT = `${INDEX}
local p = ARGV[1]
local key = p .. ':task:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return 0 end
index(p, key, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
return 1`;

/** Same ARGV as INSERT. A no-op (0) when no task has this id, as in SQL. */
export const UPDATE = `${INDEX}
local p = ARGV[1]
local key = p .. ':task:' .. ARGV[2]
if not unindex(p, key) then return 0 end
index(p, key, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
return 1`;

/**
 * ARGV: prefix, first, status, kind, owner ('' for any of the three), after (a member, '' for the start).
 * Walks the most selective index newest first and returns up to first + 1 tasks' json.
 */
export const PAGE = `
local p, first, status, kind, owner, after = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local index = p .. ':tasks'
if owner ~= '' then index = p .. ':tasks:owner:' .. owner
elseif status ~= '' then index = p .. ':tasks:status:' .. status
elseif kind ~= '' then index = p .. ':tasks:kind:' .. kind end
local found = {}
local max = after == '' and '+' or '(' .. after
local batch = math.max(first + 1, 64)
while #found <= first do
  local members = redis.call('ZREVRANGEBYLEX', index, max, '-', 'LIMIT', 0, batch)
  for _, member in ipairs(members) do
    local t = redis.call('HMGET', p .. ':task:' .. string.sub(member, 17), 'status', 'kind', 'json')
    if t[3] and (status == '' or t[1] == status) and (kind == '' or t[2] == kind) then
      found[#found + 1] = t[3]
      if #found > first then break end
    end
  end
  if #members < batch then break end
  max = '(' .. members[#members]
end
return found`;

/** ARGV: prefix, then the statuses. Every matching task's json, oldest first. */
export const WITH_STATUS = `
local p = ARGV[1]
local members = {}
for i = 2, #ARGV do
  for _, member in ipairs(redis.call('ZRANGEBYLEX', p .. ':tasks:status:' .. ARGV[i], '-', '+')) do
    members[#members + 1] = member
  end
end
table.sort(members)
local found = {}
for _, member in ipairs(members) do
  local json = redis.call('HGET', p .. ':task:' .. string.sub(member, 17), 'json')
  if json then found[#found + 1] = json end
end
return found`;

/** ARGV: prefix, before, batch. Deletes up to `batch` tasks finished before `before`; returns how many. */
export const SWEEP = `${INDEX}
local p = ARGV[1]
local members = redis.call('ZRANGEBYSCORE', p .. ':tasks:finished', '(-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(members) do remove(p, member) end
return #members`;

/** ARGV: prefix, max, batch. Deletes up to `batch` of the oldest finished tasks past the cap; returns how many. */
export const CAP = `${INDEX}
local p = ARGV[1]
local excess = redis.call('ZCARD', p .. ':tasks') - tonumber(ARGV[2])
if excess <= 0 then return 0 end
local members = redis.call('ZRANGE', p .. ':tasks:finished', 0, math.min(excess, tonumber(ARGV[3])) - 1)
for _, member in ipairs(members) do remove(p, member) end
return #members`;
