-- Unit checks of the client's pure parts and of the drop-in's surface, run under each
-- interpreter by units_test.ts; prints "ok <name>" per check, raises on the first failure.
local root = arg[1]
package.path = root .. "/clients/lua/src/?.lua;" .. package.path

local function check(name, fn)
  fn()
  print("ok " .. name)
end
local function eq(a, b, what)
  if a ~= b then error((what or "value") .. ": expected " .. tostring(b) .. ", got " .. tostring(a), 2) end
end

local bitops = require("jimbot.bitops")
local sha1 = require("jimbot.sha1")
local base64 = require("jimbot.base64")
local json = require("jimbot.json")
local ids = require("jimbot.ids")
local backoff = require("jimbot.backoff")

local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end

check("sha1 vectors (FIPS 180 and RFC 6455)", function()
  eq(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d")
  eq(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
  eq(hex(sha1(string.rep("a", 1000))), "291e9a6c66994949b57ba5e650361e98fc36b1ba")
  eq(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
  eq(base64(sha1("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11")),
    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
end)

check("base64 (RFC 4648 vectors)", function()
  local cases = { [""] = "", f = "Zg==", fo = "Zm8=", foo = "Zm9v", foob = "Zm9vYg==",
    fooba = "Zm9vYmE=", foobar = "Zm9vYmFy" }
  for input, want in pairs(cases) do eq(base64(input), want, input) end
end)

check("masking is its own inverse and matches per-byte XOR", function()
  local key = "\1\128\255\7"
  for _, n in ipairs({ 0, 1, 3, 4, 31, 32, 33, 100, 8193 }) do
    local t = {}
    for i = 1, n do t[i] = string.char((i * 37) % 256) end
    local payload = table.concat(t)
    local masked = bitops.mask(payload, key)
    eq(#masked, n)
    eq(bitops.mask(masked, key), payload, "unmask " .. n)
    for i = 1, n do
      eq(masked:byte(i), bitops.bxor(payload:byte(i), key:byte((i - 1) % 4 + 1)), "byte " .. i)
    end
  end
end)

check("json: escapes, numbers, arrays, empty tables", function()
  eq(json.encode({ 1, "2", true }), '[1,"2",true]')
  eq(json.encode({}), "{}")
  eq(json.encode("a\"b\\c\n\1\127"), '"a\\"b\\\\c\\n\\u0001\\u007f"')
  eq(json.encode(0 / 0), "null")
  eq(json.encode(math.huge), "null")
  eq(json.encode(1764489600000), "1764489600000")
  eq(json.encode(5012.3461), "5012.3461")
  eq(tonumber(json.encode(0.1 + 0.2)), 0.1 + 0.2)
  eq(json.encode({ a = { b = {} } }), '{"a":{"b":{}}}')
  eq(json.field_string('{"op":"published","batch_id":"ab-1","status":"ok"}', "batch_id"), "ab-1")
  eq(json.field_boolean('{"op":"error","retry":true}', "retry"), true)
end)

check("uuids look like the mod's and differ", function()
  local next_u16 = ids.generator("seed")
  local seen = {}
  for _ = 1, 1000 do
    local id = ids.uuid(next_u16)
    assert(id:match("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"), id)
    assert(not seen[id], "repeated " .. id)
    seen[id] = true
  end
end)

check("encoding in time slices (yielding at every check) gives the same bytes", function()
  local budget = require("jimbot.budget")
  local protobuf = require("jimbot.protobuf")
  local events = {}
  for i = 1, 300 do
    events[i] = { type = "MONEY_CHANGED", event_id = "e" .. i, payload = { new_value = i, old_value = -i } }
  end
  local batch = { batch_id = "b", source = "BalatroMCP", timestamp = 1, events = events }
  for _, encode in ipairs({ json.encode, protobuf.encode_batch }) do
    local whole = encode(batch)
    local co = coroutine.create(function() return encode(batch) end)
    local slices, done, sliced = 0, false, nil
    repeat
      done, sliced = budget.resume_until(co, 0, os.clock) -- a deadline always past
      slices = slices + 1
    until done
    assert(slices > 10, "it yielded only " .. slices .. " times")
    eq(sliced, whole)
  end
end)

check("backoff grows exponentially, is capped and jittered", function()
  local lo, hi = backoff(1, 1, 30, function() return 0 end), backoff(1, 1, 30, function() return 0.999 end)
  assert(lo >= 0.5 and hi <= 1 and hi > lo, "first delay in [0.5, 1]")
  eq(backoff(4, 1, 30, function() return 1 end), 8)
  eq(backoff(20, 1, 30, function() return 1 end), 30)
end)

check("the drop-in has the mod's surface and works in the mod's environment", function()
  local logged = {}
  local added = {}
  local logger = {}
  for _, level in ipairs({ "debug", "info", "warn", "error" }) do
    logger[level] = function(_, msg) logged[#logged + 1] = level .. ": " .. msg end
  end
  local clock = 100
  _G.love = { timer = { getTime = function() return clock end } }
  _G.BalatroMCP = { components = { logger = logger } }
  local Client = dofile(root .. "/clients/lua/event_bus_client.lua")
  for _, name in ipairs({ "init", "test_connection", "send_event", "send_event_sync", "send_batch",
    "http_post", "update", "get_status", "check_health", "buffer_event", "flush_buffer",
    "generate_uuid", "parse_url", "event_to_json", "batch_to_json", "table_to_json",
    "process_queue" }) do
    assert(type(Client[name]) == "function", "missing method " .. name)
  end
  -- The mod's own config table (config.lua defaults), nothing more.
  Client:init({ event_bus_url = "http://127.0.0.1:9/api/v1/events", event_bus_timeout = 5000,
    max_retries = 3, retry_delay_ms = 1000, max_buffer_size = 3 })
  eq(Client.logger, logger, "uses BalatroMCP.components.logger")
  eq(select(3, Client:parse_url("http://localhost:8080/api/v1/events")), "/api/v1/events")
  eq(Client.ws_path, "/api/v1/ws")
  local status = Client:get_status()
  eq(status.connected, false)
  eq(status.url, "http://127.0.0.1:9/api/v1/events")
  eq(type(status.circuit_breaker), "table")
  -- With the aggregator present, send_event hands the event to it, as the mod does.
  _G.BalatroMCP.components.aggregator = { add_event = function(_, e) added[#added + 1] = e end }
  Client:send_event({ type = "HEARTBEAT", payload = {} })
  eq(#added, 1)
  _G.BalatroMCP.components.aggregator = nil
  -- The buffer keeps the newest max_buffer_size events (the probe queued first is dropped).
  Client:send_batch({ { type = "A" }, { type = "B" }, { type = "C" }, { type = "D" } })
  eq(Client:get_status().local_buffer_size, 3)
  eq(Client.local_buffer[1].type, "B")
  local e = Client.local_buffer[1]
  assert(e.event_id and e.source == "BalatroMCP" and e.version == 1 and e.timestamp, "stamped")
  local ok = Client:check_health()
  eq(ok, false)
  Client:update(0.016) -- never raises with no bus listening
  _G.love, _G.BalatroMCP = nil, nil
end)
