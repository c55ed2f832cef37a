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
