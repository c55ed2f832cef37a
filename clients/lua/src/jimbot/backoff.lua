-- Reconnect delays: exponential in the number of failures in a row, capped, with full jitter
-- (a uniformly random wait in [base/2, that delay]) so clients that lost the bus together do
-- not come back in lockstep.
return function(failures, base_s, max_s, random)
  local delay = math.min(max_s, base_s * 2 ^ math.max(0, failures - 1))
  return delay / 2 + random() * delay / 2
end
