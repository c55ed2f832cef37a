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
