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
