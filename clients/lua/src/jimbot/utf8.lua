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
