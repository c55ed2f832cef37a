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
