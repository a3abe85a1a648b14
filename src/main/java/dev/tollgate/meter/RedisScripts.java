package dev.tollgate.meter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts {@link RedisMeter} runs, one per operation, each atomic in Redis.
 *
 * <p>Every amount crosses into Lua as a decimal string and is written back either as that string or
 * through {@code HINCRBY}, so stored values are exact int64. Lua compares them as doubles, which is
 * exact up to 2^53 nano-USD (about 9 million USD). {@code "-1"} stands for {@link Long#MAX_VALUE}
 * ("no limit", "no end", "no soft limit").
 */
final class RedisScripts {
  private RedisScripts() {}

  /** Milliseconds a WINDOW counter outlives its window. */
  static final long WINDOW_GRACE_MILLIS = 60_000;

  /** Milliseconds a SPEND counter with a window outlives its window end. */
  static final long SPEND_GRACE_MILLIS = 86_400_000;

  /** Milliseconds an untouched GAUGE counter lives (refreshed on every use). */
  static final long GAUGE_TTL_MILLIS = 3_600_000;

  // A counter's state in Lua is a table of strings: exists ('1' or '0'), used, reserved, since,
  // wend (the window end, '-1' for none), upr and upt (unpriced requests and tokens), soft ('0' or
  // '1'). load() reads it from its hash and rolls it to the caller's window; store() writes it
  // back, all but reserved, which only HINCRBY touches.
  private static final String COMMON =
      """
      local NONE = '-1'
      -- A check crosses as one argument of seven space-separated fields, a settlement as one of ten:
      -- one bulk string each for the gateway to encode and for Redis to parse, instead of many.
      local CHECK = '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$'
      local SETTLEMENT = '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$'

      local function load(key, kind, ws, we, now, fsince, floor, useFloor)
        if kind == 'S' then
          local v = redis.call('HMGET', key, 'used', 'reserved', 'since', 'end', 'upr', 'upt', 'soft')
          local s
          if not v[1] then
            s = {exists = '0', used = '0', reserved = v[2] or '0', since = ws, wend = we,
                 upr = '0', upt = '0', soft = '0', dirty = true}
            if useFloor and tonumber(fsince) >= 0 and tonumber(fsince) >= tonumber(ws)
                and (we == NONE or tonumber(fsince) < tonumber(we)) then
              s.since = fsince
              s.used = floor
            end
            return s
          end
          s = {exists = '1', used = v[1], reserved = v[2] or '0', since = v[3], wend = v[4],
               upr = v[5] or '0', upt = v[6] or '0', soft = v[7] or '0', dirty = false}
          if s.wend ~= we then
            s.dirty = true
            if s.wend ~= NONE and tonumber(now) >= tonumber(s.wend) then
              s.used, s.upr, s.upt, s.soft, s.since = '0', '0', '0', '0', ws
            elseif s.wend == NONE then
              s.used, s.upr, s.upt, s.soft, s.since = '0', '0', '0', '0', now
            end
            s.wend = we
          end
          if useFloor and tonumber(fsince) >= 0 and s.since == fsince
              and tonumber(s.used) < tonumber(floor) then
            s.used = floor
            s.dirty = true
          end
          return s
        elseif kind == 'W' then
          local v = redis.call('HMGET', key, 'used', 'reserved')
          local exists = '0'
          if v[1] or v[2] then exists = '1' end
          return {exists = exists, used = v[1] or '0', reserved = v[2] or '0', since = ws, wend = we,
                  upr = '0', upt = '0', soft = '0', dirty = exists == '0'}
        else
          local r = redis.call('HGET', key, 'reserved')
          local exists = '0'
          if r then exists = '1' end
          return {exists = exists, used = '0', reserved = r or '0', since = ws, wend = we,
                  upr = '0', upt = '0', soft = '0', dirty = true}
        end
      end

      -- Writes only what load() changed (created, rolled, raised to a floor); expiries are absolute
      -- (window end + grace), so they too are set only then, except a gauge's, refreshed on use.
      local function store(key, kind, s)
        if kind == 'S' and s.dirty then
          redis.call('HSET', key, 'used', s.used, 'since', s.since, 'end', s.wend,
                     'upr', s.upr, 'upt', s.upt, 'soft', s.soft)
        end
      end

      local function num(n)
        return string.format('%.0f', n)
      end

      local function expire(key, kind, wend, now)
        if kind == 'G' then
          redis.call('PEXPIRE', key, '%GAUGE_TTL%')
        elseif wend == NONE then
          if kind == 'S' then
            redis.call('PERSIST', key)
          else
            redis.call('PEXPIRE', key, '%GAUGE_TTL%')
          end
        else
          local left = tonumber(wend) - tonumber(now)
          if left < 0 then left = 0 end
          local grace = %WINDOW_GRACE%
          if kind == 'S' then grace = %SPEND_GRACE% end
          redis.call('PEXPIRE', key, string.format('%.0f', left + grace))
        end
      end

      -- A reading crosses back as one string of its eight fields, far cheaper for Redis to reply
      -- and for the gateway to parse than an array of eight. Every field is already a string.
      local function reading(s)
        return s.exists .. ' ' .. s.used .. ' ' .. s.reserved .. ' ' .. s.since .. ' ' .. s.wend
            .. ' ' .. s.upr .. ' ' .. s.upt .. ' ' .. s.soft
      end
      """;

  /**
   * KEYS: the reservation marker (which ends up holding, as a JSON array, each counter key that got
   * a reservation followed by the amount), then one counter per check. ARGV: now, marker TTL, then
   * one per check: "kind windowStart windowEnd limit reserve floorSince floor". Returns {1,
   * readings before} or {0, index, reading}, readings in their one-string form (see reading()),
   * joined by semicolons.
   */
  private static final String ADMIT_BODY =
      """
              local now = ARGV[1]
              local n = #KEYS - 1
              local states, kinds, reserves, before, held = {}, {}, {}, {}, {}
              for i = 1, n do
                local kind, ws, we, limit, reserve, fsince, floor = string.match(ARGV[i + 2], CHECK)
                local s = load(KEYS[i + 1], kind, ws, we, now, fsince, floor, true)
                if limit ~= NONE and tonumber(s.used) + tonumber(s.reserved) >= tonumber(limit) then
                  return {0, i - 1, reading(s)}
                end
                states[i], kinds[i], reserves[i] = s, kind, reserve
                before[i] = reading(s)
              end
              for i = 1, n do
                local key, kind = KEYS[i + 1], kinds[i]
                store(key, kind, states[i])
                if reserves[i] ~= '0' then
                  redis.call('HINCRBY', key, 'reserved', reserves[i])
                  held[#held + 1] = key
                  held[#held + 1] = reserves[i]
                end
                if states[i].dirty then expire(key, kind, states[i].wend, now) end
              end
              -- The marker lists what was reserved where, so that the reaper can give it back if
              -- this instance dies before the request settles.
              redis.call('SET', KEYS[1], cjson.encode(held), 'PX', ARGV[2])
              return {1, table.concat(before, ';')}
      """;

  static final Script ADMIT = new Script("admit", COMMON + ADMIT_BODY);

  /**
   * KEYS: the applied-bitmap, the reservation marker, then one counter per settlement. ARGV: now,
   * marker TTL, then one per settlement: "kind windowStart windowEnd floorSince floor release add
   * addUnpricedRequests addUnpricedTokens softLimit", then this settlement's bit in the bitmap.
   * Returns {applied, readings after joined by semicolons, soft crossed flags as a string of 0 and
   * 1}.
   */
  private static final String SETTLE_BODY =
      """
              local now = ARGV[1]
              local n = #KEYS - 2
              local after, crossed = {}, {}
              -- KEYS[1] is a bitmap of applied settlements; the last argument is this one's bit.
              local applied = redis.call('SETBIT', KEYS[1], ARGV[#ARGV], 1) == 1
              if redis.call('PTTL', KEYS[1]) < 0 then
                redis.call('PEXPIRE', KEYS[1], ARGV[2])
              end
              if applied then
                for i = 1, n do
                  local kind, ws, we = string.match(ARGV[i + 2], SETTLEMENT)
                  after[i] = reading(load(KEYS[i + 2], kind, ws, we, now, '-1', '0', false))
                  crossed[i] = '0'
                end
                return {0, table.concat(after, ';'), table.concat(crossed)}
              end
              local held = redis.call('DEL', KEYS[2]) == 1
              for i = 1, n do
                local kind, ws, we, fsince, floor, release, add, upr, upt, soft =
                    string.match(ARGV[i + 2], SETTLEMENT)
                local key = KEYS[i + 2]
                local s = load(key, kind, ws, we, now, fsince, floor, true)
                -- The new state is computed here and written with one HSET (exact to 2^53).
                local reserved = s.reserved
                if held and release ~= '0' then
                  local left = tonumber(reserved) - tonumber(release)
                  if left < 0 then left = 0 end
                  reserved = num(left)
                end
                local used = s.used
                if kind ~= 'G' and add ~= '0' then
                  used = num(tonumber(used) + tonumber(add))
                end
                crossed[i] = '0'
                if kind == 'S' then
                  if upr ~= '0' then s.upr = num(tonumber(s.upr) + tonumber(upr)) end
                  if upt ~= '0' then s.upt = num(tonumber(s.upt) + tonumber(upt)) end
                  if soft ~= NONE and s.soft ~= '1' and tonumber(used) >= tonumber(soft) then
                    s.soft = '1'
                    crossed[i] = '1'
                  end
                  redis.call('HSET', key, 'used', used, 'reserved', reserved, 'since', s.since,
                             'end', s.wend, 'upr', s.upr, 'upt', s.upt, 'soft', s.soft)
                elseif kind == 'W' then
                  redis.call('HSET', key, 'used', used, 'reserved', reserved)
                else
                  redis.call('HSET', key, 'reserved', reserved)
                end
                if s.dirty then expire(key, kind, s.wend, now) end
                after[i] = '1 ' .. used .. ' ' .. reserved .. ' ' .. s.since .. ' ' .. s.wend .. ' '
                    .. s.upr .. ' ' .. s.upt .. ' ' .. s.soft
              end
              return {1, table.concat(after, ';'), table.concat(crossed)}
      """;

  static final Script SETTLE = new Script("settle", COMMON + SETTLE_BODY);

  /**
   * KEYS: reservation markers of an instance whose heartbeat stopped. Gives back what each marker
   * still present lists as reserved (never below 0, and never creating a counter that has gone) and
   * deletes it, so that the request's own settlement, should it come after all, releases nothing
   * twice. Returns how many markers were released.
   */
  static final Script REAP =
      new Script(
          "reap",
          COMMON
              + """
              local released = 0
              for i = 1, #KEYS do
                local v = redis.call('GET', KEYS[i])
                if v then
                  local held = cjson.decode(v)
                  for j = 1, #held, 2 do
                    local r = redis.call('HGET', held[j], 'reserved')
                    if r then
                      local left = tonumber(r) - tonumber(held[j + 1])
                      if left < 0 then left = 0 end
                      redis.call('HSET', held[j], 'reserved', num(left))
                    end
                  end
                  redis.call('DEL', KEYS[i])
                  released = released + 1
                end
              end
              return released
              """);

  /**
   * KEYS: SPEND counters. ARGV: now, then per counter: windowStart, windowEnd. Rolls each to its
   * window and starts it afresh at now, creating absent ones, so that no floor from before the
   * reset can bring the old spend back. Reserved is kept.
   */
  static final Script RESET =
      new Script(
          "reset",
          COMMON
              + """
              local now = ARGV[1]
              for i = 1, #KEYS do
                local ws, we = ARGV[2 * i], ARGV[2 * i + 1]
                local s = load(KEYS[i], 'S', ws, we, now, '-1', '0', false)
                s.used, s.upr, s.upt, s.soft, s.since = '0', '0', '0', '0', now
                s.dirty = true
                store(KEYS[i], 'S', s)
                expire(KEYS[i], 'S', s.wend, now)
              end
              return 1
              """);

  /**
   * KEYS: one counter per check. ARGV: now, then per check as in {@link #ADMIT}. Writes nothing; an
   * absent or stale-low SPEND counter reads as its floor, as admission would see it.
   */
  static final Script READ =
      new Script(
          "read",
          COMMON
              + """
              local now = ARGV[1]
              local out = {}
              for i = 1, #KEYS do
                local kind, ws, we, limit, reserve, fsince, floor = string.match(ARGV[i + 1], CHECK)
                out[i] = reading(load(KEYS[i], kind, ws, we, now, fsince, floor, true))
              end
              return table.concat(out, ';')
              """);

  /**
   * {@code script} for many calls at once: its body becomes a function of (KEYS, ARGV) run once per
   * call, in order, in one atomic EVALSHA. ARGV: the number of calls, then per call its key count,
   * its argument count and its arguments; KEYS: every call's keys in order. Returns one reply per
   * call, as the single script would.
   */
  static Script many(Script script, String body) {
    return new Script(
        script.name() + "-many",
        COMMON
            + "local function body(KEYS, ARGV)\n"
            + body
            + """
            end
            local out = {}
            local ki, ai = %FIRST_KEY%, 2
            for c = 1, tonumber(ARGV[1]) do
              local nk, na = tonumber(ARGV[ai]), tonumber(ARGV[ai + 1])
              ai = ai + 2
              local k, a = {}, {}
              for j = 1, nk do k[j] = KEYS[ki]; ki = ki + 1 end
              for j = 1, na do a[j] = ARGV[ai]; ai = ai + 1 end
              out[c] = body(k, a)
            end
            return out
            """);
  }

  /** What {@link #ADMIT_MANY} answers when the floors marker (its first key) is missing. */
  static final String STALE = "STALE";

  /**
   * {@link #ADMIT} for many requests in one call; each is still all or nothing on its own. KEYS[1]
   * is the instance's floors marker: when it is missing, Redis has lost data since this instance
   * read its floors, and the script answers {@link #STALE} without touching anything.
   */
  static final Script ADMIT_MANY =
      many(ADMIT, ADMIT_BODY)
          .guarded(
              "if redis.call('EXISTS', KEYS[1]) == 0 then return {err = '" + STALE + "'} end\n");

  /** {@link #SETTLE} for many requests in one call. */
  static final Script SETTLE_MANY = many(SETTLE, SETTLE_BODY);

  /** A script's text and the SHA-1 that EVALSHA names it by. */
  record Script(String name, String text, String sha) {
    Script(String name, String template) {
      this(name, expand(template), sha1(expand(template)));
    }

    /** This batched script with {@code guard} run first, and the calls' keys from KEYS[2]. */
    Script guarded(String guard) {
      int body = text.indexOf("local function body(");
      String t = text.substring(0, body) + guard + text.substring(body);
      t = t.replace("local ki, ai = 1, 2", "local ki, ai = 2, 2");
      return new Script(name, t, sha1(t));
    }

    /**
     * The same script named for one gateway instance (a comment), so that its SHA-1 is that
     * instance's own: after a Redis restart, which empties the script cache, every instance's first
     * call is answered NOSCRIPT, whoever loaded the scripts first. That is how an instance learns
     * that Redis may have come back from an older snapshot.
     */
    Script forInstance(String instance) {
      String t = "-- gateway instance " + instance + "\n" + text;
      return new Script(name, t, sha1(t));
    }
  }

  private static String expand(String template) {
    return template
        .replace("%GAUGE_TTL%", Long.toString(GAUGE_TTL_MILLIS))
        .replace("%WINDOW_GRACE%", Long.toString(WINDOW_GRACE_MILLIS))
        .replace("%SPEND_GRACE%", Long.toString(SPEND_GRACE_MILLIS))
        .replace("%FIRST_KEY%", "1");
  }

  private static String sha1(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-1", e);
    }
  }
}
