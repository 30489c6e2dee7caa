import SwitchyardRedis

/// The Lua scripts of the shared selector. Each touches the keys of one model only (one `{model}` hash slot, see
/// ``RedisKeys``), and every script takes all of them, in this `KEYS` order (``keySuffixes``):
///
/// ```
/// KEYS[1] <prefix>{<model>}:holds       sorted set: owner token → expiry (Redis TIME, milliseconds)
/// KEYS[2] <prefix>{<model>}:holders     hash: owner token → provider id
/// KEYS[3] <prefix>{<model>}:inflight    hash: provider id → holds not yet released (or expired)
/// KEYS[4] <prefix>{<model>}:selections  hash: provider id → selections ever
/// KEYS[5] <prefix>{<model>}:cursor      hash: `rr` → round-robin cursor; `w:<id>` / `d:<id>` → smooth WRR
///                                       counters (weighted / dynamic_weighted); `q` → queue arrival counter
/// KEYS[6] <prefix>{<model>}:queue       sorted set: waiting owner token → priority × 10^13 + arrival number
/// KEYS[7] <prefix>{<model>}:waiting     hash: waiting owner token → JSON {d: deadline, l: lease ms, c: channel,
///                                       p: {provider id: slots}} (the providers it may take)
/// KEYS[8] <prefix>{<model>}:circuits    hash: provider id → "<consecutive failures>:<open until, ms>"
/// KEYS[9] <prefix>{<model>}:latency     hash: provider id → moving average of its latency, milliseconds
/// ```
///
/// An owner token is `<instance id>:<worker pid>:<counter>`. The acquire, renew and dead-worker scripts first purge
/// the model's expired holds (at most 256 per call, so a call stays short), giving back their in-flight counts: the
/// holds of a router that vanished free themselves once their deadline passes (a release has no need to: the next
/// acquisition purges before it counts). Counts only ever move together with a holder entry, so they
/// never go negative and a repeated release changes nothing.
///
/// **Waiting.** When no candidate has a free slot and the caller may wait, the acquire script puts the owner in
/// the model's queue. Whenever a hold ends (release, expiry, a dead worker's holds), the freed unit of that
/// provider goes to the first waiter (by priority, then arrival) that may take it: the script records the hold for
/// the waiter and `PUBLISH`es `<owner>|<provider id>|<Redis time, µs>` on the waiter's channel — a hand-off, no
/// polling. A waiter that gives up is removed by the release script (which also ends a hold it was handed in the
/// meantime, passing it on). Waiters whose deadline passed are dropped when met.
enum CoordinationScripts {
    /// The key suffixes of one model, in `KEYS` order.
    static let keySuffixes = ["holds", "holders", "inflight", "selections", "cursor", "queue", "waiting", "circuits", "latency"]

    /// Shared by every script: key names, `now` (milliseconds from Redis `TIME`, the one clock all routers
    /// share), the hand-off, and the purge of expired holds.
    private static let prelude = """
        local holds, holders, inflight, selections, cursor = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
        local queue, waiting, circuits, latency = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local function count(hash, id) return tonumber(redis.call('HGET', hash, id) or '0') end
        local function hold(owner, id, lease)
          redis.call('HINCRBY', inflight, id, 1)
          redis.call('HINCRBY', selections, id, 1)
          redis.call('HSET', holders, owner, id)
          redis.call('ZADD', holds, now + lease, owner)
        end
        -- Rate limits are GCRA buckets (burst of a minute's allowance, refilled continuously): the theoretical
        -- arrival time of provider `id` is `cursor` field `r:<id>` (requests) or `t:<id>` (tokens), milliseconds.
        -- Milliseconds until `id` admits one request of `cost` tokens under `rpm` / `tpm` (0 = no limit) and its
        -- cool-down (`circuits` field `cool:<id>`); 0 when it admits it now.
        local function rateWait(id, rpm, tpm, cost)
          local wait = 0
          if rpm > 0 then
            local tat = math.max(tonumber(redis.call('HGET', cursor, 'r:' .. id) or '0'), now)
            wait = math.max(wait, tat + 60000 / rpm - now - 60000)
          end
          if tpm > 0 and cost > 0 then
            local tat = math.max(tonumber(redis.call('HGET', cursor, 't:' .. id) or '0'), now)
            -- A request larger than a minute's allowance goes when the bucket is full.
            if tat > now then wait = math.max(wait, tat + cost * 60000 / tpm - now - 60000) end
          end
          local cool = redis.call('HGET', circuits, 'cool:' .. id)
          if cool then wait = math.max(wait, tonumber(cool) - now) end
          return wait
        end
        -- Takes one request of `cost` tokens out of `id`'s buckets.
        local function charge(id, rpm, tpm, cost)
          if rpm > 0 then
            local tat = math.max(tonumber(redis.call('HGET', cursor, 'r:' .. id) or '0'), now)
            redis.call('HSET', cursor, 'r:' .. id, string.format('%.17g', tat + 60000 / rpm))
          end
          if tpm > 0 and cost > 0 then
            local tat = math.max(tonumber(redis.call('HGET', cursor, 't:' .. id) or '0'), now)
            redis.call('HSET', cursor, 't:' .. id, string.format('%.17g', tat + cost * 60000 / tpm))
          end
        end
        -- Gives one unit of provider `id` to the first waiter that may take it; true when one did.
        local function handoff(id)
          if redis.call('EXISTS', queue) == 0 then return false end
          for _, owner in ipairs(redis.call('ZRANGE', queue, 0, 63)) do
            local entry = redis.call('HGET', waiting, owner)
            local waiter = entry and cjson.decode(entry)
            if waiter == nil or waiter.d <= now then
              redis.call('ZREM', queue, owner)
              redis.call('HDEL', waiting, owner)
            else
              local limits = waiter.p[id]
              if limits and (limits.s == 0 or count(inflight, id) < limits.s) and rateWait(id, limits.r, limits.t, limits.c) <= 0 then
                redis.call('ZREM', queue, owner)
                redis.call('HDEL', waiting, owner)
                hold(owner, id, waiter.l)
                charge(id, limits.r, limits.t, limits.c)
                redis.call('PUBLISH', waiter.c, owner .. '|' .. id .. '|' .. time[1] .. string.format('%06d', tonumber(time[2])))
                return true
              end
            end
          end
          return false
        end
        -- The hold of `owner` ends (if it is live); its unit goes to a waiter.
        local function unhold(owner)
          local id = redis.call('HGET', holders, owner)
          redis.call('ZREM', holds, owner)
          if not id then return nil end
          redis.call('HDEL', holders, owner)
          if count(inflight, id) > 0 then redis.call('HINCRBY', inflight, id, -1) end
          handoff(id)
          return id
        end
        -- Ends the model's expired holds (at most 256 per call, so a call stays short).
        local function purge()
          for _, owner in ipairs(redis.call('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, 256)) do
            unhold(owner)
          end
        end

        """

    /// Chooses a provider and records the hold, atomically; or queues the caller. `ARGV`: lease milliseconds, owner
    /// token, strategy (`balanced`, `round_robin`, `first_available`, `weighted`, `dynamic_weighted`, or `record`
    /// to take the only candidate as chosen elsewhere), the model's provider count, wait milliseconds (0 = never
    /// wait), the waiter's pub/sub channel, priority (0 high, 1 normal, 2 low), queue bound, then eight values per
    /// candidate in configuration order: id, index in the model's provider list, slots (`max_concurrency`, or
    /// `nworkers` under `first_available`; 0 = unlimited), weight, tier (0 = this worker sees the circuit closed,
    /// 1 = open), rpm, tpm (0 = no limit) and the request's token reservation. A candidate at a limit (slots, rpm,
    /// tpm) or cooling down is not free; one whose shared circuit is open counts as tier 1. A candidate whose shared circuit is open counts as
    /// tier 1. Candidates of tier 0 are preferred; tier 1 is tried only when tier 0 yields nothing (as the
    /// in-memory selector does).
    ///
    /// Before choosing, free capacity goes to waiters already queued (first come, first served). Returns the chosen
    /// provider id (its buckets charged); `{'queued', <queue length>, <ms until a rate limit refills, 0 = only a
    /// release helps>}` when the caller now waits; `{'full', <limit>}` when the queue is full; `false` when nothing
    /// is free and the caller may not wait. Strategy `pump` only hands what has refilled to the waiters and answers
    /// `{'pumped', <ms until the next refill>}`.
    static let acquire = RedisScript(prelude + """
        purge()
        local lease, owner, strategy, total = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
        local wait, channel, priority, limit = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
        local ids, index, slots, weights, tiers, rpms, tpms, costs = {}, {}, {}, {}, {}, {}, {}, {}
        local n = 0
        local shared = redis.call('EXISTS', circuits) == 1
        local limited = false
        for i = 9, #ARGV, 8 do
          n = n + 1
          ids[n], index[n], slots[n] = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
          weights[n], tiers[n] = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
          rpms[n], tpms[n], costs[n] = tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6]), tonumber(ARGV[i + 7])
          if rpms[n] > 0 or tpms[n] > 0 or shared then limited = true end
          if shared and tiers[n] == 0 then
            local circuit = redis.call('HGET', circuits, ids[n])
            if circuit and tonumber(string.match(circuit, ':(%d+)$')) > now then tiers[n] = 1 end
          end
        end
        local function free(i)
          if slots[i] > 0 and count(inflight, ids[i]) >= slots[i] then return false end
          return not limited or rateWait(ids[i], rpms[i], tpms[i], costs[i]) <= 0
        end
        -- Milliseconds until a rate limit or cool-down of some candidate lets a request in (nil: only a release
        -- can help, or nothing is rate-limited).
        local function refill()
          local soonest = nil
          for i = 1, n do
            if slots[i] == 0 or count(inflight, ids[i]) < slots[i] then
              local w = rateWait(ids[i], rpms[i], tpms[i], costs[i])
              if w > 0 and (soonest == nil or w < soonest) then soonest = w end
            end
          end
          return soonest
        end
        if (wait > 0 or strategy == 'pump') and redis.call('EXISTS', queue) == 1 then
          for i = 1, n do
            while (slots[i] > 0 or rpms[i] > 0 or tpms[i] > 0 or shared) and free(i) and handoff(ids[i]) do end
          end
        end
        if strategy == 'pump' then return {'pumped', math.ceil(refill() or 0)} end
        local function swrr(tier, prefix, weight)
          local best, sum, current = nil, 0, {}
          for i = 1, n do
            if tiers[i] <= tier and free(i) then
              current[i] = tonumber(redis.call('HGET', cursor, prefix .. ids[i]) or '0') + weight(i)
              sum = sum + weight(i)
              if best == nil or current[i] > current[best] then best = i end
            end
          end
          if best then
            current[best] = current[best] - sum
            for i, value in pairs(current) do
              redis.call('HSET', cursor, prefix .. ids[i], string.format('%.17g', value))
            end
          end
          return best
        end
        local function pick(tier)
          if strategy == 'record' then
            if n > 0 then return 1 end
            return nil
          elseif strategy == 'first_available' then
            for i = 1, n do
              if tiers[i] <= tier and free(i) then return i end
            end
            return nil
          elseif strategy == 'round_robin' then
            local start = tonumber(redis.call('HGET', cursor, 'rr') or '0')
            local best, bestStep = nil, nil
            for i = 1, n do
              if tiers[i] <= tier and free(i) then
                local step = (index[i] - start) % total
                if best == nil or step < bestStep then best, bestStep = i, step end
              end
            end
            if best then redis.call('HSET', cursor, 'rr', (index[best] + 1) % total) end
            return best
          elseif strategy == 'weighted' then
            return swrr(tier, 'w:', function(i) return weights[i] end)
          elseif strategy == 'dynamic_weighted' then
            local averages, sum, sampled = {}, 0, 0
            for i = 1, n do
              local average = redis.call('HGET', latency, ids[i])
              if average then
                averages[i] = math.max(tonumber(average), 1)
                sum, sampled = sum + 1 / averages[i], sampled + 1
              end
            end
            local mean = sampled > 0 and sum / sampled or 1
            return swrr(tier, 'd:', function(i)
              if averages[i] == nil then return weights[i] end
              return weights[i] * math.max((1 / averages[i]) / mean, 0.05)
            end)
          else
            local best, bestFlight, bestSelections = nil, 0, 0
            for i = 1, n do
              if tiers[i] <= tier and free(i) then
                local flight, selected = count(inflight, ids[i]), count(selections, ids[i])
                if best == nil or flight < bestFlight or (flight == bestFlight and selected < bestSelections) then
                  best, bestFlight, bestSelections = i, flight, selected
                end
              end
            end
            return best
          end
        end
        local chosen = pick(0)
        if chosen == nil then chosen = pick(1) end
        if chosen ~= nil then
          hold(owner, ids[chosen], lease)
          charge(ids[chosen], rpms[chosen], tpms[chosen], costs[chosen])
          return ids[chosen]
        end
        if wait <= 0 then return false end
        local length = redis.call('ZCARD', queue)
        if length >= limit then return {'full', limit} end
        local eligible, any = {}, false
        for i = 1, n do
          if slots[i] > 0 or rpms[i] > 0 or tpms[i] > 0 or shared then
            eligible[ids[i]], any = {s = slots[i], r = rpms[i], t = tpms[i], c = costs[i]}, true
          end
        end
        if not any then return false end
        local arrival = redis.call('HINCRBY', cursor, 'q', 1)
        redis.call('ZADD', queue, priority * 10000000000000 + arrival, owner)
        redis.call('HSET', waiting, owner, cjson.encode({d = now + wait, l = lease, c = channel, p = eligible}))
        return {'queued', length + 1, math.ceil(refill() or 0)}
        """)

    /// Ends holds or waits, owner-exact and idempotent — every release of one worker's loop iteration for one model
    /// in one call: for each owner, removes it from the queue, or ends the hold it has (one handed to it while it was
    /// giving up included), passing the unit on to the next waiter, and records the attempt's outcome in the shared
    /// circuit and latency of the provider. `ARGV`: base and maximum circuit cool-down (milliseconds), then six
    /// values per entry: owner token (empty: no hold to end); health (0 = says nothing, 1 = healthy: close the
    /// circuit, 2 = unhealthy: open it); latency sample (0 = none, 1 = timed, 2 = penalty: twice the slowest
    /// average of the model); observed milliseconds; a provider id and the milliseconds its token bucket moves by
    /// (a TPM reservation settled on the real usage; empty id: none). Returns how many holds were live (released before, expired or never recorded ones
    /// count nothing).
    static let release = RedisScript(prelude + """
        local base, longest = tonumber(ARGV[1]), tonumber(ARGV[2])
        local function releaseOne(owner, health, sample, observed)
          local id = unhold(owner)
          if not id then
            -- No hold: a waiter giving up (a hand-off takes the waiter out of the queue before it records the hold).
            redis.call('ZREM', queue, owner)
            redis.call('HDEL', waiting, owner)
            return 0
          end
          if health == 2 then
            local failures = tonumber(string.match(redis.call('HGET', circuits, id) or '0:0', '^(%d+):')) + 1
            local cooldown = base
            for _ = 2, failures do
              if cooldown < longest then cooldown = cooldown * 2 end
            end
            cooldown = math.min(cooldown, longest)
            redis.call('HSET', circuits, id, failures .. ':' .. (now + cooldown))
          elseif health == 1 and redis.call('EXISTS', circuits) == 1 then
            redis.call('HDEL', circuits, id)
          end
          if sample > 0 then
            if sample == 2 then
              local slowest = math.max(observed, 1)
              for _, value in ipairs(redis.call('HVALS', latency)) do slowest = math.max(slowest, tonumber(value)) end
              observed = 2 * slowest
            end
            local previous = redis.call('HGET', latency, id)
            local average = previous and (0.3 * observed + 0.7 * tonumber(previous)) or observed
            redis.call('HSET', latency, id, string.format('%.6g', average))
          end
          return 1
        end
        local released = 0
        for i = 3, #ARGV, 6 do
          if ARGV[i] ~= '' then
            released = released + releaseOne(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]))
          end
          -- A TPM reservation settled on the real usage: the provider's token bucket moves by the difference.
          local shift = tonumber(ARGV[i + 5])
          if ARGV[i + 4] ~= '' and shift ~= 0 then
            local field = 't:' .. ARGV[i + 4]
            local tat = tonumber(redis.call('HGET', cursor, field) or '0')
            if tat > 0 then redis.call('HSET', cursor, field, string.format('%.17g', tat + shift)) end
          end
        end
        return released
        """)

    /// Ends every hold and wait of one worker in one model, as ``release`` would end each: for a worker that died
    /// without releasing (`kill -9`, a crash), run by its supervisor. `ARGV[1]` the worker's owner-token prefix
    /// `<instance id>:<worker pid>:` (the trailing colon keeps pid 12 from matching pid 123). Only holds with a
    /// holder entry give back a count, so a repeat (or a race with the worker's own release) changes nothing and
    /// counts never go negative. Walks the model's holds and queue (`ZRANGE`, no `KEYS`); returns how many holds
    /// were ended.
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
        local ended = 0
        for _, token in ipairs(redis.call('ZRANGE', holds, 0, -1)) do
          if string.sub(token, 1, length) == prefix and unhold(token) then ended = ended + 1 end
        end
        return ended
        """)

    /// Cools provider `ARGV[1]` of the model for `ARGV[2]` milliseconds from now (it asked with `Retry-After` or a
    /// 429): no router chooses it until then; a shorter cool-down never shortens a longer one.
    static let coolDown = RedisScript(prelude + """
        local field, ends = 'cool:' .. ARGV[1], now + tonumber(ARGV[2])
        local current = tonumber(redis.call('HGET', circuits, field) or '0')
        if ends > current then redis.call('HSET', circuits, field, ends) end
        return 1
        """)

    /// Pushes back the deadline of a worker's live holds of one model. `ARGV[1]` lease milliseconds, then owner
    /// tokens. Holds that are gone (expired and purged, released) stay gone (`ZADD XX`). Returns how many were
    /// renewed.
    static let renew = RedisScript(prelude + """
        purge()
        local deadline = now + tonumber(ARGV[1])
        local renewed = 0
        for i = 2, #ARGV do
          renewed = renewed + redis.call('ZADD', holds, 'XX', 'CH', deadline, ARGV[i])
        end
        return renewed
        """)
}
