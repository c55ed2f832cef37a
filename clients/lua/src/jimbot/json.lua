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
