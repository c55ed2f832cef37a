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
