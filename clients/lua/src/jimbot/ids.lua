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
