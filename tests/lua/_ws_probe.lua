-- Drives the client's WebSocket module (clients/lua/src/jimbot/websocket.lua) against a test
-- server: on open it sends "hello" and a 20000-byte text message (fragmented at 8192), echoes
-- every message it receives, and prints one JSON line per event (open, message, close).
--   lua _ws_probe.lua <root> <port> [seconds]
local root, port, seconds = arg[1], tonumber(arg[2]), tonumber(arg[3] or "5")
package.path = root .. "/clients/lua/src/?.lua;" .. package.path
local socket = require("socket")
local json = require("jimbot.json")
local WebSocket = require("jimbot.websocket")

local function emit(t) io.write(json.encode(t), "\n") io.flush() end
local ws
ws = WebSocket.new({
  socket = socket, now = socket.gettime, host = "127.0.0.1", port = port, path = "/probe",
  connect_timeout = 2, fragment_size = 8192,
  on_open = function()
    emit({ event = "open" })
    ws:send_text("hello")
    ws:send_text(string.rep("abcdefgh", 2500))
  end,
  on_message = function(data, binary)
    emit({ event = "message", data = data, binary = binary })
    if binary then ws:send_binary(data) else ws:send_text(data) end
  end,
  on_close = function(code, reason) emit({ event = "close", code = code, reason = reason }) end,
})
local started = socket.gettime()
while ws:step() and socket.gettime() - started < seconds do socket.sleep(0.002) end
if ws.state ~= "closed" then emit({ event = "timeout", state = ws.state }) end
