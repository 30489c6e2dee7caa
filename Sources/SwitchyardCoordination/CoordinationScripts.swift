import SwitchyardRedis

/// The Lua scripts of the shared selector. Each touches the keys of one model only (one `{model}` hash slot, see
/// ``RedisKeys``), and every script takes all four of them, in this `KEYS` order (``keySuffixes``):
///
/// ```
/// KEYS[1] <prefix>{<model>}:state    hash, per provider id: `f:<id>` holds not yet released (in flight), `s:<id>`
///                                    selections ever, `c:<id>` shared circuit "<consecutive failures>:<open until,
///                                    ms>", `k:<id>` cool-down until (ms), `l:<id>` latency average (ms), `r:<id>` /
///                                    `t:<id>` request / token bucket (GCRA theoretical arrival time, ms), `w:<id>` /
///                                    `d:<id>` smooth-WRR counters (weighted / dynamic_weighted); and `rr` the
///                                    round-robin cursor, `q` the queue's arrival counter
/// KEYS[2] <prefix>{<model>}:leases   sorted set: `<owner token>|<provider id>` → expiry (Redis TIME, milliseconds)
/// KEYS[3] <prefix>{<model>}:waitq    sorted set: waiting owner token → priority × 10^13 + arrival number
/// KEYS[4] <prefix>{<model>}:waiters  hash: waiting owner token → JSON {d: deadline, l: lease ms, c: channel,
///                                    p: {provider id: limits}} (the providers it may take); once a hold was handed
///                                    to it, `=<provider id>` until that hold ends
/// ```
///
/// An owner token is `<instance id>:<worker pid>:<counter>` (no `|`). A hold's member names its provider, so ending
/// it is one `ZREM` and one count, with no second index. The acquire and renew scripts first purge the model's
/// expired holds (at most 256 per call, so a call stays short), giving back their in-flight counts: the holds of a
/// router that vanished free themselves once their deadline passes. Counts only ever move together with a hold's
/// member, so they never go negative and a repeated release changes nothing.
///
/// **Cost.** Redis runs these scripts for every request, so they are written for its CPU: one `HMGET` reads every
/// field a call needs into a table (`cache`), writes go to both, `TIME` is asked only when a call needs the clock,
/// and one call carries every acquisition (or release) of one worker's loop iteration for the model. bench/ reports
/// redis-server's CPU per request.
///
/// **Waiting.** When no candidate has a free slot and the caller may wait, the acquire script puts the owner in
/// the model's queue. Whenever a hold ends (release, expiry, a dead worker's holds), the freed unit of that
/// provider goes to the first waiter (by priority, then arrival) that may take it: the script records the hold for
/// the waiter and `PUBLISH`es `<owner>|<provider id>|<Redis time, µs>` on the waiter's channel — a hand-off, no
/// polling. The handed-over hold lasts a claim window (a sixth of the lease, at least a second) until the
/// waiter's worker renews it; when it expires unclaimed, that worker is taken for gone and its other waits leave
/// the queue. A waiter that gives up is removed by the release script (which also ends a hold it was handed in the
/// meantime, passing it on: the waiter's entry says which). Waiters whose deadline passed are dropped when met.
enum CoordinationScripts {
    /// The key suffixes of one model, in `KEYS` order.
    static let keySuffixes = ["state", "leases", "waitq", "waiters"]

    /// Shared by every script: key names, the clock (milliseconds from Redis `TIME`, the one clock all routers
    /// share, asked once and only when needed), the field cache, the hand-off, and the purge of expired holds.
    private static let prelude = """
        local state, leases, queue, waiting = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
        local now, time = nil, nil
        local function clock()
          if not now then
            time = redis.call('TIME')
            now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
          end
          return now
        end
        -- Fields of `state` read in this call (false: absent). Writes go to the cache and are sent by `flush` in one
        -- HSET when the script ends (a script runs atomically, so nobody sees the fields in between); numbers are
        -- formatted there, once per field and call, with all 17 significant digits (bucket times carry fractions
        -- of a millisecond; Lua's own conversion keeps 14, and each sprintf costs more than a whole entry).
        local cache, dirty = {}, {}
        local function load(fields)
          if #fields == 0 then return end
          local values = redis.call('HMGET', state, unpack(fields))
          -- Numbers are read once here (each tonumber of a string is a strtod).
          for i = 1, #fields do cache[fields[i]] = values[i] and (tonumber(values[i]) or values[i]) end
        end
        local function get(field)
          local value = cache[field]
          if value == nil then
            value = redis.call('HGET', state, field)
            cache[field] = value
          end
          return value
        end
        local function num(field) return tonumber(get(field)) or 0 end
        -- The state fields of provider `id` (`f:<id>` …), made once per call: joining strings costs a lookup each time.
        local fieldNames = {}
        local function names(id)
          local n = fieldNames[id]
          if not n then
            n = {f = 'f:' .. id, s = 's:' .. id, c = 'c:' .. id, k = 'k:' .. id, r = 'r:' .. id, t = 't:' .. id, l = 'l:' .. id}
            fieldNames[id] = n
          end
          return n
        end
        local function put(field, value)
          if dirty[field] == nil then dirty[#dirty + 1] = field end
          dirty[field] = true
          cache[field] = value
        end
        local function flush()
          if #dirty == 0 then return end
          local args = {}
          for i = 1, #dirty do
            if dirty[dirty[i]] then
              local value = cache[dirty[i]]
              args[#args + 1] = dirty[i]
              args[#args + 1] = type(value) == 'number' and string.format('%.17g', value) or value
            end
          end
          if #args > 0 then redis.call('HSET', state, unpack(args)) end
        end
        -- Whether the queue may hold entries: asked once per call, set when an entry is added.
        local queued = nil
        local function hasQueue()
          if queued == nil then queued = redis.call('EXISTS', queue) == 1 end
          return queued
        end
        local pending, deadlines = {}, {}
        local function hold(owner, id, lease)
          put(names(id).f, num(names(id).f) + 1)
          put(names(id).s, num(names(id).s) + 1)
          -- Deadlines as text, formatted once per lease length (Lua formats numbers with sprintf).
          local deadline = deadlines[lease]
          if not deadline then
            deadline = tostring(clock() + lease)
            deadlines[lease] = deadline
          end
          pending[#pending + 1] = deadline
          pending[#pending + 1] = owner .. '|' .. id
        end
        -- The holds recorded in this call, in one ZADD.
        local function recordHolds()
          if #pending > 0 then
            redis.call('ZADD', leases, unpack(pending))
            pending = {}
          end
        end
        -- Rate limits are GCRA buckets (burst of a minute's allowance, refilled continuously): the theoretical
        -- arrival time of provider `id` is field `r:<id>` (requests) or `t:<id>` (tokens), milliseconds.
        -- Milliseconds until `id` admits one request of `cost` tokens under `rpm` / `tpm` (0 = no limit) and its
        -- cool-down (`k:<id>`); 0 when it admits it now.
        local function rateWait(id, rpm, tpm, cost)
          local wait = 0
          if rpm > 0 then
            local tat = math.max(num(names(id).r), clock())
            wait = math.max(wait, tat + 60000 / rpm - now - 60000)
          end
          if tpm > 0 and cost > 0 then
            local tat = math.max(num(names(id).t), clock())
            -- A request larger than a minute's allowance goes when the bucket is full.
            if tat > now then wait = math.max(wait, tat + cost * 60000 / tpm - now - 60000) end
          end
          local cool = tonumber(get(names(id).k))
          if cool then wait = math.max(wait, cool - clock()) end
          return wait
        end
        -- Takes one request of `cost` tokens out of `id`'s buckets.
        local function charge(id, rpm, tpm, cost)
          if rpm > 0 then
            put(names(id).r, math.max(num(names(id).r), clock()) + 60000 / rpm)
          end
          if tpm > 0 and cost > 0 then
            put(names(id).t, math.max(num(names(id).t), clock()) + cost * 60000 / tpm)
          end
        end
        -- Gives one unit of provider `id` to the first waiter that may take it; true when one did.
        local function handoff(id)
          if not hasQueue() then return false end
          for _, owner in ipairs(redis.call('ZRANGE', queue, 0, 63)) do
            local entry = redis.call('HGET', waiting, owner)
            local waiter = entry and string.sub(entry, 1, 1) == '{' and cjson.decode(entry)
            if not waiter or waiter.d <= clock() then
              redis.call('ZREM', queue, owner)
              if waiter then redis.call('HDEL', waiting, owner) end
            else
              local limits = waiter.p[id]
              if limits and (limits.s == 0 or num(names(id).f) < limits.s) and rateWait(id, limits.r, limits.t, limits.c) <= 0 then
                redis.call('ZREM', queue, owner)
                -- Until this hold ends, the waiter's entry names the provider (a waiter giving up finds it there).
                redis.call('HSET', waiting, owner, '=' .. id)
                -- For the claim window only: the waiter's worker renews it to a whole lease as it takes it (one
                -- renew call); a worker that is gone never does, and the unit comes back at the next purge.
                hold(owner, id, math.min(waiter.l, math.max(1000, math.floor(waiter.l / 6))))
                charge(id, limits.r, limits.t, limits.c)
                redis.call('PUBLISH', waiter.c, owner .. '|' .. id .. '|' .. time[1] .. string.format('%06d', tonumber(time[2])))
                return true
              end
            end
          end
          return false
        end
        -- A live hold of `owner` on `id` has been taken out of `leases`: its count goes back and its unit to a
        -- waiter; `handed`: the hold came by a hand-off, so the owner's entry in `waiting` goes too.
        local function ended(owner, id, handed)
          put(names(id).f, math.max(num(names(id).f) - 1, 0))
          if handed then redis.call('HDEL', waiting, owner) end
          handoff(id)
        end
        -- Takes every wait of the worker of `owner` (`<instance>:<pid>:`) out of the queue.
        local function dropWorkerWaits(owner)
          local worker = string.match(owner, '^(.*:)')
          if not worker or not hasQueue() then return end
          for _, other in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
            if string.sub(other, 1, #worker) == worker then
              redis.call('ZREM', queue, other)
              redis.call('HDEL', waiting, other)
            end
          end
        end
        -- Ends the hold `<owner>|<id>` if it is live; true when it was. `expired`: the purge ends it — a
        -- handed-over hold that expired was never claimed, or its worker stopped renewing: that worker is gone, and
        -- its other waits leave the queue first (else each would take the freed unit for a claim window in turn).
        local function unhold(member, expired)
          recordHolds()
          if redis.call('ZREM', leases, member) == 0 then return false end
          local split = string.find(member, '|', 1, true)
          local owner = string.sub(member, 1, split - 1)
          -- A hold that came by a hand-off has the waiter's entry: it goes with the hold.
          local handed = redis.call('HGET', waiting, owner)
          if expired and handed and string.sub(handed, 1, 1) == '=' then dropWorkerWaits(owner) end
          ended(owner, string.sub(member, split + 1), handed)
          return true
        end
        -- Ends the model's expired holds (at most 256 per call, so a call stays short).
        local function purge()
          for _, member in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', clock(), 'LIMIT', 0, 256)) do
            unhold(member, true)
          end
        end

        """

    /// The common case of ``acquire``, ahead of the general script (which then never runs, nor creates its
    /// functions): a batch of `balanced` acquisitions (or `least_connection`, which `SharedStrategy` maps to it)
    /// that share one candidate list and may not wait — `ARGV[5]` is `*` (then minus the candidate count, the
    /// short-form candidates and one owner token per acquisition) or `+` (the count, the long-form candidates with
    /// their limits, and an owner token and token reservation per acquisition). When no candidate has a circuit or
    /// cool-down on record and every acquisition finds a free candidate, it applies the general path's rule
    /// (fewest in flight, then fewest selections, among the candidates under their slots and rate limits — the
    /// GCRA rule of `rateWait` and `charge`, inlined) with one `TIME`, one `HMGET`, one `HSET` and one `ZADD` for
    /// the whole call; otherwise it falls through to the general path, having written nothing. A value or two per
    /// acquisition keeps both Redis' parsing and the script's work per request small.
    private static let acquireFastPath = """
        if ARGV[5] == '*' or ARGV[5] == '+' then
          local long = ARGV[5] == '+'
          local k = math.abs(tonumber(ARGV[6]))
          local ids, slots, rpm, tpm, fields = {}, {}, {}, {}, {}
          local at = 7
          for i = 1, k do
            local id = ARGV[at]
            ids[i] = id
            if long then
              slots[i], rpm[i], tpm[i] = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 5]), tonumber(ARGV[at + 6])
              at = at + 8
            else
              slots[i], rpm[i], tpm[i] = 0, 0, 0
              at = at + 2
            end
            fields[#fields + 1] = 'f:' .. id
            fields[#fields + 1] = 's:' .. id
            fields[#fields + 1] = 'c:' .. id
            fields[#fields + 1] = 'k:' .. id
            fields[#fields + 1] = 'r:' .. id
            fields[#fields + 1] = 't:' .. id
          end
          local first = at
          local values = redis.call('HMGET', KEYS[1], unpack(fields))
          local fast = true
          local flight, selected, requests, tokens = {}, {}, {}, {}
          for i = 1, k do
            if values[6 * i - 3] or values[6 * i - 2] then fast = false break end
            flight[i] = tonumber(values[6 * i - 5]) or 0
            selected[i] = tonumber(values[6 * i - 4]) or 0
            requests[i] = tonumber(values[6 * i - 1]) or 0
            tokens[i] = tonumber(values[6 * i]) or 0
          end
          if fast and k > 0 then
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            -- Formatted once: Lua turns a number into text with sprintf, which costs more than the rest of an entry.
            local deadline = tostring(now + tonumber(ARGV[1]))
            local answers, holds = {}, {}
            if not long then
              -- The short form has no limits: the fewest in flight, then the fewest selections; every entry finds
              -- one. The members' provider suffixes are made once per call.
              local argv, suffix, nh = ARGV, {}, 0
              for i = 1, k do suffix[i] = '|' .. ids[i] end
              for at = first, #argv do
                local best, bf, bs = 1, flight[1], selected[1]
                for i = 2, k do
                  local f = flight[i]
                  if f < bf or (f == bf and selected[i] < bs) then best, bf, bs = i, f, selected[i] end
                end
                flight[best], selected[best] = bf + 1, bs + 1
                holds[nh + 1], holds[nh + 2] = deadline, argv[at] .. suffix[best]
                nh = nh + 2
                answers[at - first + 1] = ids[best]
              end
            else
              -- The long form: limits checked per candidate (the GCRA rule of `rateWait` and `charge`).
              for at = first, #ARGV, 2 do
                local cost = tonumber(ARGV[at + 1])
                local best = nil
                for i = 1, k do
                  local free = slots[i] == 0 or flight[i] < slots[i]
                  if free and rpm[i] > 0 and math.max(requests[i], now) + 60000 / rpm[i] - now - 60000 > 0 then free = false end
                  if free and tpm[i] > 0 and cost > 0 and tokens[i] > now
                     and math.max(tokens[i], now) + cost * 60000 / tpm[i] - now - 60000 > 0 then free = false end
                  if free and (best == nil or flight[i] < flight[best] or (flight[i] == flight[best] and selected[i] < selected[best])) then best = i end
                end
                if best == nil then fast = false break end
                flight[best], selected[best] = flight[best] + 1, selected[best] + 1
                if rpm[best] > 0 then requests[best] = math.max(requests[best], now) + 60000 / rpm[best] end
                if tpm[best] > 0 and cost > 0 then tokens[best] = math.max(tokens[best], now) + cost * 60000 / tpm[best] end
                holds[#holds + 1] = deadline
                holds[#holds + 1] = ARGV[at] .. '|' .. ids[best]
                answers[#answers + 1] = ids[best]
              end
            end
            if fast then
              local writes = {}
              for i = 1, k do
                writes[#writes + 1] = 'f:' .. ids[i]
                writes[#writes + 1] = flight[i]
                writes[#writes + 1] = 's:' .. ids[i]
                writes[#writes + 1] = selected[i]
                if rpm[i] > 0 then
                  writes[#writes + 1] = 'r:' .. ids[i]
                  writes[#writes + 1] = string.format('%.17g', requests[i])
                end
                if tpm[i] > 0 and tokens[i] > 0 then
                  writes[#writes + 1] = 't:' .. ids[i]
                  writes[#writes + 1] = string.format('%.17g', tokens[i])
                end
              end
              redis.call('HSET', KEYS[1], unpack(writes))
              redis.call('ZADD', KEYS[2], unpack(holds))
              return answers
            end
          end
        end

        """

    /// Chooses providers and records the holds, atomically; or queues callers — every acquisition of one worker's
    /// loop iteration for the model in one call, in order (a later one sees what an earlier one took). `ARGV`:
    /// lease milliseconds, the waiters' pub/sub channel, the queue bound, the model's provider count; then per
    /// acquisition: owner token, strategy (`balanced`, `round_robin`, `first_available`, `weighted`,
    /// `dynamic_weighted`, `pick <draw>` — `random` and `real_time_metrics` under limits: the free candidate the
    /// worker's draw in [0, 1) falls on, each candidate as wide as its weight —, `record` to take the only
    /// candidate as chosen elsewhere, or `pump`), wait milliseconds
    /// (0 = never wait), priority (0 high, 1 normal, 2 low) and the candidate count k, followed by the candidates in
    /// configuration order. With k > 0 each candidate is eight values: id, index in the model's provider list, slots
    /// (`max_concurrency`, or `nworkers` under `first_available`; 0 = unlimited), weight, tier (0 = this worker
    /// sees the circuit closed, 1 = open), rpm, tpm (0 = no limit) and the request's token reservation; with k < 0,
    /// −k candidates of two values, id and index (no limits, weight 1, tier 0: the common case, shorter to send).
    ///
    /// A candidate at a limit (slots, rpm, tpm) or cooling down is not free; one whose shared circuit is open counts
    /// as tier 1. Candidates of tier 0 are preferred; tier 1 is tried only when tier 0 yields nothing (as the
    /// in-memory selector does). Before choosing, free capacity goes to waiters already queued (first come, first
    /// served).
    ///
    /// Returns one answer per acquisition: the chosen provider id (its buckets charged); `{'queued', <queue
    /// length>, <ms until a rate limit refills, 0 = only a release helps>}` when the caller now waits; `{'full',
    /// <limit>}` when the queue is full; `false` when nothing is free and the caller may not wait. Strategy `pump`
    /// only hands what has refilled to the waiters and answers `{'pumped', <ms until the next refill>}`.
    static let acquire = RedisScript(acquireFastPath + prelude + """
        local lease, channel, limit, total = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
        -- The token reservation of the acquisition being answered: its own for a shared-candidate entry (for the
        -- candidates with a tpm limit), else each candidate's.
        local entryCost = nil
        local function costOf(x)
          if entryCost then return x.tpm > 0 and entryCost or 0 end
          return x.cost
        end
        -- Expired holds matter where they take up a slot: purged when a candidate looks full (and by every renewal).
        local purged = false
        local function free(x, limited)
          if x.slots > 0 and num(names(x.id).f) >= x.slots then
            if purged then return false end
            purged = true
            purge()
            if num(names(x.id).f) >= x.slots then return false end
          end
          return not limited or rateWait(x.id, x.rpm, x.tpm, costOf(x)) <= 0
        end
        -- Milliseconds until a rate limit or cool-down of some candidate lets a request in (nil: only a release
        -- can help, or nothing is rate-limited).
        local function refill(c)
          local soonest = nil
          for i = 1, #c do
            local x = c[i]
            if x.slots == 0 or num(names(x.id).f) < x.slots then
              local w = rateWait(x.id, x.rpm, x.tpm, costOf(x))
              if w > 0 and (soonest == nil or w < soonest) then soonest = w end
            end
          end
          return soonest
        end
        -- Smooth weighted round robin over the free candidates of tier `tier` (counters in fields `<prefix><id>`).
        local function swrr(c, limited, tier, prefix, weights)
          local best, sum, current = nil, 0, {}
          for i = 1, #c do
            if c[i].tier <= tier and free(c[i], limited) then
              current[i] = num(prefix .. c[i].id) + weights[i]
              sum = sum + weights[i]
              if best == nil or current[i] > current[best] then best = i end
            end
          end
          if best then
            current[best] = current[best] - sum
            for i, value in pairs(current) do put(prefix .. c[i].id, value) end
          end
          return best
        end
        local function pick(strategy, c, limited, tier)
          local n = #c
          if strategy == 'record' then
            if n > 0 then return 1 end
            return nil
          elseif strategy == 'first_available' then
            for i = 1, n do
              if c[i].tier <= tier and free(c[i], limited) then return i end
            end
            return nil
          elseif strategy == 'round_robin' then
            local start = num('rr')
            local best, bestStep = nil, nil
            for i = 1, n do
              if c[i].tier <= tier and free(c[i], limited) then
                local step = (c[i].index - start) % total
                if best == nil or step < bestStep then best, bestStep = i, step end
              end
            end
            if best then put('rr', (c[best].index + 1) % total) end
            return best
          elseif strategy == 'weighted' then
            local weights = {}
            for i = 1, n do weights[i] = c[i].weight end
            return swrr(c, limited, tier, 'w:', weights)
          elseif strategy == 'dynamic_weighted' then
            local averages, sum, sampled = {}, 0, 0
            for i = 1, n do
              local average = tonumber(get(names(c[i].id).l))
              if average then
                averages[i] = math.max(average, 1)
                sum, sampled = sum + 1 / averages[i], sampled + 1
              end
            end
            local mean = sampled > 0 and sum / sampled or 1
            local weights = {}
            for i = 1, n do
              weights[i] = averages[i] == nil and c[i].weight or c[i].weight * math.max((1 / averages[i]) / mean, 0.05)
            end
            return swrr(c, limited, tier, 'd:', weights)
          elseif string.sub(strategy, 1, 5) == 'pick ' then
            -- `random` / `real_time_metrics` with limits: the worker's draw (uniform in [0, 1), after the space)
            -- over the free candidates in order, each as wide as its weight (the worker's score; 1 each for
            -- `random`); uniform among them when every weight is 0.
            local draw, open, sum = tonumber(string.sub(strategy, 6)) or 0, {}, 0
            for i = 1, n do
              if c[i].tier <= tier and free(c[i], limited) then
                open[#open + 1] = i
                sum = sum + math.max(c[i].weight, 0)
              end
            end
            if #open == 0 then return nil end
            if sum <= 0 then return open[math.min(math.floor(draw * #open) + 1, #open)] end
            local left = draw * sum
            for _, i in ipairs(open) do
              left = left - math.max(c[i].weight, 0)
              if left < 0 then return i end
            end
            return open[#open]
          else
            local best, bestFlight, bestSelections = nil, 0, 0
            for i = 1, n do
              if c[i].tier <= tier and free(c[i], limited) then
                local flight, selected = num(names(c[i].id).f), num(names(c[i].id).s)
                if best == nil or flight < bestFlight or (flight == bestFlight and selected < bestSelections) then
                  best, bestFlight, bestSelections = i, flight, selected
                end
              end
            end
            return best
          end
        end
        local function acquireOne(owner, strategy, wait, priority, c, cost)
          entryCost = cost
          local n = #c
          local limited = false
          for i = 1, n do
            local x = c[i]
            local circuit = get(names(x.id).c)
            x.eligible = x.slots > 0 or x.rpm > 0 or x.tpm > 0 or get(names(x.id).k) or circuit
            if x.eligible then limited = true end
            if x.tier == 0 and circuit and tonumber(string.match(circuit, ':(%d+)$')) > clock() then x.tier = 1 end
          end
          if (wait > 0 or strategy == 'pump') and hasQueue() then
            for i = 1, n do
              while c[i].eligible and free(c[i], limited) and handoff(c[i].id) do end
            end
          end
          if strategy == 'pump' then return {'pumped', math.ceil(refill(c) or 0)} end
          local function take(chosen)
            local x = c[chosen]
            hold(owner, x.id, lease)
            charge(x.id, x.rpm, x.tpm, costOf(x))
            return x.id
          end
          local chosen = pick(strategy, c, limited, 0)
          if chosen == nil then chosen = pick(strategy, c, limited, 1) end
          if chosen ~= nil then return take(chosen) end
          if wait <= 0 then return false end
          if not purged then
            -- About to wait: make sure no expired hold takes the place.
            purged = true
            purge()
            chosen = pick(strategy, c, limited, 1)
            if chosen ~= nil then return take(chosen) end
          end
          local length = redis.call('ZCARD', queue)
          if length >= limit then return {'full', limit} end
          local eligible, any = {}, false
          for i = 1, n do
            if c[i].eligible then
              eligible[c[i].id], any = {s = c[i].slots, r = c[i].rpm, t = c[i].tpm, c = costOf(c[i])}, true
            end
          end
          if not any then return false end
          put('q', num('q') + 1)
          redis.call('ZADD', queue, priority * 10000000000000 + num('q'), owner)
          redis.call('HSET', waiting, owner, cjson.encode({d = clock() + wait, l = lease, c = channel, p = eligible}))
          queued = true
          return {'queued', length + 1, math.ceil(refill(c) or 0)}
        end
        -- Parse every acquisition, and read the fields they need in one HMGET.
        local entries, fields, seen = {}, {}, {}
        -- `k` candidates from ARGV[at] on: eight values each (`long`) or two (id and index, no limits); the next
        -- index. Each provider's fields are asked for once.
        local function readCandidates(at, k, long)
          local c = {}
          for i = 1, k do
            if long then
              c[i] = {id = ARGV[at], index = tonumber(ARGV[at + 1]), slots = tonumber(ARGV[at + 2]), weight = tonumber(ARGV[at + 3]),
                      tier = tonumber(ARGV[at + 4]), rpm = tonumber(ARGV[at + 5]), tpm = tonumber(ARGV[at + 6]), cost = tonumber(ARGV[at + 7])}
              at = at + 8
            else
              c[i] = {id = ARGV[at], index = tonumber(ARGV[at + 1]), slots = 0, weight = 1, tier = 0, rpm = 0, tpm = 0, cost = 0}
              at = at + 2
            end
            local id = c[i].id
            if not seen[id] then
              seen[id] = true
              local n = names(id)
              fields[#fields + 1] = n.f
              fields[#fields + 1] = n.s
              fields[#fields + 1] = n.c
              fields[#fields + 1] = n.k
              if c[i].rpm > 0 then fields[#fields + 1] = n.r end
              if c[i].tpm > 0 then fields[#fields + 1] = n.t end
            end
          end
          return c, at
        end
        local at = 5
        if ARGV[5] == '*' or ARGV[5] == '+' then
          -- A batch whose entries share one candidate list (sent once): `*` — the plain batch the short path passed
          -- on — owners of balanced acquisitions over short-form candidates; `+` owners and token reservations of
          -- balanced acquisitions over long-form candidates (limits). The entries share the candidates' tables.
          local long = ARGV[5] == '+'
          local shared
          shared, at = readCandidates(7, math.abs(tonumber(ARGV[6])), long)
          while at <= #ARGV do
            entries[#entries + 1] = {ARGV[at], 'balanced', 0, 1, shared, long and tonumber(ARGV[at + 1]) or 0}
            at = at + (long and 2 or 1)
          end
        end
        while at <= #ARGV do
          local owner, strategy, wait, priority, k = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
          local c
          c, at = readCandidates(at + 5, math.abs(k), k >= 0)
          entries[#entries + 1] = {owner, strategy, wait, priority, c}
        end
        load(fields)
        local answers = {}
        for i, e in ipairs(entries) do answers[i] = acquireOne(e[1], e[2], e[3], e[4], e[5], e[6]) end
        recordHolds()
        flush()
        return answers
        """)

    /// The common case of ``release``, ahead of the general script: a *plain batch* — `ARGV[3]` is `*`, then per
    /// provider its id, the count of its holds and their members `<owner token>|<provider id>` — of successful
    /// attempts (health 1, no latency sample, no settlement, no hand-off). When nobody waits in the queue and no
    /// provider involved has a circuit on record, it ends the live holds and gives back their counts with one
    /// `EXISTS`, one `HMGET`, one `ZREM` per provider (its reply counts the live holds among the members: a hold
    /// ended before, expired or sent twice counts once or not at all) and one `HSET`; otherwise it falls through to
    /// the general path, having written nothing. The members go to `ZREM` as sent (`unpack` of a range of `ARGV`):
    /// the script builds no string per hold.
    private static let releaseFastPath = """
        if ARGV[3] == '*' and redis.call('EXISTS', KEYS[3]) == 0 then
          local n = #ARGV
          local ids, counts, from, fields = {}, {}, {}, {}
          local at = 4
          while at <= n do
            local j, count = #ids + 1, tonumber(ARGV[at + 1])
            ids[j], counts[j], from[j] = ARGV[at], count, at + 2
            fields[2 * j - 1], fields[2 * j] = 'f:' .. ARGV[at], 'c:' .. ARGV[at]
            at = at + 2 + count
          end
          local values = redis.call('HMGET', KEYS[1], unpack(fields))
          local fast = true
          for j = 1, #ids do
            if values[2 * j] then fast = false break end
          end
          if fast then
            local released, writes = 0, {}
            for j = 1, #ids do
              local gone = redis.call('ZREM', KEYS[2], unpack(ARGV, from[j], from[j] + counts[j] - 1))
              released = released + gone
              writes[2 * j - 1], writes[2 * j] = fields[2 * j - 1], math.max((tonumber(values[2 * j - 1]) or 0) - gone, 0)
            end
            if released > 0 then redis.call('HSET', KEYS[1], unpack(writes)) end
            return released
          end
        end

        """

    /// Ends holds or waits, owner-exact and idempotent — every release of one worker's loop iteration for one model
    /// in one call: for each entry, ends the hold of the owner on the provider (passing the unit on to the next
    /// waiter) and records the attempt's outcome in the provider's shared circuit and latency; or, without a
    /// provider, takes a waiter that gives up out of the queue (ending a hold it was handed meanwhile). `ARGV`: base
    /// and maximum circuit cool-down (milliseconds), then six values per entry: owner token (empty: a settlement
    /// only); provider id (empty: a waiter giving up; `=<id>`: a hold that came by a hand-off); health (0 = says
    /// nothing, 1 = healthy: close the circuit, 2 = unhealthy: open it); latency sample (0 = none, 1 = timed, 2 =
    /// penalty: twice the slowest average of the model); observed milliseconds; the milliseconds the provider's
    /// token bucket moves by (a TPM reservation settled on the real usage; 0 = none). Returns how many holds were
    /// live (released before, expired or never recorded ones count nothing).
    static let release = RedisScript(releaseFastPath + prelude + """
        local base, longest = tonumber(ARGV[1]), tonumber(ARGV[2])
        local argv = ARGV
        if ARGV[3] == '*' then
          -- A plain batch the short path passed on: each member is a successful attempt's hold.
          argv = {ARGV[1], ARGV[2]}
          local at = 4
          while at <= #ARGV do
            local id, count = ARGV[at], tonumber(ARGV[at + 1])
            for i = at + 2, at + 1 + count do
              for _, value in ipairs({string.sub(ARGV[i], 1, #ARGV[i] - #id - 1), id, '1', '0', '0', '0'}) do
                argv[#argv + 1] = value
              end
            end
            at = at + 2 + count
          end
        end
        -- Read at once: the counts and circuits of the providers, and which holds are live.
        local fields, seen, members, handed = {}, {}, {}, {}
        for i = 3, #argv, 6 do
          local id = argv[i + 1]
          if string.sub(id, 1, 1) == '=' then
            id = string.sub(id, 2)
            handed[i] = true
          end
          if id ~= '' and not seen[id] then
            seen[id] = true
            fields[#fields + 1] = names(id).f
            fields[#fields + 1] = names(id).c
          end
          if argv[i] ~= '' and id ~= '' then members[#members + 1] = argv[i] .. '|' .. id end
        end
        load(fields)
        local live = {}
        if #members == 1 then
          live[members[1]] = redis.call('ZREM', leases, members[1]) == 1
        elseif #members > 1 then
          local scores = redis.call('ZMSCORE', leases, unpack(members))
          local gone = {}
          for j = 1, #members do
            if scores[j] then
              live[members[j]] = true
              gone[#gone + 1] = members[j]
            end
          end
          if #gone > 0 then redis.call('ZREM', leases, unpack(gone)) end
        end
        local function releaseOne(i, owner, id, health, sample, observed)
          if id == '' then
            -- A waiter giving up: out of the queue, or the hold it was handed meanwhile ends.
            local entry = redis.call('HGET', waiting, owner)
            if not entry then return 0 end
            if string.sub(entry, 1, 1) == '=' then return unhold(owner .. '|' .. string.sub(entry, 2)) and 1 or 0 end
            redis.call('ZREM', queue, owner)
            redis.call('HDEL', waiting, owner)
            return 0
          end
          local member = owner .. '|' .. id
          if not live[member] then return 0 end
          live[member] = nil
          ended(owner, id, handed[i])
          if health == 2 then
            local failures = tonumber(string.match(get(names(id).c) or '0:0', '^(%d+):')) + 1
            local cooldown = base
            for _ = 2, failures do
              if cooldown < longest then cooldown = cooldown * 2 end
            end
            cooldown = math.min(cooldown, longest)
            put(names(id).c, failures .. ':' .. (clock() + cooldown))
          elseif health == 1 and get(names(id).c) then
            redis.call('HDEL', state, names(id).c)
            cache[names(id).c] = false
            dirty[names(id).c] = nil
          end
          if sample > 0 then
            if sample == 2 then
              local slowest = math.max(observed, 1)
              local all = redis.call('HGETALL', state)
              for j = 1, #all, 2 do
                if string.sub(all[j], 1, 2) == 'l:' then slowest = math.max(slowest, tonumber(all[j + 1])) end
              end
              observed = 2 * slowest
            end
            local previous = tonumber(get(names(id).l))
            local average = previous and (0.3 * observed + 0.7 * previous) or observed
            put(names(id).l, string.format('%.6g', average))
          end
          return 1
        end
        local released = 0
        for i = 3, #argv, 6 do
          local id = argv[i + 1]
          if handed[i] then id = string.sub(id, 2) end
          if argv[i] ~= '' then
            released = released + releaseOne(i, argv[i], id, tonumber(argv[i + 2]), tonumber(argv[i + 3]), tonumber(argv[i + 4]))
          end
          -- A TPM reservation settled on the real usage: the provider's token bucket moves by the difference.
          local shift = tonumber(argv[i + 5])
          if id ~= '' and shift ~= 0 then
            local tat = num(names(id).t)
            if tat > 0 then put(names(id).t, tat + shift) end
          end
        end
        recordHolds()
        flush()
        return released
        """)

    /// Ends every hold and wait of one worker in one model, as ``release`` would end each: for a worker that died
    /// without releasing (`kill -9`, a crash), run by its supervisor. `ARGV[1]` the worker's owner-token prefix
    /// `<instance id>:<worker pid>:` (the trailing colon keeps pid 12 from matching pid 123). Only live holds give
    /// back a count, so a repeat (or a race with the worker's own release) changes nothing and counts never go
    /// negative. Walks the model's holds and queue (`ZRANGE`, no `KEYS`); returns how many holds were ended.
    static let releaseWorker = RedisScript(prelude + """
        purge()
        local prefix = ARGV[1]
        local length = #prefix
        for _, token in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
          if string.sub(token, 1, length) == prefix then
            redis.call('ZREM', queue, token)
            redis.call('HDEL', waiting, token)
          end
        end
        local count = 0
        for _, member in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
          if string.sub(member, 1, length) == prefix and unhold(member) then count = count + 1 end
        end
        recordHolds()
        flush()
        return count
        """)

    /// Cools provider `ARGV[1]` of the model for `ARGV[2]` milliseconds from now (it asked with `Retry-After` or a
    /// 429): no router chooses it until then; a shorter cool-down never shortens a longer one.
    static let coolDown = RedisScript(prelude + """
        local field, ends = names(ARGV[1]).k, clock() + tonumber(ARGV[2])
        if ends > num(field) then put(field, ends) end
        flush()
        return 1
        """)

    /// Pushes back the deadline of a worker's live holds of one model. `ARGV[1]` lease milliseconds, then the holds'
    /// members (`<owner token>|<provider id>`). Holds that are gone (expired and purged, released) stay gone (`ZADD
    /// XX`). Returns how many were renewed.
    static let renew = RedisScript(prelude + """
        purge()
        local deadline = clock() + tonumber(ARGV[1])
        local renewed = 0
        for i = 2, #ARGV do
          renewed = renewed + redis.call('ZADD', leases, 'XX', 'CH', deadline, ARGV[i])
        end
        recordHolds()
        flush()
        return renewed
        """)
}
