import SwitchyardRedis

/// The Lua scripts of the shared selector. Each touches the keys of one model only (one `{model}` hash slot, see
/// ``RedisKeys``), in this `KEYS` order:
///
/// ```
/// KEYS[1] <prefix>{<model>}:holds       sorted set: owner token → expiry (Redis TIME, milliseconds)
/// KEYS[2] <prefix>{<model>}:holders     hash: owner token → provider id
/// KEYS[3] <prefix>{<model>}:inflight    hash: provider id → holds not yet released (or expired)
/// KEYS[4] <prefix>{<model>}:selections  hash: provider id → selections ever
/// KEYS[5] <prefix>{<model>}:cursor      hash: `rr` → round-robin cursor; `w:<provider id>` → smooth WRR counter
/// ```
///
/// An owner token is `<instance id>:<worker pid>:<counter>`. Every script first purges the model's expired holds
/// (at most 256 per call, so a call stays short), giving back their in-flight counts: the holds of a router that
/// vanished free themselves once their deadline passes. Counts only ever move together with a holder entry, so they
/// never go negative and a repeated release changes nothing.
enum CoordinationScripts {
    /// The purge every script starts with; defines `now` (milliseconds from Redis `TIME`, the one clock all routers
    /// share) for the rest of the script.
    private static let prelude = """
        local holds, holders, inflight = KEYS[1], KEYS[2], KEYS[3]
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, 256)
        for _, token in ipairs(expired) do
          local provider = redis.call('HGET', holders, token)
          if provider then
            redis.call('HDEL', holders, token)
            if tonumber(redis.call('HGET', inflight, provider) or '0') > 0 then
              redis.call('HINCRBY', inflight, provider, -1)
            end
          end
          redis.call('ZREM', holds, token)
        end

        """

    /// Chooses a provider and records the hold, atomically. `ARGV`: lease milliseconds, owner token, strategy
    /// (`balanced`, `round_robin`, `first_available`, `weighted`, or `record` to take the only candidate as
    /// chosen elsewhere), the model's provider count, then five values per candidate in configuration order: id,
    /// index in the model's provider list, slots (`nworkers`), weight, tier (0 = circuit closed, 1 = open).
    /// Candidates of tier 0 are preferred; tier 1 is tried only when tier 0 yields nothing (as the in-memory
    /// selector does). Returns the chosen provider id, or `false` when none is free.
    static let acquire = RedisScript(prelude + """
        local selections, cursor = KEYS[4], KEYS[5]
        local lease, owner, strategy, total = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
        local ids, index, slots, weights, tiers = {}, {}, {}, {}, {}
        local n = 0
        for i = 5, #ARGV, 5 do
          n = n + 1
          ids[n], index[n], slots[n] = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
          weights[n], tiers[n] = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
        end
        local function count(hash, id) return tonumber(redis.call('HGET', hash, id) or '0') end
        local function pick(tier)
          if strategy == 'record' then
            if n > 0 then return 1 end
            return nil
          elseif strategy == 'first_available' then
            for i = 1, n do
              if tiers[i] <= tier and count(inflight, ids[i]) < slots[i] then return i end
            end
            return nil
          elseif strategy == 'round_robin' then
            local start = tonumber(redis.call('HGET', cursor, 'rr') or '0')
            local best, bestStep = nil, nil
            for i = 1, n do
              if tiers[i] <= tier then
                local step = (index[i] - start) % total
                if best == nil or step < bestStep then best, bestStep = i, step end
              end
            end
            if best then redis.call('HSET', cursor, 'rr', (index[best] + 1) % total) end
            return best
          elseif strategy == 'weighted' then
            local best, sum, current = nil, 0, {}
            for i = 1, n do
              if tiers[i] <= tier then
                current[i] = tonumber(redis.call('HGET', cursor, 'w:' .. ids[i]) or '0') + weights[i]
                sum = sum + weights[i]
                if best == nil or current[i] > current[best] then best = i end
              end
            end
            if best then
              current[best] = current[best] - sum
              for i, value in pairs(current) do
                redis.call('HSET', cursor, 'w:' .. ids[i], string.format('%.17g', value))
              end
            end
            return best
          else
            local best, bestFlight, bestSelections = nil, 0, 0
            for i = 1, n do
              if tiers[i] <= tier then
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
        if chosen == nil then return false end
        local id = ids[chosen]
        redis.call('HINCRBY', inflight, id, 1)
        redis.call('HINCRBY', selections, id, 1)
        redis.call('HSET', holders, owner, id)
        redis.call('ZADD', holds, now + lease, owner)
        return id
        """)

    /// Ends a hold, owner-exact and idempotent. `KEYS[1...3]`, `ARGV[1]` the owner token. Returns 1 when the hold
    /// was live, 0 when it was not (released before, expired, never recorded).
    static let release = RedisScript(prelude + """
        local owner = ARGV[1]
        local provider = redis.call('HGET', holders, owner)
        redis.call('ZREM', holds, owner)
        if not provider then return 0 end
        redis.call('HDEL', holders, owner)
        if tonumber(redis.call('HGET', inflight, provider) or '0') > 0 then
          redis.call('HINCRBY', inflight, provider, -1)
        end
        return 1
        """)

    /// Ends every hold of one worker in one model, as ``release`` would end each: for a worker that died without
    /// releasing (`kill -9`, a crash), run by its supervisor. `KEYS[1...3]`, `ARGV[1]` the worker's owner-token
    /// prefix `<instance id>:<worker pid>:` (the trailing colon keeps pid 12 from matching pid 123). Only holds
    /// with a holder entry give back a count, so a repeat (or a race with the worker's own release) changes
    /// nothing and counts never go negative. Walks the model's holds (`ZRANGE`, no `KEYS`); returns how many
    /// were ended.
    static let releaseWorker = RedisScript(prelude + """
        local prefix = ARGV[1]
        local length = #prefix
        local ended = 0
        for _, token in ipairs(redis.call('ZRANGE', holds, 0, -1)) do
          if string.sub(token, 1, length) == prefix then
            local provider = redis.call('HGET', holders, token)
            redis.call('ZREM', holds, token)
            if provider then
              redis.call('HDEL', holders, token)
              if tonumber(redis.call('HGET', inflight, provider) or '0') > 0 then
                redis.call('HINCRBY', inflight, provider, -1)
              end
              ended = ended + 1
            end
          end
        end
        return ended
        """)

    /// Pushes back the deadline of a worker's live holds of one model. `KEYS[1...3]`, `ARGV[1]` lease
    /// milliseconds, then owner tokens. Holds that are gone (expired and purged, released) stay gone
    /// (`ZADD XX`). Returns how many were renewed.
    static let renew = RedisScript(prelude + """
        local deadline = now + tonumber(ARGV[1])
        local renewed = 0
        for i = 2, #ARGV do
          renewed = renewed + redis.call('ZADD', holds, 'XX', 'CH', deadline, ARGV[i])
        end
        return renewed
        """)
}
