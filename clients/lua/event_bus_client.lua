-- BalatroMCP event_bus_client.lua, JimBot Bus edition: WebSocket with REST fallback,
-- per-batch acks, optional protobuf. Built by clients/lua/bundle.ts from clients/lua/src/;
-- edit those and rebuild. Install: copy this file over mods/BalatroMCP/event_bus_client.lua.
local jimbot_loaders, jimbot_loaded = {}, {}
local function jimbot_require(name)
  local loader = jimbot_loaders[name]
  if not loader then return require(name) end
  if jimbot_loaded[name] == nil then jimbot_loaded[name] = loader() end
  return jimbot_loaded[name]
end
jimbot_loaders["jimbot.bitops"] = function()
local require = jimbot_require
-- Bitwise operations on 32-bit unsigned values that work unchanged on LuaJIT 2.1 (the `bit`
-- library), Lua 5.3/5.4 (native operators, compiled from a string so LuaJIT never parses them),
-- Lua 5.2 (`bit32`) and, slowly, plain Lua 5.1 (arithmetic). Results are in [0, 2^32).
local M = {}

--- XOR of `payload` with the repeated 4-byte `key` (WebSocket masking, RFC 6455 §5.3), built
--- on the `bxor` of the chosen implementation.
local function byte_mask(bxor)
  local byte, char, concat = string.byte, string.char, table.concat
  return function(payload, key)
    local k1, k2, k3, k4 = byte(key, 1, 4)
    local out, n, i, j = {}, #payload, 1, 1
    while i + 3 <= n do
      local a, b, c, d = byte(payload, i, i + 3)
      out[j] = char(bxor(a, k1), bxor(b, k2), bxor(c, k3), bxor(d, k4))
      i, j = i + 4, j + 1
    end
    local keys = { k1, k2, k3 }
    for m = i, n do
      out[j] = char(bxor(byte(payload, m), keys[m - i + 1]))
      j = j + 1
    end
    return concat(out)
  end
end

local bit_ok, bit = pcall(require, "bit")
if bit_ok and type(bit) == "table" and bit.bxor then
  local tobit = function(x) return x % 4294967296 end
  M.band = function(a, b) return tobit(bit.band(a, b)) end
  M.bor = function(a, b) return tobit(bit.bor(a, b)) end
  M.bxor = function(a, b) return tobit(bit.bxor(a, b)) end
  M.bnot = function(a) return tobit(bit.bnot(a)) end
  M.lshift = function(a, n) return tobit(bit.lshift(a, n)) end
  M.rshift = function(a, n) return tobit(bit.rshift(a, n)) end
  M.rol = function(a, n) return tobit(bit.rol(a, n)) end
  M.mask = byte_mask(bit.bxor)
  -- LuaJIT with its FFI (as in LÖVE): XOR in a C buffer, a compiled loop, ~10x faster.
  local ffi_ok, ffi = pcall(require, "ffi")
  if ffi_ok then
    local bxor = bit.bxor
    M.mask = function(payload, key)
      local n = #payload
      local buf, k = ffi.new("uint8_t[?]", n), ffi.new("uint8_t[4]")
      ffi.copy(buf, payload, n)
      ffi.copy(k, key, 4)
      for i = 0, n - 1 do buf[i] = bxor(buf[i], k[i % 4]) end
      return ffi.string(buf, n)
    end
  end
  M.impl = "bit"
  return M
end

local native = (load or loadstring)([[
  local M = {}
  M.band = function(a, b) return (a & b) & 0xffffffff end
  M.bor = function(a, b) return (a | b) & 0xffffffff end
  M.bxor = function(a, b) return (a ~ b) & 0xffffffff end
  M.bnot = function(a) return (~a) & 0xffffffff end
  M.lshift = function(a, n) return (a << n) & 0xffffffff end
  M.rshift = function(a, n) return (a & 0xffffffff) >> n end
  M.rol = function(a, n) a = a & 0xffffffff return ((a << n) | (a >> (32 - n))) & 0xffffffff end
  -- Masking 32 bytes per step as eight 32-bit words: the per-byte path is 8x slower here.
  local unpack, pack, byte, char, concat = string.unpack, string.pack, string.byte, string.char, table.concat
  M.mask = function(payload, key)
    local k = unpack("<I4", key)
    local out, n, i, j = {}, #payload, 1, 1
    while i + 31 <= n do
      local a, b, c, d, e, f, g, h = unpack("<I4I4I4I4I4I4I4I4", payload, i)
      out[j] = pack("<I4I4I4I4I4I4I4I4", a ~ k, b ~ k, c ~ k, d ~ k, e ~ k, f ~ k, g ~ k, h ~ k)
      i, j = i + 32, j + 1
    end
    local kb = { byte(key, 1, 4) }
    for m = i, n do
      out[j] = char(byte(payload, m) ~ kb[(m - i) % 4 + 1])
      j = j + 1
    end
    return concat(out)
  end
  return M
]])
if native then
  local ok, ops = pcall(native)
  if ok then
    -- Native operators need integers; a float with an integral value converts exactly.
    local toint = math.tointeger
    for name, f in pairs(ops) do
      M[name] = function(a, b) return f(toint(a) or a, b and (toint(b) or b)) end
    end
    M.mask = ops.mask
    M.impl = "native"
    return M
  end
end

if bit32 then
  for _, name in ipairs({ "band", "bor", "bxor", "bnot", "lshift", "rshift" }) do
    M[name] = bit32[name]
  end
  M.rol = bit32.lrotate
  M.mask = byte_mask(bit32.bxor)
  M.impl = "bit32"
  return M
end

-- Plain arithmetic, one bit at a time (Lua 5.1 without the bit library).
local function bitwise(a, b, keep)
  local r, p = 0, 1
  for _ = 1, 32 do
    local x, y = a % 2, b % 2
    if keep(x, y) then r = r + p end
    a, b, p = (a - x) / 2, (b - y) / 2, p * 2
  end
  return r
end
M.band = function(a, b) return bitwise(a % 4294967296, b % 4294967296, function(x, y) return x == 1 and y == 1 end) end
M.bor = function(a, b) return bitwise(a % 4294967296, b % 4294967296, function(x, y) return x == 1 or y == 1 end) end
M.bxor = function(a, b) return bitwise(a % 4294967296, b % 4294967296, function(x, y) return x ~= y end) end
M.bnot = function(a) return 4294967295 - a % 4294967296 end
M.lshift = function(a, n) return (a * 2 ^ n) % 4294967296 end
M.rshift = function(a, n) return math.floor((a % 4294967296) / 2 ^ n) end
M.rol = function(a, n) return M.bor(M.lshift(a, n), M.rshift(a, 32 - n)) end
M.mask = byte_mask(M.bxor)
M.impl = "arithmetic"
return M
end
jimbot_loaders["jimbot.sha1"] = function()
local require = jimbot_require
-- SHA-1 (FIPS 180-4) of a string, as 20 raw bytes; only for the WebSocket handshake's
-- Sec-WebSocket-Accept check, so speed does not matter.
local bitops = require("jimbot.bitops")
local band, bor, bxor, bnot, rol = bitops.band, bitops.bor, bitops.bxor, bitops.bnot, bitops.rol

local function be32(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
end

return function(message)
  local h0, h1, h2, h3, h4 = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0
  local bits = #message * 8
  local padded = message .. "\128" .. string.rep("\0", (55 - #message) % 64)
    .. be32(math.floor(bits / 4294967296)) .. be32(bits % 4294967296)
  local w = {}
  for chunk = 1, #padded, 64 do
    for i = 0, 15 do
      local a, b, c, d = padded:byte(chunk + i * 4, chunk + i * 4 + 3)
      w[i] = ((a * 256 + b) * 256 + c) * 256 + d
    end
    for i = 16, 79 do
      w[i] = rol(bxor(bxor(w[i - 3], w[i - 8]), bxor(w[i - 14], w[i - 16])), 1)
    end
    local a, b, c, d, e = h0, h1, h2, h3, h4
    for i = 0, 79 do
      local f, k
      if i < 20 then
        f, k = bor(band(b, c), band(bnot(b), d)), 0x5A827999
      elseif i < 40 then
        f, k = bxor(bxor(b, c), d), 0x6ED9EBA1
      elseif i < 60 then
        f, k = bor(bor(band(b, c), band(b, d)), band(c, d)), 0x8F1BBCDC
      else
        f, k = bxor(bxor(b, c), d), 0xCA62C1D6
      end
      local t = (rol(a, 5) + f + e + k + w[i]) % 4294967296
      a, b, c, d, e = t, a, rol(b, 30), c, d
    end
    h0, h1, h2 = (h0 + a) % 4294967296, (h1 + b) % 4294967296, (h2 + c) % 4294967296
    h3, h4 = (h3 + d) % 4294967296, (h4 + e) % 4294967296
  end
  return be32(h0) .. be32(h1) .. be32(h2) .. be32(h3) .. be32(h4)
end
end
jimbot_loaders["jimbot.base64"] = function()
local require = jimbot_require
-- Base64 (RFC 4648) encoding with arithmetic only, so it needs no bit library.
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local digit = {}
for i = 1, 64 do digit[i - 1] = ALPHABET:sub(i, i) end

return function(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    out[#out + 1] = digit[math.floor(n / 262144)] .. digit[math.floor(n / 4096) % 64]
      .. (b and digit[math.floor(n / 64) % 64] or "=") .. (c and digit[n % 64] or "=")
  end
  return table.concat(out)
end
end
jimbot_loaders["jimbot.budget"] = function()
local require = jimbot_require
-- Cooperative time slicing for encoders: code running inside a coroutine calls check() once per
-- value it encodes; every 64 calls it compares `clock()` with `deadline` and, past it, yields,
-- so that encoding a large batch is spread over as many frames as it needs. Outside a
-- coroutine (or with no deadline set) check() never yields.
local M = { deadline = math.huge, clock = os.clock }
local calls = 0
local yield = coroutine.yield
-- Older LuaJIT builds lack isyieldable; there (Lua 5.1 rules) running() is nil on the main thread.
local yieldable = coroutine.isyieldable or function() return coroutine.running() ~= nil end

function M.check()
  calls = calls + 1
  if calls < 64 then return end
  calls = 0
  if M.clock() >= M.deadline and yieldable() then yield() end
end

--- Runs `co` until it finishes or `clock()` (seconds) passes `deadline`. Returns true, result
--- once it finished; false while it has more to do; raises the coroutine's error.
function M.resume_until(co, deadline, clock)
  M.deadline, M.clock = deadline, clock
  local ok, result = coroutine.resume(co)
  M.deadline = math.huge
  if not ok then error(result, 0) end
  if coroutine.status(co) == "dead" then return true, result end
  return false
end

return M
end
jimbot_loaders["jimbot.utf8"] = function()
local require = jimbot_require
-- Valid UTF-8 for the wire: protobuf strings and WebSocket text frames must be UTF-8, and the
-- game may hold other bytes. Each ill-formed part becomes U+FFFD exactly as the bus's decoding
-- of a JSON body does (the WHATWG UTF-8 decoder), so every encoding stores the same text.
local REPLACEMENT = "\239\191\189" -- U+FFFD

return function(s)
  if not s:find("[\128-\255]") then return s end
  local byte = string.byte
  local out, i, n, start = {}, 1, #s, 1
  local function bad(from, to)
    out[#out + 1] = s:sub(start, from - 1)
    out[#out + 1] = REPLACEMENT
    start = to + 1
  end
  while i <= n do
    local c = byte(s, i)
    if c < 0x80 then
      i = i + 1
    else
      local need, lo, hi = 0, 0x80, 0xBF
      if c >= 0xC2 and c <= 0xDF then need = 1
      elseif c >= 0xE0 and c <= 0xEF then
        need = 2
        if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F end
      elseif c >= 0xF0 and c <= 0xF4 then
        need = 3
        if c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
      end
      if need == 0 then
        bad(i, i)
        i = i + 1
      else
        local j = i + 1
        while need > 0 do
          local d = byte(s, j)
          if not d or d < lo or d > hi then break end
          lo, hi, need, j = 0x80, 0xBF, need - 1, j + 1
        end
        if need > 0 then bad(i, j - 1) end -- the byte at j starts over
        i = j
      end
    end
  end
  if start == 1 then return s end
  out[#out + 1] = s:sub(start)
  return table.concat(out)
end
end
jimbot_loaders["jimbot.json"] = function()
local require = jimbot_require
-- JSON encoding of the mod's event tables, plus the few reads the client needs from the bus's
-- answers. Encoding keeps the mod's conventions (an empty table is `{}`) but writes valid JSON:
-- scalars in arrays keep their type, control characters are escaped, bytes that are not UTF-8
-- are replaced (utf8.lua), and a non-finite number (which JSON cannot hold) is written as null.
local budget = require("jimbot.budget")
local utf8 = require("jimbot.utf8")

local M = {}

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
for byte = 0, 31 do
  local c = string.char(byte)
  ESCAPES[c] = ESCAPES[c] or string.format("\\u%04x", byte)
end
ESCAPES["\127"] = "\\u007f"

local function quote(s)
  return '"' .. utf8(s):gsub('[%c"\\]', ESCAPES) .. '"'
end

--- The shortest decimal that reads back as exactly `n` (integers without a fraction).
local function number(n)
  if n ~= n or n == math.huge or n == -math.huge then return "null" end
  if n == math.floor(n) and n > -2^53 and n < 2^53 then return string.format("%d", n) end
  local s = string.format("%.15g", n)
  if tonumber(s) ~= n then s = string.format("%.17g", n) end
  return s
end

--- True when `t` is a non-empty sequence 1..n with no other keys.
local function is_array(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end
M.is_array = is_array

local encode_into
function encode_into(v, out, depth)
  budget.check()
  local kind = type(v)
  if kind == "string" then
    out[#out + 1] = quote(v)
  elseif kind == "number" then
    out[#out + 1] = number(v)
  elseif kind == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif kind == "table" then
    if depth > 64 then error("JSON: the table nests deeper than 64 levels (a cycle?)") end
    if is_array(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode_into(v[i], out, depth + 1)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local first = true
      for k, item in pairs(v) do
        if not first then out[#out + 1] = "," end
        first = false
        out[#out + 1] = quote(tostring(k))
        out[#out + 1] = ":"
        encode_into(item, out, depth + 1)
      end
      out[#out + 1] = "}"
    end
  else
    out[#out + 1] = "null"
  end
end

function M.encode(v)
  local out = {}
  encode_into(v, out, 0)
  return table.concat(out)
end

--- A top-level string field of a flat JSON answer from the bus (`"op":"published"`).
function M.field_string(text, key)
  return text:match('"' .. key .. '":"([^"\\]*)"')
end

--- A top-level boolean field of a flat JSON answer from the bus.
function M.field_boolean(text, key)
  local v = text:match('"' .. key .. '":(%a+)')
  if v == "true" then return true elseif v == "false" then return false end
  return nil
end

return M
end
jimbot_loaders["jimbot.proto_schema"] = function()
local require = jimbot_require
-- Generated by clients/lua/gen_proto_schema.ts from proto/jimbot/events/v1 and
-- google/protobuf/struct.proto; do not edit. Per message: field name -> { number, kind
-- (scalar or message name), list, map, oneof }; _rest names the field for other keys.
return {
  _payload_by_type = {
    GAME_STATE = "game_state",
    HEARTBEAT = "heartbeat",
    MONEY_CHANGED = "money_changed",
    SCORE_CHANGED = "score_changed",
    HAND_PLAYED = "hand_played",
    CARDS_DISCARDED = "cards_discarded",
    JOKERS_CHANGED = "jokers_changed",
    ROUND_CHANGED = "round_changed",
    PHASE_CHANGED = "phase_changed",
    ROUND_COMPLETE = "round_complete",
    JOKER_TRIGGER = "joker_trigger",
    CONNECTION_TEST = "connection_test",
    ERROR = "error",
    DIAGNOSTIC = "diagnostic",
    SCORING = { HAND_EVAL_START = "scoring_hand_eval_start", JOKER_TRIGGER = "scoring_joker_trigger", SCORE_UPDATE = "scoring_score_update", HAND_EVAL_COMPLETE = "scoring_hand_eval_complete", MULT_UPDATE = "scoring_mult_update", CHIPS_UPDATE = "scoring_chips_update" },
    LEARNING_DECISION = { REQUEST = "learning_decision_request" },
  },
  EventBatch = {
    _rest = "unmapped",
    batch_id = { number = 1, kind = "string" },
    events = { number = 2, kind = "Event", list = true },
    source = { number = 3, kind = "string" },
    timestamp = { number = 4, kind = "Value" },
    unmapped = { number = 100, kind = "Struct" },
  },
  Event = {
    _rest = "extras",
    event_id = { number = 2, kind = "string" },
    type = { number = 3, kind = "string" },
    subtype = { number = 4, kind = "string" },
    source = { number = 6, kind = "string" },
    version = { number = 7, kind = "Value" },
    priority = { number = 8, kind = "string" },
    timestamp = { number = 9, kind = "Value" },
    extras = { number = 12, kind = "Struct" },
    game_state = { number = 20, kind = "GameStatePayload", oneof = "payload" },
    heartbeat = { number = 21, kind = "HeartbeatPayload", oneof = "payload" },
    money_changed = { number = 22, kind = "MoneyChangedPayload", oneof = "payload" },
    score_changed = { number = 23, kind = "ScoreChangedPayload", oneof = "payload" },
    hand_played = { number = 24, kind = "HandPlayedPayload", oneof = "payload" },
    cards_discarded = { number = 25, kind = "CardsDiscardedPayload", oneof = "payload" },
    jokers_changed = { number = 26, kind = "JokersChangedPayload", oneof = "payload" },
    round_changed = { number = 27, kind = "RoundChangedPayload", oneof = "payload" },
    phase_changed = { number = 28, kind = "PhaseChangedPayload", oneof = "payload" },
    round_complete = { number = 29, kind = "RoundCompletePayload", oneof = "payload" },
    joker_trigger = { number = 30, kind = "JokerTriggerPayload", oneof = "payload" },
    scoring_hand_eval_start = { number = 31, kind = "ScoringHandEvalStartPayload", oneof = "payload" },
    scoring_joker_trigger = { number = 32, kind = "ScoringJokerTriggerPayload", oneof = "payload" },
    scoring_score_update = { number = 33, kind = "ScoringScoreUpdatePayload", oneof = "payload" },
    scoring_hand_eval_complete = { number = 34, kind = "ScoringHandEvalCompletePayload", oneof = "payload" },
    scoring_mult_update = { number = 35, kind = "ScoringMultUpdatePayload", oneof = "payload" },
    scoring_chips_update = { number = 36, kind = "ScoringChipsUpdatePayload", oneof = "payload" },
    connection_test = { number = 37, kind = "ConnectionTestPayload", oneof = "payload" },
    learning_decision_request = { number = 38, kind = "LearningDecisionRequestPayload", oneof = "payload" },
    error = { number = 39, kind = "ErrorPayload", oneof = "payload" },
    diagnostic = { number = 40, kind = "DiagnosticPayload", oneof = "payload" },
    raw_payload = { number = 99, kind = "Value", oneof = "payload" },
  },
  Value = {
    null_value = { number = 1, kind = "enum", oneof = "kind" },
    number_value = { number = 2, kind = "double", oneof = "kind" },
    string_value = { number = 3, kind = "string", oneof = "kind" },
    bool_value = { number = 4, kind = "bool", oneof = "kind" },
    struct_value = { number = 5, kind = "Struct", oneof = "kind" },
    list_value = { number = 6, kind = "ListValue", oneof = "kind" },
  },
  Struct = {
    fields = { number = 1, kind = "Value", map = true },
  },
  GameStatePayload = {
    _rest = "unmapped",
    in_game = { number = 1, kind = "bool" },
    game_id = { number = 2, kind = "string" },
    ante = { number = 3, kind = "int32" },
    round = { number = 4, kind = "int32" },
    hand_number = { number = 5, kind = "int32" },
    chips = { number = 6, kind = "double" },
    mult = { number = 7, kind = "double" },
    money = { number = 8, kind = "double" },
    hand_size = { number = 9, kind = "int32" },
    hands_remaining = { number = 10, kind = "int32" },
    discards_remaining = { number = 11, kind = "int32" },
    score_history = { number = 12, kind = "RoundScore", map = true },
    jokers = { number = 13, kind = "Joker", list = true },
    hand = { number = 14, kind = "Card", list = true },
    deck = { number = 15, kind = "Deck" },
    consumables = { number = 16, kind = "Consumable", list = true },
    shop_items = { number = 17, kind = "ShopItem", map = true },
    game_state = { number = 18, kind = "string" },
    ui_state = { number = 19, kind = "string" },
    blind = { number = 20, kind = "Blind" },
    timestamp = { number = 21, kind = "double" },
    frame_count = { number = 22, kind = "int32" },
    phase = { number = 23, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  HeartbeatPayload = {
    _rest = "unmapped",
    version = { number = 1, kind = "string" },
    uptime = { number = 2, kind = "double" },
    headless = { number = 3, kind = "bool" },
    game_state = { number = 4, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  MoneyChangedPayload = {
    _rest = "unmapped",
    old_value = { number = 1, kind = "double" },
    new_value = { number = 2, kind = "double" },
    difference = { number = 3, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoreChangedPayload = {
    _rest = "unmapped",
    old_chips = { number = 1, kind = "double" },
    new_chips = { number = 2, kind = "double" },
    old_mult = { number = 3, kind = "double" },
    new_mult = { number = 4, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  HandPlayedPayload = {
    _rest = "unmapped",
    hands_remaining = { number = 1, kind = "int32" },
    hand_number = { number = 2, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  CardsDiscardedPayload = {
    _rest = "unmapped",
    discards_remaining = { number = 1, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  JokersChangedPayload = {
    _rest = "unmapped",
    old_count = { number = 1, kind = "int32" },
    new_count = { number = 2, kind = "int32" },
    jokers = { number = 3, kind = "Joker", list = true },
    unmapped = { number = 100, kind = "Struct" },
  },
  RoundChangedPayload = {
    _rest = "unmapped",
    ante = { number = 1, kind = "int32" },
    round = { number = 2, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  PhaseChangedPayload = {
    _rest = "unmapped",
    old_phase = { number = 1, kind = "string" },
    new_phase = { number = 2, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  RoundCompletePayload = {
    _rest = "unmapped",
    ante = { number = 1, kind = "int32" },
    round = { number = 2, kind = "int32" },
    score = { number = 3, kind = "double" },
    money = { number = 4, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  JokerTriggerPayload = {
    _rest = "unmapped",
    joker_name = { number = 1, kind = "string" },
    context_type_bool = { number = 2, kind = "bool", oneof = "context_type" },
    context_type_string = { number = 3, kind = "string", oneof = "context_type" },
    timestamp = { number = 4, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringHandEvalStartPayload = {
    _rest = "unmapped",
    starting_score = { number = 1, kind = "double" },
    ante = { number = 2, kind = "int32" },
    round = { number = 3, kind = "int32" },
    hand_number = { number = 4, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringJokerTriggerPayload = {
    _rest = "unmapped",
    joker = { number = 1, kind = "ScoringJoker" },
    score_contribution = { number = 2, kind = "double" },
    current_total = { number = 3, kind = "double" },
    timestamp = { number = 4, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringScoreUpdatePayload = {
    _rest = "unmapped",
    previous_score = { number = 1, kind = "double" },
    new_score = { number = 2, kind = "double" },
    delta = { number = 3, kind = "double" },
    total_hand_delta = { number = 4, kind = "double" },
    context = { number = 5, kind = "string" },
    timestamp = { number = 6, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringHandEvalCompletePayload = {
    _rest = "unmapped",
    starting_score = { number = 1, kind = "double" },
    final_score = { number = 2, kind = "double" },
    total_delta = { number = 3, kind = "double" },
    joker_triggers = { number = 4, kind = "int32" },
    ante = { number = 5, kind = "int32" },
    round = { number = 6, kind = "int32" },
    hand_number = { number = 7, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringMultUpdatePayload = {
    _rest = "unmapped",
    mult_before = { number = 1, kind = "double" },
    mult_after = { number = 2, kind = "double" },
    delta = { number = 3, kind = "double" },
    source = { number = 4, kind = "string" },
    timestamp = { number = 5, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringChipsUpdatePayload = {
    _rest = "unmapped",
    chips_before = { number = 1, kind = "double" },
    chips_after = { number = 2, kind = "double" },
    delta = { number = 3, kind = "double" },
    source = { number = 4, kind = "string" },
    timestamp = { number = 5, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ConnectionTestPayload = {
    _rest = "unmapped",
    message = { number = 1, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  LearningDecisionRequestPayload = {
    _rest = "unmapped",
    request_id = { number = 1, kind = "string" },
    game_state = { number = 2, kind = "GameStatePayload" },
    available_actions = { number = 3, kind = "string", list = true },
    time_limit_ms = { number = 4, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ErrorPayload = {
    _rest = "unmapped",
    message = { number = 1, kind = "string" },
    context = { number = 2, kind = "Struct" },
    stack_trace = { number = 3, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  DiagnosticPayload = {
    _rest = "unmapped",
    available_functions = { number = 1, kind = "string", list = true },
    g_exists = { number = 2, kind = "bool" },
    g_funcs_exists = { number = 3, kind = "bool" },
    g_game_exists = { number = 4, kind = "bool" },
    g_state = { number = 5, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ListValue = {
    values = { number = 1, kind = "Value", list = true },
  },
  RoundScore = {
    _rest = "unmapped",
    label = { number = 1, kind = "string" },
    amt = { number = 2, kind = "double" },
    unmapped = { number = 100, kind = "Struct" },
  },
  Joker = {
    _rest = "unmapped",
    id_number = { number = 1, kind = "double", oneof = "id" },
    id_string = { number = 2, kind = "string", oneof = "id" },
    name = { number = 3, kind = "string" },
    position = { number = 4, kind = "int32" },
    properties = { number = 5, kind = "JokerProperties" },
    unmapped = { number = 100, kind = "Struct" },
  },
  Card = {
    _rest = "unmapped",
    id_number = { number = 1, kind = "double", oneof = "id" },
    id_string = { number = 2, kind = "string", oneof = "id" },
    rank = { number = 3, kind = "string" },
    suit = { number = 4, kind = "string" },
    enhancement = { number = 5, kind = "string" },
    edition = { number = 6, kind = "string" },
    seal = { number = 7, kind = "string" },
    position = { number = 8, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  Deck = {
    _rest = "unmapped",
    remaining_count = { number = 1, kind = "int32" },
    cards_remaining = { number = 2, kind = "Card", list = true },
    full_deck = { number = 3, kind = "Card", list = true },
    unmapped = { number = 100, kind = "Struct" },
  },
  Consumable = {
    _rest = "unmapped",
    id_number = { number = 1, kind = "double", oneof = "id" },
    id_string = { number = 2, kind = "string", oneof = "id" },
    name = { number = 3, kind = "string" },
    card_type = { number = 4, kind = "string" },
    position = { number = 5, kind = "int32" },
    properties = { number = 6, kind = "ConsumableProperties" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ShopItem = {
    _rest = "unmapped",
    name = { number = 1, kind = "string" },
    cost = { number = 2, kind = "double" },
    rarity_number = { number = 3, kind = "double", oneof = "rarity" },
    rarity_string = { number = 4, kind = "string", oneof = "rarity" },
    unmapped = { number = 100, kind = "Struct" },
  },
  Blind = {
    _rest = "unmapped",
    name = { number = 1, kind = "string" },
    chips = { number = 2, kind = "double" },
    chip_text = { number = 3, kind = "string" },
    mult = { number = 4, kind = "double" },
    defeated = { number = 5, kind = "bool" },
    boss = { number = 6, kind = "bool" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ScoringJoker = {
    _rest = "unmapped",
    name = { number = 1, kind = "string" },
    id_number = { number = 2, kind = "double", oneof = "id" },
    id_string = { number = 3, kind = "string", oneof = "id" },
    position = { number = 4, kind = "int32" },
    unmapped = { number = 100, kind = "Struct" },
  },
  JokerProperties = {
    _rest = "unmapped",
    mult = { number = 1, kind = "double" },
    chips = { number = 2, kind = "double" },
    cost = { number = 3, kind = "double" },
    sell_value = { number = 4, kind = "double" },
    edition = { number = 5, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
  ConsumableProperties = {
    _rest = "unmapped",
    cost = { number = 1, kind = "double" },
    edition = { number = 2, kind = "string" },
    unmapped = { number = 100, kind = "Struct" },
  },
}
end
jimbot_loaders["jimbot.protobuf"] = function()
local require = jimbot_require
-- Protobuf encoding of the mod's batches as jimbot.events.v1.EventBatch, driven by the generated
-- proto_schema.lua. It follows the bus's JSON<->message rules (src/proto/_json_message.ts) so
-- that the bus reads back exactly the JSON the same table encodes to with json.lua: per key, a
-- field of that name takes the value when its type fits exactly (double: a finite number; int32:
-- an integer in range, not -0; a message or Struct: an object; a list: a non-empty array whose
-- elements all fit; a map: a non-empty object whose values all fit; Value: anything); a oneof
-- named like the key takes it in its first member that fits; every other key goes to the
-- message's catch-all Struct (`unmapped`, or `extras` on an Event). An event's payload is the
-- typed message of its type/subtype when it is an object, else a google.protobuf.Value.
local schema = require("jimbot.proto_schema")
local json = require("jimbot.json")
local budget = require("jimbot.budget")
local utf8 = require("jimbot.utf8")

local M = {}
local char, floor, concat = string.char, math.floor, table.concat
local is_array = json.is_array
local WIRE_VARINT, WIRE_FIXED64, WIRE_LEN = 0, 1, 2
local INT32_MIN, INT32_MAX, TWO32 = -2147483648, 2147483647, 4294967296

local function varint(n)
  if n < 128 then return char(n) end
  local out = {}
  while n >= 128 do
    out[#out + 1] = char(n % 128 + 128)
    n = floor(n / 128)
  end
  out[#out + 1] = char(n)
  return concat(out)
end

--- A negative int32 as protobuf writes it: the 64-bit two's complement, ten bytes.
local function negative_varint(n)
  local lo, hi = n % TWO32, TWO32 - 1
  local out = {}
  for i = 1, 4 do
    out[i] = char(lo % 128 + 128)
    lo = floor(lo / 128)
  end
  out[5] = char(lo + (hi % 8) * 16 + 128)
  hi = floor(hi / 8)
  while hi >= 128 do
    out[#out + 1] = char(hi % 128 + 128)
    hi = floor(hi / 128)
  end
  out[#out + 1] = char(hi)
  return concat(out)
end

local keys = {}
local function key(number, wire)
  local tag = number * 8 + wire
  local k = keys[tag]
  if not k then
    k = varint(tag)
    keys[tag] = k
  end
  return k
end

local function len_field(number, bytes) return key(number, WIRE_LEN) .. varint(#bytes) .. bytes end


-- IEEE 754 binary64, little-endian.
local pack_double
if string.pack then
  pack_double = function(n) return string.pack("<d", n) end
else
  pack_double = function(n)
    local sign = 0
    if n < 0 or (n == 0 and 1 / n < 0) then sign, n = 128, -n end
    local mantissa, exponent = math.frexp(n)
    if n == 0 then
      mantissa, exponent = 0, 0
    elseif exponent > -1022 then
      mantissa, exponent = (mantissa * 2 - 1) * 2 ^ 52, exponent + 1022
    else
      mantissa, exponent = mantissa * 2 ^ (52 + exponent + 1022), 0
    end
    local bytes = {}
    for i = 1, 6 do
      bytes[i] = char(mantissa % 256)
      mantissa = floor(mantissa / 256)
    end
    bytes[7] = char(mantissa % 16 + (exponent % 16) * 16)
    bytes[8] = char(sign + floor(exponent / 16))
    return concat(bytes)
  end
end

local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end
local function is_object(v) return type(v) == "table" and not is_array(v) end

local VALUE, STRUCT, LIST = schema.Value, schema.Struct, {
  values = { number = 1 } } -- google.protobuf.ListValue.values
local ENTRY_KEY, ENTRY_VALUE = 1, 2 -- map entries: key = 1, value = 2

local encode_value, encode_struct, encode_typed, encode_event

--- google.protobuf.Value of any JSON-able Lua value (non-finite numbers become null).
function encode_value(v, depth)
  budget.check()
  local kind = type(v)
  if kind == "string" then return len_field(VALUE.string_value.number, utf8(v)) end
  if kind == "boolean" then
    return key(VALUE.bool_value.number, WIRE_VARINT) .. (v and "\1" or "\0")
  end
  if kind == "number" and finite(v) then
    return key(VALUE.number_value.number, WIRE_FIXED64) .. pack_double(v)
  end
  if kind == "table" then
    if depth > 64 then error("protobuf: the table nests deeper than 64 levels (a cycle?)") end
    if is_array(v) then
      local items = {}
      for i = 1, #v do items[i] = len_field(LIST.values.number, encode_value(v[i], depth + 1)) end
      return len_field(VALUE.list_value.number, concat(items))
    end
    return len_field(VALUE.struct_value.number, encode_struct(v, nil, depth + 1))
  end
  return key(VALUE.null_value.number, WIRE_VARINT) .. "\0"
end

--- google.protobuf.Struct of a table's keys (all of them, or those `keep` says yes to).
function encode_struct(t, keep, depth)
  local entries = {}
  for k, v in pairs(t) do
    if keep == nil or keep[k] then
      local entry = len_field(ENTRY_KEY, utf8(tostring(k)))
        .. len_field(ENTRY_VALUE, encode_value(v, depth))
      entries[#entries + 1] = len_field(STRUCT.fields.number, entry)
    end
  end
  return concat(entries)
end

--- One value of a field (not a list or map) with its key, or nil when its type does not fit.
local function encode_single(spec, v, depth)
  local kind, n = spec.kind, spec.number
  local vt = type(v)
  if kind == "string" then
    if vt == "string" then return len_field(n, utf8(v)) end
  elseif kind == "double" then
    if vt == "number" and finite(v) then return key(n, WIRE_FIXED64) .. pack_double(v) end
  elseif kind == "int32" then
    if vt == "number" and v == floor(v) and v >= INT32_MIN and v <= INT32_MAX
        and not (v == 0 and 1 / v < 0) then
      return key(n, WIRE_VARINT) .. (v < 0 and negative_varint(v) or varint(v))
    end
  elseif kind == "bool" then
    if vt == "boolean" then return key(n, WIRE_VARINT) .. (v and "\1" or "\0") end
  elseif kind == "Value" then
    return len_field(n, encode_value(v, depth))
  elseif kind == "Struct" then
    if is_object(v) then return len_field(n, encode_struct(v, nil, depth + 1)) end
  elseif kind == "Event" then
    if is_object(v) then return len_field(n, encode_event(v, depth + 1)) end
  elseif kind ~= "enum" and schema[kind] then
    if is_object(v) then return len_field(n, encode_typed(schema[kind], v, depth + 1)) end
  end
  return nil
end

--- A field's value (single, list or map) with its key(s), or nil when it does not fit.
local function encode_field(spec, v, depth)
  if depth > 64 then error("protobuf: the table nests deeper than 64 levels (a cycle?)") end
  if spec.list then
    if type(v) ~= "table" or not is_array(v) then return nil end
    local items = {}
    for i = 1, #v do
      local item = encode_single(spec, v[i], depth)
      if not item then return nil end
      items[i] = item
    end
    return concat(items)
  elseif spec.map then
    if not is_object(v) or next(v) == nil then return nil end
    spec.value_spec = spec.value_spec or { number = ENTRY_VALUE, kind = spec.kind }
    local entries = {}
    for k, item in pairs(v) do
      local value = encode_single(spec.value_spec, item, depth)
      if not value then return nil end
      entries[#entries + 1] = len_field(spec.number, len_field(ENTRY_KEY, utf8(tostring(k))) .. value)
    end
    return concat(entries)
  end
  return encode_single(spec, v, depth)
end

--- A message's oneofs: name -> members in field-number order (built once per message).
local function oneofs_of(msg)
  local found = rawget(msg, "_oneofs")
  if found then return found end
  found = {}
  for _, spec in pairs(msg) do
    if type(spec) == "table" and spec.oneof then
      found[spec.oneof] = found[spec.oneof] or {}
      table.insert(found[spec.oneof], spec)
    end
  end
  for _, members in pairs(found) do
    table.sort(members, function(a, b) return a.number < b.number end)
  end
  msg._oneofs = found
  return found
end

--- A typed message from a JSON-shaped table. `special(k, v)` may claim keys first (returns the
--- bytes, or false to leave the key to the rules).
function encode_typed(msg, t, depth, special)
  local out, rest = {}, nil
  local oneofs = oneofs_of(msg)
  for k, v in pairs(t) do
    budget.check()
    local bytes = special and special(k, v) or nil
    if bytes == nil and type(k) == "string" and k:sub(1, 1) ~= "_" and k ~= msg._rest then
      local spec = msg[k]
      if spec and not spec.oneof then
        bytes = encode_field(spec, v, depth)
      elseif oneofs[k] then
        for _, member in ipairs(oneofs[k]) do
          bytes = encode_field(member, v, depth)
          if bytes then break end
        end
      end
    end
    if bytes then
      out[#out + 1] = bytes
    else
      rest = rest or {}
      rest[k] = true
    end
  end
  if rest then
    if not msg._rest then error("protobuf: a key the schema cannot hold") end
    out[#out + 1] = len_field(msg[msg._rest].number, encode_struct(t, rest, depth))
  end
  return concat(out)
end

--- The payload field of an event of this type/subtype, when its schema has a typed one.
local function payload_field(event)
  if type(event.type) ~= "string" then return nil end
  local case = schema._payload_by_type[event.type:upper()]
  if type(case) == "table" then
    case = type(event.subtype) == "string" and case[event.subtype:upper()] or nil
  end
  return case and schema.Event[case]
end

function encode_event(event, depth)
  return encode_typed(schema.Event, event, depth, function(k, v)
    if k ~= "payload" then return nil end
    local typed = is_object(v) and payload_field(event)
    if typed then return encode_single(typed, v, depth) end
    return len_field(schema.Event.raw_payload.number, encode_value(v, depth))
  end)
end

--- jimbot.events.v1.EventBatch of a batch table ({batch_id, events, source, timestamp}).
function M.encode_batch(batch)
  return encode_typed(schema.EventBatch, batch, 1)
end

return M
end
jimbot_loaders["jimbot.websocket"] = function()
local require = jimbot_require
-- An RFC 6455 WebSocket client over a LuaSocket TCP socket that never blocks: `step()` does
-- whatever I/O is possible right now (connect, handshake, send, receive) and returns. Callbacks:
-- on_open(), on_message(data, is_binary), on_close(code, reason) (exactly once per socket).
-- Client frames are masked; a message is framed lazily, one `fragment_size` fragment at a time
-- while step(deadline)'s time lasts (at least one), so masking a large message is spread over
-- frames; fragmented,
-- ping and close frames from the server are handled; a message above `max_message` closes the
-- socket (1009); a protocol violation closes it (1002).
local bitops = require("jimbot.bitops")
local sha1 = require("jimbot.sha1")
local base64 = require("jimbot.base64")

local Ws = {}
Ws.__index = Ws

local GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
local OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
local MAX_HEADER_BYTES = 16384
local READ_CHUNK = 65536
local char, byte, concat, floor = string.char, string.byte, table.concat, math.floor

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = char(math.random(0, 255)) end
  return concat(t)
end

local mask = bitops.mask

local function u16(n) return char(floor(n / 256), n % 256) end

local function frame(opcode, payload, fin)
  local first = char((fin and 128 or 0) + opcode)
  local n, len = #payload, nil
  if n < 126 then
    len = char(128 + n)
  elseif n < 65536 then
    len = char(128 + 126) .. u16(n)
  else
    len = char(128 + 127) .. "\0\0" .. u16(floor(n / 4294967296) % 65536)
      .. u16(floor(n / 65536) % 65536) .. u16(n % 65536)
  end
  local key = random_bytes(4)
  return first .. len .. key .. mask(payload, key)
end

--- opts: host, port, path, socket (LuaSocket), now (seconds), connect_timeout (s),
--- max_message (bytes), fragment_size (bytes), on_open, on_message, on_close.
function Ws.new(opts)
  local self = setmetatable({
    host = opts.host, port = opts.port, path = opts.path or "/",
    socket = opts.socket, now = opts.now,
    connect_timeout = opts.connect_timeout or 5,
    close_timeout = opts.close_timeout or 2,
    max_message = opts.max_message or 1048576,
    fragment_size = opts.fragment_size or 8192,
    on_open = opts.on_open or function() end,
    on_message = opts.on_message or function() end,
    on_close = opts.on_close or function() end,
    state = "connecting", inbuf = "", out = {}, outbuf = "", outpos = 1,
    parts = nil, parts_bytes = 0, parts_binary = false,
    bytes_sent = 0, bytes_received = 0,
  }, Ws)
  self.started = self.now()
  local tcp, err = self.socket.tcp()
  if not tcp then
    self:_finish(1006, "cannot make a socket: " .. tostring(err))
    return self
  end
  self.tcp = tcp
  tcp:settimeout(0)
  local ok, cerr = tcp:connect(self.host, self.port)
  if not ok and cerr ~= "timeout" and cerr ~= "Operation already in progress" then
    self:_finish(1006, "connect failed: " .. tostring(cerr))
    return self
  end
  -- Small frames must leave at once: with Nagle's algorithm a frame written while the previous
  -- one is unacknowledged waits for the peer's delayed ACK (40 ms on Linux). LuaSocket makes
  -- the descriptor in connect(), so the option can only be set after it.
  tcp:setoption("tcp-nodelay", true)
  return self
end

function Ws:is_open() return self.state == "open" end

function Ws:send_text(data) return self:_send_message(OP_TEXT, data) end
function Ws:send_binary(data) return self:_send_message(OP_BINARY, data) end

--- Starts the closing handshake; on_close runs when the server answers (or after a timeout).
function Ws:close(code, reason)
  if self.state == "open" then
    self:_queue(frame(OP_CLOSE, u16(code or 1000) .. (reason or ""):sub(1, 123), true))
    self.state = "closing"
    self.closing_since = self.now()
  elseif self.state ~= "closed" and self.state ~= "closing" then
    self:_finish(code or 1000, reason or "closed before open")
  end
end

--- Drops the connection without a closing handshake (the peer stopped answering).
function Ws:abort(reason) self:_finish(1006, reason) end

function Ws:_send_message(opcode, data)
  if self.state ~= "open" then return false end
  self.out[#self.out + 1] = { opcode = opcode, data = data, pos = 1 }
  return true
end

function Ws:_queue(bytes) table.insert(self.out, self:_control_slot(), bytes) end

--- Control frames go before queued messages (RFC 6455 allows them between the fragments of one).
function Ws:_control_slot()
  local slot = 1
  while type(self.out[slot]) == "string" do slot = slot + 1 end
  return slot
end

--- The next frame of the first queued message (masked now); nil when none is queued.
function Ws:_next_fragment()
  local item = table.remove(self.out, 1)
  local size, data, pos = self.fragment_size, item.data, item.pos
  local last = pos + size > #data
  local bytes = frame(pos == 1 and item.opcode or OP_CONT, data:sub(pos, pos + size - 1), last)
  if not last then
    item.pos = pos + size
    table.insert(self.out, 1, item)
  end
  return bytes
end

--- Does all I/O possible without waiting; frames queued messages until `now()` passes
--- `deadline` (default: one fragment). Returns false once the socket is closed.
function Ws:step(deadline)
  if self.state == "closed" then return false end
  if self.state == "connecting" then self:_step_connect() end
  if self.state == "handshake" or self.state == "open" or self.state == "closing" then
    self:_flush(deadline)
  end
  if self.state == "handshake" then self:_read_handshake() end
  if self.state == "open" or self.state == "closing" then self:_read_frames() end
  if self.state == "closing" and self.now() - self.closing_since > self.close_timeout then
    self:_finish(1006, "the server did not answer the close")
  end
  return self.state ~= "closed"
end

function Ws:_step_connect()
  local _, writable = self.socket.select(nil, { self.tcp }, 0)
  if writable and writable[1] then
    if not self.tcp:getpeername() then
      return self:_finish(1006, "connection refused")
    end
    self.key = base64(random_bytes(16))
    self:_queue(table.concat({
      "GET " .. self.path .. " HTTP/1.1",
      "Host: " .. self.host .. ":" .. self.port,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: " .. self.key,
      "Sec-WebSocket-Version: 13",
      "User-Agent: BalatroMCP/1.0 (jimbot websocket)",
      "", "",
    }, "\r\n"))
    self.state = "handshake"
  elseif self.now() - self.started > self.connect_timeout then
    self:_finish(1006, "connect timed out")
  end
end

--- Reads what the socket has; returns the bytes or nil after handling a close/error.
function Ws:_receive()
  local data, err, partial = self.tcp:receive(READ_CHUNK)
  local got = data or partial
  if got and #got > 0 then self.bytes_received = self.bytes_received + #got end
  if err == "closed" then
    if got and #got > 0 then self.inbuf = self.inbuf .. got end
    return nil, "closed"
  elseif err and err ~= "timeout" then
    return nil, err
  end
  return got
end

function Ws:_read_handshake()
  local got, err = self:_receive()
  if got then self.inbuf = self.inbuf .. got end
  local head_end = self.inbuf:find("\r\n\r\n", 1, true)
  if not head_end then
    if err then return self:_finish(1006, "upgrade failed: connection " .. err) end
    if #self.inbuf > MAX_HEADER_BYTES then return self:_finish(1002, "upgrade answer too large") end
    if self.now() - self.started > self.connect_timeout then
      return self:_finish(1006, "upgrade timed out")
    end
    return
  end
  local head = self.inbuf:sub(1, head_end - 1)
  self.inbuf = self.inbuf:sub(head_end + 4)
  local status = tonumber(head:match("^HTTP/1%.1 (%d%d%d)"))
  if status ~= 101 then
    return self:_finish(1006, "upgrade refused: HTTP " .. tostring(status or "?"))
  end
  local headers = {}
  for name, value in head:gmatch("\r\n([^:\r\n]+):[ \t]*([^\r\n]*)") do
    headers[name:lower()] = value
  end
  local expected = base64(sha1(self.key .. GUID))
  if (headers["upgrade"] or ""):lower() ~= "websocket"
      or not (headers["connection"] or ""):lower():find("upgrade", 1, true)
      or headers["sec-websocket-accept"] ~= expected then
    return self:_finish(1002, "upgrade answer invalid (Sec-WebSocket-Accept or headers)")
  end
  self.state = "open"
  self.on_open()
  if self.state == "open" then self:_read_frames(true) end
end

--- Parses every complete frame in the input buffer (after reading more unless `buffered_only`).
function Ws:_read_frames(buffered_only)
  local err
  if not buffered_only then
    local got
    got, err = self:_receive()
    if got and #got > 0 then self.inbuf = self.inbuf .. got end
  end
  local buf, pos = self.inbuf, 1
  while self.state == "open" or self.state == "closing" do
    local n = #buf - pos + 1
    if n < 2 then break end
    local b1, b2 = byte(buf, pos, pos + 1)
    local fin, opcode = b1 >= 128, b1 % 16
    local len, header = b2 % 128, 2
    if b1 % 128 >= 16 then return self:_fail(1002, "reserved bits set") end
    if b2 >= 128 then return self:_fail(1002, "the server masked a frame") end
    if len == 126 then
      if n < 4 then break end
      local h, l = byte(buf, pos + 2, pos + 3)
      len, header = h * 256 + l, 4
    elseif len == 127 then
      if n < 10 then break end
      len = 0
      for i = 2, 9 do len = len * 256 + byte(buf, pos + i) end
      header = 10
    end
    if opcode >= OP_CLOSE and (len > 125 or not fin) then
      return self:_fail(1002, "an invalid control frame")
    end
    if len + self.parts_bytes > self.max_message then
      return self:_fail(1009, "a message larger than " .. self.max_message .. " bytes")
    end
    if n < header + len then break end
    local payload = buf:sub(pos + header, pos + header + len - 1)
    pos = pos + header + len
    self:_on_frame(fin, opcode, payload)
  end
  if self.state ~= "closed" then self.inbuf = buf:sub(pos) end
  if err and self.state ~= "closed" then
    self:_finish(1006, "connection " .. err)
  end
end

function Ws:_on_frame(fin, opcode, payload)
  if opcode == OP_PING then
    if self.state == "open" then self:_queue(frame(OP_PONG, payload, true)) end
  elseif opcode == OP_PONG then -- unsolicited or late: nothing to do
  elseif opcode == OP_CLOSE then
    local code = #payload >= 2 and byte(payload, 1) * 256 + byte(payload, 2) or 1005
    local reason = payload:sub(3)
    if self.state == "open" then
      self:_queue(frame(OP_CLOSE, #payload >= 2 and payload:sub(1, 2) or "", true))
      self:_flush()
    end
    self:_finish(code, reason)
  elseif opcode == OP_TEXT or opcode == OP_BINARY then
    if self.parts then return self:_fail(1002, "a new message inside a fragmented one") end
    if fin then
      self.on_message(payload, opcode == OP_BINARY)
    else
      self.parts, self.parts_bytes, self.parts_binary = { payload }, #payload, opcode == OP_BINARY
    end
  elseif opcode == OP_CONT then
    if not self.parts then return self:_fail(1002, "a continuation without a message") end
    self.parts[#self.parts + 1] = payload
    self.parts_bytes = self.parts_bytes + #payload
    if fin then
      local data, binary = concat(self.parts), self.parts_binary
      self.parts, self.parts_bytes = nil, 0
      self.on_message(data, binary)
    end
  else
    self:_fail(1002, "unknown opcode " .. opcode)
  end
end

--- Writes queued bytes until the socket would block, framing message fragments while there is
--- time before `deadline` (one when none is given).
function Ws:_flush(deadline)
  local framed = false
  while true do
    if self.outpos > #self.outbuf then
      local item = self.out[1]
      if item == nil then return end
      if type(item) == "string" then
        table.remove(self.out, 1)
        self.outbuf = item
      elseif framed and (deadline == nil or self.now() >= deadline) then
        return
      else
        self.outbuf, framed = self:_next_fragment(), true
      end
      self.outpos = 1
    end
    local last, err, partial = self.tcp:send(self.outbuf, self.outpos)
    local sent_to = last or partial or (self.outpos - 1)
    self.bytes_sent = self.bytes_sent + (sent_to - self.outpos + 1)
    self.outpos = sent_to + 1
    if err == "timeout" then return end
    if err then return self:_finish(1006, "connection " .. err) end
  end
end

--- A protocol violation: tell the server why, then drop the connection.
function Ws:_fail(code, reason)
  if self.state == "open" then
    self:_queue(frame(OP_CLOSE, u16(code) .. reason:sub(1, 123), true))
    self:_flush()
  end
  self:_finish(code, reason)
end

function Ws:_finish(code, reason)
  if self.state == "closed" then return end
  self.state = "closed"
  if self.tcp then self.tcp:close() end
  self.on_close(code, reason)
end

return Ws
end
jimbot_loaders["jimbot.http"] = function()
local require = jimbot_require
-- One HTTP/1.1 POST over a LuaSocket TCP socket that never blocks: `step()` does whatever I/O
-- is possible now and returns true once the exchange is over (`status` set, or `error`).
-- One connection per request (Connection: close), as the mod's own client does.
local Request = {}
Request.__index = Request

local READ_CHUNK = 65536
local MAX_ANSWER_BYTES = 1048576

--- opts: host, port, path, body, content_type, socket (LuaSocket), now, timeout (s).
function Request.post(opts)
  local self = setmetatable({
    socket = opts.socket, now = opts.now, timeout = opts.timeout or 5,
    state = "connecting", inbuf = {}, inbytes = 0, pos = 1, bytes_sent = 0,
  }, Request)
  self.started = self.now()
  self.out = table.concat({
    "POST " .. opts.path .. " HTTP/1.1",
    "Host: " .. opts.host .. ":" .. opts.port,
    "Content-Type: " .. (opts.content_type or "application/json"),
    "Content-Length: " .. #opts.body,
    "User-Agent: BalatroMCP/1.0",
    "Connection: close",
    "", opts.body,
  }, "\r\n")
  local tcp = opts.socket.tcp()
  self.tcp = tcp
  tcp:settimeout(0)
  local ok, err = tcp:connect(opts.host, opts.port)
  if not ok and err ~= "timeout" and err ~= "Operation already in progress" then
    self:_fail("connect failed: " .. tostring(err))
    return self
  end
  tcp:setoption("tcp-nodelay", true) -- (after connect, see websocket.lua)
  return self
end

function Request:step()
  if self.state == "done" then return true end
  if self.now() - self.started > self.timeout then
    self:_fail("timed out after " .. self.timeout .. " s")
    return true
  end
  if self.state == "connecting" then
    local _, writable = self.socket.select(nil, { self.tcp }, 0)
    if not (writable and writable[1]) then return false end
    if not self.tcp:getpeername() then
      self:_fail("connection refused")
      return true
    end
    self.state = "sending"
  end
  if self.state == "sending" then
    local last, err, partial = self.tcp:send(self.out, self.pos)
    local sent_to = last or partial or (self.pos - 1)
    self.bytes_sent = self.bytes_sent + sent_to - self.pos + 1
    self.pos = sent_to + 1
    if err and err ~= "timeout" then
      self:_fail("send failed: " .. err)
      return true
    end
    if self.pos > #self.out then self.state = "receiving" end
  end
  if self.state == "receiving" then self:_receive() end
  return self.state == "done"
end

function Request:_receive()
  local data, err, partial = self.tcp:receive(READ_CHUNK)
  local got = data or partial
  if got and #got > 0 then
    self.inbuf[#self.inbuf + 1] = got
    self.inbytes = self.inbytes + #got
  end
  if self.inbytes > MAX_ANSWER_BYTES then return self:_fail("answer too large") end
  local text = table.concat(self.inbuf)
  self.inbuf = { text }
  local head_end = text:find("\r\n\r\n", 1, true)
  if head_end then
    local length = tonumber(text:sub(1, head_end):lower():match("\r\ncontent%-length:%s*(%d+)"))
    if length and #text >= head_end + 3 + length then
      return self:_done(text, head_end, length)
    end
  end
  if err == "closed" then
    if head_end then return self:_done(text, head_end, #text - head_end - 3) end
    return self:_fail("connection closed before an answer")
  elseif err and err ~= "timeout" then
    return self:_fail("receive failed: " .. err)
  end
end

function Request:_done(text, head_end, length)
  self.status = tonumber(text:match("^HTTP/1%.%d (%d%d%d)"))
  self.body = text:sub(head_end + 4, head_end + 3 + length)
  if not self.status then return self:_fail("not an HTTP answer") end
  self.bytes_received = self.inbytes
  self.state = "done"
  self.tcp:close()
end

function Request:_fail(reason)
  self.error = reason
  self.state = "done"
  if self.tcp then self.tcp:close() end
end


return Request
end
jimbot_loaders["jimbot.backoff"] = function()
local require = jimbot_require
-- Reconnect delays: exponential in the number of failures in a row, capped, with full jitter
-- (a uniformly random wait in [base/2, that delay]) so clients that lost the bus together do
-- not come back in lockstep.
return function(failures, base_s, max_s, random)
  local delay = math.min(max_s, base_s * 2 ^ math.max(0, failures - 1))
  return delay / 2 + random() * delay / 2
end
end
jimbot_loaders["jimbot.ids"] = function()
local require = jimbot_require
-- Event and batch ids: pseudo-UUIDv4 strings from a generator of our own, seeded once from the
-- clock, the CPU time and a table address, so ids differ between game launches without
-- reseeding (and so disturbing) the game's math.random.
local sha1 = require("jimbot.sha1")

local M = {}
local TWO32 = 4294967296

--- A source of random numbers: returns next_u16() and next_unit() (in [0, 1)).
function M.generator(seed_text)
  local digest = sha1(seed_text)
  local a, b, c, d = digest:byte(1, 4)
  local x = ((a * 256 + b) * 256 + c) * 256 + d
  local function step()
    x = (1664525 * x + 1013904223) % TWO32 -- Numerical Recipes LCG; the high bits are used
    return x
  end
  local function next_u16() return math.floor(step() / 65536) end
  return next_u16, function() return next_u16() / 65536 end
end

--- `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, lowercase hex, y in 8..b (the mod's format).
function M.uuid(next_u16)
  local w = {}
  for i = 1, 8 do w[i] = next_u16() end
  w[4] = 0x4000 + w[4] % 0x1000
  w[5] = 0x8000 + w[5] % 0x4000
  return string.format("%04x%04x-%04x-%04x-%04x-%04x%04x%04x",
    w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8])
end

return M
end
jimbot_loaders["jimbot.batch_encoder"] = function()
local require = jimbot_require
-- Encodes one batch a slice at a time, so that no single frame pays for a whole large batch
-- (a GAME_STATE alone is 8-12 KB): the encoder runs in a coroutine that yields whenever the
-- frame's CPU budget is spent (budget.lua), and step(deadline) resumes it.
local json = require("jimbot.json")
local protobuf = require("jimbot.protobuf")
local budget = require("jimbot.budget")

local BatchEncoder = {}
BatchEncoder.__index = BatchEncoder

--- batch: { batch_id, events, source, timestamp } (other keys are the client's and not sent);
--- encoding: "json" | "protobuf".
function BatchEncoder.new(batch, encoding)
  local encode = encoding == "protobuf" and protobuf.encode_batch or json.encode
  local wire = { batch_id = batch.batch_id, events = batch.events, source = batch.source,
    timestamp = batch.timestamp }
  return setmetatable({
    batch = batch,
    co = coroutine.create(function() return encode(wire) end),
  }, BatchEncoder)
end

--- Encodes until done or `clock()` passes `deadline`: the body once done, else nil.
--- Raises when the batch cannot be encoded (e.g. a table that contains itself).
function BatchEncoder:step(deadline, clock)
  local done, body = budget.resume_until(self.co, deadline, clock)
  if done then return body end
  return nil
end

return BatchEncoder
end
local require = jimbot_require
-- BalatroMCP: Event Bus Client (JimBot Bus edition), a drop-in for the mod's
-- event_bus_client.lua with the same public methods and config keys.
--
-- Nothing here blocks a frame: events are queued, and update(dt) (already called by the mod's
-- main loop every frame) connects, sends and reads without waiting. Batches go over a WebSocket
-- to /api/v1/ws, each acknowledged by its batch_id once the bus stored it durably; when the
-- upgrade fails or the socket dies, batches go by REST POST to event_bus_url .. "/batch" (as the
-- mod always did) until the socket is back. Unacknowledged batches are re-sent after a reconnect
-- (the bus de-duplicates by event_id). Extra config keys:
--   event_bus_transport = "auto" | "websocket" | "rest"  (default "auto")
--   event_bus_encoding  = "json" | "protobuf"            (default "json")
--   event_bus_ws_url    = "ws://host:port/api/v1/ws"     (default: derived from event_bus_url)
--   event_bus_frame_budget_ms = 0.3  (time per update spent encoding batches; a slice at least)
--   on_batch_acked      = function(batch, transport)     (called once the bus stored a batch)
local json = require("jimbot.json")
local protobuf = require("jimbot.protobuf")
local WebSocket = require("jimbot.websocket")
local HttpRequest = require("jimbot.http")
local BatchEncoder = require("jimbot.batch_encoder")
local backoff = require("jimbot.backoff")
local ids = require("jimbot.ids")

local EventBusClient = {
  url = nil,
  timeout = 5,
  retry_count = 0,
  max_retries = 3,
  retry_delay = 1,
  logger = nil,
  connected = false,
  event_queue = {},
  sending = false,
  local_buffer = {},
  max_buffer_size = 1000,
}
EventBusClient.__index = EventBusClient

local DEFAULT_URL = "http://localhost:8080/api/v1/events"
local MAX_EVENTS_PER_BATCH = 50
local MAX_IN_FLIGHT_WS = 4
local MAX_BACKOFF_S = 30
local PROTOBUF_TYPE = "application/x-protobuf"
local DEFAULT_FRAME_BUDGET_MS = 0.3

local silent_logger = {}
for _, level in ipairs({ "debug", "info", "warn", "error" }) do
  silent_logger[level] = function() end
end

--- A fresh client (the module table itself is the mod's singleton; tests make several).
function EventBusClient.new()
  return setmetatable({}, EventBusClient)
end

local function mod_logger()
  local mod = rawget(_G, "BalatroMCP")
  return mod and mod.components and mod.components.logger
end

--- Initialize the client (the mod's config table).
function EventBusClient:init(config)
  config = config or {}
  self.socket = config.socket or require("socket")
  self.clock = config.clock
    or (rawget(_G, "love") and love.timer and love.timer.getTime)
    or self.socket.gettime
  self.url = config.event_bus_url or DEFAULT_URL
  self.timeout = (config.event_bus_timeout or 5000) / 1000
  self.max_retries = config.max_retries or 3
  self.retry_delay = (config.retry_delay_ms or 1000) / 1000
  self.max_backoff = (config.event_bus_max_backoff_ms or MAX_BACKOFF_S * 1000) / 1000
  self.max_buffer_size = config.max_buffer_size or 1000
  self.logger = config.logger or mod_logger() or silent_logger
  self.transport = config.event_bus_transport or "auto"
  self.encoding = config.event_bus_encoding or "json"
  if self.transport ~= "auto" and self.transport ~= "websocket" and self.transport ~= "rest" then
    self.logger:error("Unknown event_bus_transport, using auto", { value = self.transport })
    self.transport = "auto"
  end
  if self.encoding ~= "json" and self.encoding ~= "protobuf" then
    self.logger:error("Unknown event_bus_encoding, using json", { value = self.encoding })
    self.encoding = "json"
  end
  self.fragment_size = config.event_bus_fragment_size
  self.frame_budget = (config.event_bus_frame_budget_ms or DEFAULT_FRAME_BUDGET_MS) / 1000
  self.host, self.port, self.path = self:parse_url(self.url)
  self.ws_host, self.ws_port, self.ws_path = self:parse_url(config.event_bus_ws_url
    or (self.url:gsub("^http", "ws"):gsub("/events/?$", "/ws")))
  self.next_u16, self.random = ids.generator(table.concat({
    tostring(os.time()), tostring(os.clock()), tostring(self.clock()), tostring({}),
  }, "|"))

  self.connected = false
  self.connection_tested = false
  self.retry_count = 0
  self.event_queue = {}
  self.local_buffer = {}
  self.in_flight = {}   -- batch_id -> batch; sent, awaiting the bus's ack
  self.in_flight_count = 0
  self.encoder = nil -- the batch being encoded, a few events per frame
  self.ready = nil   -- { batch, body }: encoded, waiting for a transport
  self.ws = nil
  self.ws_failures = 0
  self.ws_next_try = 0
  self.ws_pause_until = 0 -- the bus asked to retry later (its log was saturated)
  self.rest_request = nil
  self.rest_failures = 0
  self.rest_next_try = 0
  self.stats = {
    batches_sent = 0, batches_acked = 0, events_acked = 0, batches_resent = 0,
    events_dropped = 0, batches_refused = 0, bytes_sent = 0, bytes_received = 0,
    acked_via_websocket = 0, acked_via_rest = 0,
  }
  self.on_batch_acked = config.on_batch_acked
  self.ack_latencies = config.record_ack_latency and {} or nil
end

--- Probe the bus: queues the mod's connection_test event; `connected` turns true at its ack.
function EventBusClient:test_connection()
  self.connection_tested = true
  self.logger:info("Testing connection to event bus", { url = self.url })
  self:buffer_event({
    type = "connection_test",
    event_id = self:generate_uuid(),
    timestamp = os.time() * 1000,
    source = "BalatroMCP",
    data = { message = "Testing event bus connection" },
  })
end

--- Stamp the fields every sent event carries; values already present are kept (so a resend is
--- the same event).
function EventBusClient:_stamp(event)
  event.event_id = event.event_id or self:generate_uuid()
  event.timestamp = event.timestamp or (os.time() * 1000)
  event.source = event.source or "BalatroMCP"
  event.version = event.version or 1
  return event
end

--- Send one event: to the mod's aggregator when there is one (as the mod does), else queued.
function EventBusClient:send_event(event)
  local mod = rawget(_G, "BalatroMCP")
  if mod and mod.components and mod.components.aggregator then
    mod.components.aggregator:add_event(event)
    return true
  end
  if not self.connection_tested then self:test_connection() end
  self:buffer_event(self:_stamp(event))
  return true
end

--- Kept for compatibility: queues like send_event (this client never blocks the game).
function EventBusClient:send_event_sync(event)
  if not self.connection_tested then self:test_connection() end
  self:buffer_event(self:_stamp(event))
  return true
end

--- Send a batch of events (from the aggregator). Returns at once; update(dt) does the I/O.
function EventBusClient:send_batch(events)
  if #events == 0 then return true end
  if not self.connection_tested then self:test_connection() end
  for _, event in ipairs(events) do self:buffer_event(self:_stamp(event)) end
  return true
end

--- Keep an event until the bus acknowledges it: bounded, the oldest dropped (the mod's rule).
function EventBusClient:buffer_event(event)
  if #self.local_buffer >= self.max_buffer_size then
    table.remove(self.local_buffer, 1)
    self:_dropped(1)
  end
  self.local_buffer[#self.local_buffer + 1] = event
end

--- Counts dropped events; logs the first and every 100th (a log line costs the game a write).
function EventBusClient:_dropped(n)
  local before = self.stats.events_dropped
  self.stats.events_dropped = before + n
  if before == 0 or math.floor(before / 100) < math.floor(self.stats.events_dropped / 100) then
    self.logger:warn("Local buffer full, dropping oldest events",
      { dropped = self.stats.events_dropped, max_buffer_size = self.max_buffer_size })
  end
end

--- Events of unacknowledged batches go back to the front of the buffer, in order.
function EventBusClient:_requeue(batch)
  local merged = {}
  for i = 1, #batch.events do merged[i] = batch.events[i] end
  for i = 1, #self.local_buffer do merged[#merged + 1] = self.local_buffer[i] end
  while #merged > self.max_buffer_size do
    table.remove(merged, 1)
    self:_dropped(1)
  end
  self.local_buffer = merged
  self.stats.batches_resent = self.stats.batches_resent + 1
end

--- Encode and send what the transport can take now, within this frame's CPU budget.
function EventBusClient:flush_buffer()
  local now = self.clock()
  self:_pump(now, now + self.frame_budget)
end

function EventBusClient:_pump(now, deadline)
  while true do
    if not self.ready then
      if not self.encoder then
        if #self.local_buffer == 0 or not self:_sender(now) then return end
        self.encoder = BatchEncoder.new(self:_take_batch(), self.encoding)
      end
      local ok, body = pcall(self.encoder.step, self.encoder, deadline, self.clock)
      if not ok then
        self.logger:error("Cannot encode a batch, dropping it", { error = tostring(body) })
        self:_dropped(#self.encoder.batch.events)
        self.encoder = nil
        return
      end
      if not body then return end
      self.ready = { batch = self.encoder.batch, body = body }
      self.encoder = nil
    end
    local send = self:_sender(now)
    if not send then return end
    send(self, self.ready.batch, self.ready.body, now)
    self.ready = nil
    if self.clock() >= deadline then return end
  end
end

--- The function that sends a batch now, or nil when nothing can take one.
function EventBusClient:_sender(now)
  if self.ws and self.ws:is_open() then
    if self.in_flight_count < MAX_IN_FLIGHT_WS and now >= self.ws_pause_until then
      return self._send_ws
    end
    return nil
  end
  if self.transport == "websocket" or self.rest_request or now < self.rest_next_try then
    return nil
  end
  if self.transport == "auto" and self.ws then return nil end -- an upgrade is under way
  return self._send_rest
end

function EventBusClient:_take_batch()
  local n = math.min(MAX_EVENTS_PER_BATCH, #self.local_buffer)
  local events, rest = {}, {}
  for i = 1, n do events[i] = self.local_buffer[i] end
  for i = n + 1, #self.local_buffer do rest[#rest + 1] = self.local_buffer[i] end
  self.local_buffer = rest
  return {
    batch_id = self:generate_uuid(),
    events = events,
    source = "BalatroMCP",
    timestamp = os.time() * 1000,
    created_at = self.clock(), -- not sent: the start of its ack latency
  }
end

function EventBusClient:_track(batch, now)
  batch.sent_at = now
  self.in_flight[batch.batch_id] = batch
  self.in_flight_count = self.in_flight_count + 1
  self.stats.batches_sent = self.stats.batches_sent + 1
end

function EventBusClient:_untrack(batch_id)
  local batch = self.in_flight[batch_id]
  if batch then
    self.in_flight[batch_id] = nil
    self.in_flight_count = self.in_flight_count - 1
  end
  return batch
end

function EventBusClient:_send_ws(batch, body, now)
  self:_track(batch, now)
  if self.encoding == "protobuf" then self.ws:send_binary(body) else self.ws:send_text(body) end
end

function EventBusClient:_send_rest(batch, body, now)
  self:_track(batch, now)
  self.rest_batch = batch
  self.rest_request = HttpRequest.post({
    socket = self.socket, now = self.clock, timeout = self.timeout,
    host = self.host, port = self.port, path = self.path .. "/batch",
    body = body,
    content_type = self.encoding == "protobuf" and PROTOBUF_TYPE or "application/json",
  })
end

--- The bus stored the batch: forget it.
function EventBusClient:_acked(batch_id, now, transport)
  local batch = self:_untrack(batch_id)
  if not batch then return end
  self.stats.batches_acked = self.stats.batches_acked + 1
  local via = "acked_via_" .. transport
  self.stats[via] = self.stats[via] + 1
  if self.on_batch_acked then self.on_batch_acked(batch, transport) end
  self.stats.events_acked = self.stats.events_acked + #batch.events
  if self.ack_latencies then self.ack_latencies[#self.ack_latencies + 1] = now - batch.created_at end
  if not self.connected then self.logger:info("Event bus connection established") end
  self.connected = true
  self.retry_count = 0
end

--- The bus refused the batch for good (it keeps such bodies as dead letters): drop it.
function EventBusClient:_refused(batch_id, why)
  local batch = self:_untrack(batch_id)
  if not batch then return end
  self.stats.batches_refused = self.stats.batches_refused + 1
  self.logger:error("The event bus refused a batch", { batch_id = batch_id, error = why })
end

function EventBusClient:_retry_later(batch_id)
  local batch = self:_untrack(batch_id)
  if batch then self:_requeue(batch) end
end

function EventBusClient:_on_ws_message(text, is_binary, now)
  if is_binary then return end
  local op, batch_id = json.field_string(text, "op"), json.field_string(text, "batch_id")
  if op == "published" and batch_id then
    self:_acked(batch_id, now, "websocket")
  elseif op == "error" and batch_id then
    if json.field_boolean(text, "retry") then
      self:_retry_later(batch_id)
      self.ws_pause_until = now + self.retry_delay
    else
      self:_refused(batch_id, json.field_string(text, "error"))
    end
  elseif op == "error" then
    self.logger:warn("The event bus answered an error", { answer = text:sub(1, 200) })
  end
end

function EventBusClient:_open_ws(now)
  local client = self
  self.ws = WebSocket.new({
    socket = self.socket, now = self.clock,
    host = self.ws_host, port = self.ws_port, path = self.ws_path,
    connect_timeout = self.timeout, fragment_size = self.fragment_size,
    on_open = function()
      client.ws_failures = 0
      client.logger:info("Event bus WebSocket open", { url = client.ws_path })
    end,
    on_message = function(data, is_binary) client:_on_ws_message(data, is_binary, client.clock()) end,
    on_close = function(code, reason) client:_on_ws_close(code, reason) end,
  })
  self.ws_opened_at = now
end

function EventBusClient:_on_ws_close(code, reason)
  local ws = self.ws
  self.ws = nil
  if ws then self:_count_bytes(ws) end
  local requeued = {}
  for batch_id, batch in pairs(self.in_flight) do
    if batch ~= self.rest_batch then requeued[#requeued + 1] = batch end
  end
  table.sort(requeued, function(a, b) return a.sent_at > b.sent_at end)
  for _, batch in ipairs(requeued) do
    self:_untrack(batch.batch_id)
    self:_requeue(batch)
  end
  self.ws_failures = self.ws_failures + 1
  self.ws_next_try = self.clock() + backoff(self.ws_failures, self.retry_delay, self.max_backoff, self.random)
  if self.ws_failures == 1 or self.ws_failures == self.max_retries then
    self.logger:warn("Event bus WebSocket closed", { code = code, reason = reason,
      requeued = #requeued, failures = self.ws_failures })
  end
  self:_note_failure()
end

--- Adds a finished connection's traffic to the totals.
function EventBusClient:_count_bytes(connection)
  self.stats.bytes_sent = self.stats.bytes_sent + connection.bytes_sent
  self.stats.bytes_received = self.stats.bytes_received + (connection.bytes_received or 0)
end

function EventBusClient:_note_failure()
  self.retry_count = self.retry_count + 1
  if self.retry_count >= self.max_retries then self.connected = false end
end

function EventBusClient:_step_rest(now)
  local request = self.rest_request
  if not request or not request:step() then return end
  self.rest_request = nil
  local batch = self.rest_batch
  self.rest_batch = nil
  self:_count_bytes(request)
  local status = request.status
  if status and status >= 200 and status < 300 then
    self.rest_failures = 0
    self:_acked(batch.batch_id, now, "rest")
  elseif status == 400 or status == 413 or status == 415 then
    self:_refused(batch.batch_id, "HTTP " .. status .. ": " .. (request.body or ""):sub(1, 200))
  else
    self:_retry_later(batch.batch_id)
    self.rest_failures = self.rest_failures + 1
    self.rest_next_try = now + backoff(self.rest_failures, self.retry_delay, self.max_backoff, self.random)
    if self.rest_failures == 1 or self.rest_failures == self.max_retries then
      self.logger:warn("Event bus POST failed", { error = request.error, status = status,
        failures = self.rest_failures })
    end
    self:_note_failure()
  end
end

--- Drive the transport: call once per frame (the mod's main loop does).
function EventBusClient:update(dt)
  if not self.clock then return end
  local now = self.clock()
  if self.transport ~= "rest" then
    if self.ws then
      self.ws:step(now + self.frame_budget / 2)
      self:_check_ack_timeouts(now)
    elseif now >= self.ws_next_try and (#self.local_buffer > 0 or self.in_flight_count > 0
        or self.connection_tested) then
      self:_open_ws(now)
      self.ws:step()
    end
  end
  self:_step_rest(now)
  self:_pump(now, self.clock() + self.frame_budget)
  -- Start writing what was queued this frame (a new POST's connect is usually done already).
  if self.ws then self.ws:step(self.clock() + self.frame_budget / 2) end
  if self.rest_request then self:_step_rest(now) end
end

--- A WebSocket that stopped acknowledging is as good as dead: drop it and re-send.
function EventBusClient:_check_ack_timeouts(now)
  if not (self.ws and self.ws:is_open()) then return end
  for _, batch in pairs(self.in_flight) do
    if batch ~= self.rest_batch and now - batch.sent_at > self.timeout then
      self.logger:warn("No ack from the event bus in time, reconnecting", { batch_id = batch.batch_id })
      self.ws:abort("no ack within event_bus_timeout")
      return
    end
  end
end

--- The mod's queue of sync sends: moved into the buffer.
function EventBusClient:process_queue()
  for _, event in ipairs(self.event_queue) do self:buffer_event(self:_stamp(event)) end
  self.event_queue = {}
end

--- Blocking POST, kept for compatibility (the client itself never calls it): waits at most
--- event_bus_timeout. Returns ok, body_or_error.
function EventBusClient:http_post(url, data)
  local host, port, path = self:parse_url(url)
  local request = HttpRequest.post({
    socket = self.socket, now = self.clock, timeout = self.timeout,
    host = host, port = port, path = path, body = data,
  })
  while not request:step() do self.socket.select(nil, nil, 0.001) end
  if request.status and request.status >= 200 and request.status < 300 then
    return true, request.body or "OK"
  end
  return false, request.error or string.format("HTTP %d: %s", request.status, request.body or "")
end

--- Host, port and path of an http(s)/ws URL.
function EventBusClient:parse_url(url)
  local without_protocol = url:gsub("^%a+://", "")
  local host, path = without_protocol:match("^([^/]+)(.*)$")
  if path == nil or path == "" then path = "/" end
  local host_part, port = host:match("^([^:]+):(%d+)$")
  if host_part then return host_part, tonumber(port), path end
  return host, 80, path
end

function EventBusClient:event_to_json(event) return json.encode(event) end
function EventBusClient:batch_to_json(batch) return json.encode(batch) end
function EventBusClient:table_to_json(t) return json.encode(t) end

function EventBusClient:generate_uuid()
  if not self.next_u16 then
    self.next_u16, self.random = ids.generator(tostring(os.time()) .. tostring({}))
  end
  return ids.uuid(self.next_u16)
end

function EventBusClient:get_status()
  local stats = {}
  for k, v in pairs(self.stats) do stats[k] = v end
  if self.ws then -- the open connection's traffic so far
    stats.bytes_sent = stats.bytes_sent + self.ws.bytes_sent
    stats.bytes_received = stats.bytes_received + self.ws.bytes_received
  end
  local pending = (self.encoder and #self.encoder.batch.events or 0)
    + (self.ready and #self.ready.batch.events or 0)
  return {
    connected = self.connected,
    transport = (self.ws and self.ws:is_open()) and "websocket" or "rest",
    encoding = self.encoding,
    event_queue_size = #self.event_queue,
    local_buffer_size = #self.local_buffer + pending,
    in_flight_batches = self.in_flight_count,
    circuit_breaker = {
      is_open = self.retry_count >= self.max_retries,
      consecutive_failures = self.retry_count,
    },
    stats = stats,
    url = self.url,
  }
end

--- Health from what the client already knows (no request, so no blocking).
function EventBusClient:check_health()
  if self.connected and self.retry_count == 0 then return true, "Healthy" end
  if self.retry_count >= self.max_retries then
    return false, "Event bus unreachable (" .. self.retry_count .. " failures in a row)"
  end
  return false, self.connected and "Recovering" or "Not connected yet"
end

--- Close the socket (e.g. when the game quits); unacknowledged events stay in the buffer.
function EventBusClient:close()
  if self.ws then self.ws:close(1001, "game closing") end
end

return EventBusClient
