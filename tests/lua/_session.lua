-- Plays a session of the mod's traffic through the installed client (the bundled
-- clients/lua/event_bus_client.lua) against a bus, one simulated game frame at a time, and
-- prints one JSON line: what was sent and acknowledged, the client's stats, and the Lua CPU
-- time each frame spent inside the client (send_batch + update).
--   lua _session.lua <plan.lua>   (the plan is a Lua file returning a table; see session.ts)
local plan = dofile(arg[1])
package.path = plan.root .. "/clients/lua/src/?.lua;" .. package.path
local json = require("jimbot.json")
local socket = require("socket")
local Client = dofile(plan.root .. "/clients/lua/event_bus_client.lua")

local function copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = copy(v) end
  return c
end

local acked_ids, ack_transports = {}, {}
local client = Client.new()
client:init({
  event_bus_url = plan.url,
  event_bus_transport = plan.transport,
  event_bus_encoding = plan.encoding,
  event_bus_timeout = plan.timeout_ms or 5000,
  retry_delay_ms = plan.retry_delay_ms or 200,
  event_bus_max_backoff_ms = plan.max_backoff_ms or 1000,
  max_buffer_size = plan.max_buffer_size or 1000,
  event_bus_frame_budget_ms = plan.frame_budget_ms,
  event_bus_fragment_size = plan.fragment_size,
  record_ack_latency = true,
  on_batch_acked = function(batch, transport)
    for _, e in ipairs(batch.events) do acked_ids[#acked_ids + 1] = e.event_id end
    ack_transports[transport] = true
  end,
})

if plan.invalid_utf8 then -- bytes a JS string cannot carry through the plan file
  plan.templates[#plan.templates + 1] = { type = "PHASE_CHANGED", source = "BalatroMCP",
    payload = { old_phase = "bad \255 and \224\128 end", ["k\237\160\128"] = "\240\144\128" } }
end

local frame_s = plan.frame_s or (1 / 60)
local started = socket.gettime()
local next_batch, template = started, 1
local sent_ids, frames = {}, {}
while true do
  local now = socket.gettime()
  local elapsed = now - started
  local status = client:get_status()
  local idle = status.local_buffer_size == 0 and status.in_flight_batches == 0
  if elapsed >= plan.duration_s and (idle or elapsed >= plan.duration_s + plan.drain_s) then break end
  local events
  if elapsed < plan.duration_s and now >= next_batch then
    events = {} -- the game's work (not timed): the mod builds its events
    for i = 1, plan.events_per_batch do
      local e = copy(plan.templates[template])
      template = template % #plan.templates + 1
      e.timestamp = elapsed * 1000 + i / 1000 -- the game clock, in ms, as the mod stamps it
      if plan.fixed_ids then -- the same events on every run (to compare encodings)
        e.event_id = string.format("fixed-%05d", #sent_ids + i)
        e.timestamp = #sent_ids + i + 0.25
      end
      events[i] = e
    end
  end
  local cpu = os.clock()
  if events then
    client:send_batch(events)
    for _, e in ipairs(events) do sent_ids[#sent_ids + 1] = e.event_id end
    next_batch = next_batch + plan.batch_interval_s
  end
  client:update(frame_s)
  frames[#frames + 1] = { now, (os.clock() - cpu) * 1000 }
  local rest = frame_s - (socket.gettime() - now)
  if rest > 0 then socket.sleep(rest) end
end

local transport_at_end = client:get_status().transport
client:close()
local closing = socket.gettime()
while client.ws and socket.gettime() - closing < 2 do
  client:update(0)
  socket.sleep(0.005)
end
local final = client:get_status()
local transports = {}
for t in pairs(ack_transports) do transports[#transports + 1] = t end
table.sort(transports)
io.write(json.encode({
  interpreter = jit and jit.version or _VERSION,
  sent_ids = sent_ids,
  acked_ids = acked_ids,
  transports = transports,
  final_transport = transport_at_end,
  local_buffer_size = final.local_buffer_size,
  in_flight_batches = final.in_flight_batches,
  stats = final.stats,
  ack_latencies_ms = (function()
    local out = {}
    for i, s in ipairs(client.ack_latencies) do out[i] = s * 1000 end
    return out
  end)(),
  frames = frames,
}), "\n")
