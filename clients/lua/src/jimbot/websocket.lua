-- An RFC 6455 WebSocket client over a LuaSocket TCP socket that never blocks: `step()` does
-- whatever I/O is possible right now (connect, handshake, send, receive) and returns. Callbacks:
-- on_open(), on_message(data, is_binary), on_close(code, reason) (exactly once per socket).
-- Client frames are masked; a message is framed lazily, one `fragment_size` fragment at a time
-- while step(deadline)'s time lasts (at least one), so masking a large message is spread over
-- frames; fragmented,
-- ping and close frames from the server are handled; a message above `max_message` closes the
-- socket (1009); a protocol violation closes it (1002).
local bitops = require("jimbot.bitops")
local sha1 = require("jimbot.sha1")
local base64 = require("jimbot.base64")

local Ws = {}
Ws.__index = Ws

local GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
local OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
local MAX_HEADER_BYTES = 16384
local READ_CHUNK = 65536
local char, byte, concat, floor = string.char, string.byte, table.concat, math.floor

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = char(math.random(0, 255)) end
  return concat(t)
end

local mask = bitops.mask

local function u16(n) return char(floor(n / 256), n % 256) end

local function frame(opcode, payload, fin)
  local first = char((fin and 128 or 0) + opcode)
  local n, len = #payload, nil
  if n < 126 then
    len = char(128 + n)
  elseif n < 65536 then
    len = char(128 + 126) .. u16(n)
  else
    len = char(128 + 127) .. "\0\0" .. u16(floor(n / 4294967296) % 65536)
      .. u16(floor(n / 65536) % 65536) .. u16(n % 65536)
  end
  local key = random_bytes(4)
  return first .. len .. key .. mask(payload, key)
end

--- opts: host, port, path, socket (LuaSocket), now (seconds), connect_timeout (s),
--- max_message (bytes), fragment_size (bytes), on_open, on_message, on_close.
function Ws.new(opts)
  local self = setmetatable({
    host = opts.host, port = opts.port, path = opts.path or "/",
    socket = opts.socket, now = opts.now,
    connect_timeout = opts.connect_timeout or 5,
    close_timeout = opts.close_timeout or 2,
    max_message = opts.max_message or 1048576,
    fragment_size = opts.fragment_size or 8192,
    on_open = opts.on_open or function() end,
    on_message = opts.on_message or function() end,
    on_close = opts.on_close or function() end,
    state = "connecting", inbuf = "", out = {}, outbuf = "", outpos = 1,
    parts = nil, parts_bytes = 0, parts_binary = false,
    bytes_sent = 0, bytes_received = 0,
  }, Ws)
  self.started = self.now()
  local tcp, err = self.socket.tcp()
  if not tcp then
    self:_finish(1006, "cannot make a socket: " .. tostring(err))
    return self
  end
  self.tcp = tcp
  tcp:settimeout(0)
  local ok, cerr = tcp:connect(self.host, self.port)
  if not ok and cerr ~= "timeout" and cerr ~= "Operation already in progress" then
    self:_finish(1006, "connect failed: " .. tostring(cerr))
    return self
  end
  -- Small frames must leave at once: with Nagle's algorithm a frame written while the previous
  -- one is unacknowledged waits for the peer's delayed ACK (40 ms on Linux). LuaSocket makes
  -- the descriptor in connect(), so the option can only be set after it.
  tcp:setoption("tcp-nodelay", true)
  return self
end

function Ws:is_open() return self.state == "open" end

function Ws:send_text(data) return self:_send_message(OP_TEXT, data) end
function Ws:send_binary(data) return self:_send_message(OP_BINARY, data) end

--- Starts the closing handshake; on_close runs when the server answers (or after a timeout).
function Ws:close(code, reason)
  if self.state == "open" then
    self:_queue(frame(OP_CLOSE, u16(code or 1000) .. (reason or ""):sub(1, 123), true))
    self.state = "closing"
    self.closing_since = self.now()
  elseif self.state ~= "closed" and self.state ~= "closing" then
    self:_finish(code or 1000, reason or "closed before open")
  end
end

--- Drops the connection without a closing handshake (the peer stopped answering).
function Ws:abort(reason) self:_finish(1006, reason) end

function Ws:_send_message(opcode, data)
  if self.state ~= "open" then return false end
  self.out[#self.out + 1] = { opcode = opcode, data = data, pos = 1 }
  return true
end

function Ws:_queue(bytes) table.insert(self.out, self:_control_slot(), bytes) end

--- Control frames go before queued messages (RFC 6455 allows them between the fragments of one).
function Ws:_control_slot()
  local slot = 1
  while type(self.out[slot]) == "string" do slot = slot + 1 end
  return slot
end

--- The next frame of the first queued message (masked now); nil when none is queued.
function Ws:_next_fragment()
  local item = table.remove(self.out, 1)
  local size, data, pos = self.fragment_size, item.data, item.pos
  local last = pos + size > #data
  local bytes = frame(pos == 1 and item.opcode or OP_CONT, data:sub(pos, pos + size - 1), last)
  if not last then
    item.pos = pos + size
    table.insert(self.out, 1, item)
  end
  return bytes
end

--- Does all I/O possible without waiting; frames queued messages until `now()` passes
--- `deadline` (default: one fragment). Returns false once the socket is closed.
function Ws:step(deadline)
  if self.state == "closed" then return false end
  if self.state == "connecting" then self:_step_connect() end
  if self.state == "handshake" or self.state == "open" or self.state == "closing" then
    self:_flush(deadline)
  end
  if self.state == "handshake" then self:_read_handshake() end
  if self.state == "open" or self.state == "closing" then self:_read_frames() end
  if self.state == "closing" and self.now() - self.closing_since > self.close_timeout then
    self:_finish(1006, "the server did not answer the close")
  end
  return self.state ~= "closed"
end

function Ws:_step_connect()
  local _, writable = self.socket.select(nil, { self.tcp }, 0)
  if writable and writable[1] then
    if not self.tcp:getpeername() then
      return self:_finish(1006, "connection refused")
    end
    self.key = base64(random_bytes(16))
    self:_queue(table.concat({
      "GET " .. self.path .. " HTTP/1.1",
      "Host: " .. self.host .. ":" .. self.port,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: " .. self.key,
      "Sec-WebSocket-Version: 13",
      "User-Agent: BalatroMCP/1.0 (jimbot websocket)",
      "", "",
    }, "\r\n"))
    self.state = "handshake"
  elseif self.now() - self.started > self.connect_timeout then
    self:_finish(1006, "connect timed out")
  end
end

--- Reads what the socket has; returns the bytes or nil after handling a close/error.
function Ws:_receive()
  local data, err, partial = self.tcp:receive(READ_CHUNK)
  local got = data or partial
  if got and #got > 0 then self.bytes_received = self.bytes_received + #got end
  if err == "closed" then
    if got and #got > 0 then self.inbuf = self.inbuf .. got end
    return nil, "closed"
  elseif err and err ~= "timeout" then
    return nil, err
  end
  return got
end

function Ws:_read_handshake()
  local got, err = self:_receive()
  if got then self.inbuf = self.inbuf .. got end
  local head_end = self.inbuf:find("\r\n\r\n", 1, true)
  if not head_end then
    if err then return self:_finish(1006, "upgrade failed: connection " .. err) end
    if #self.inbuf > MAX_HEADER_BYTES then return self:_finish(1002, "upgrade answer too large") end
    if self.now() - self.started > self.connect_timeout then
      return self:_finish(1006, "upgrade timed out")
    end
    return
  end
  local head = self.inbuf:sub(1, head_end - 1)
  self.inbuf = self.inbuf:sub(head_end + 4)
  local status = tonumber(head:match("^HTTP/1%.1 (%d%d%d)"))
  if status ~= 101 then
    return self:_finish(1006, "upgrade refused: HTTP " .. tostring(status or "?"))
  end
  local headers = {}
  for name, value in head:gmatch("\r\n([^:\r\n]+):[ \t]*([^\r\n]*)") do
    headers[name:lower()] = value
  end
  local expected = base64(sha1(self.key .. GUID))
  if (headers["upgrade"] or ""):lower() ~= "websocket"
      or not (headers["connection"] or ""):lower():find("upgrade", 1, true)
      or headers["sec-websocket-accept"] ~= expected then
    return self:_finish(1002, "upgrade answer invalid (Sec-WebSocket-Accept or headers)")
  end
  self.state = "open"
  self.on_open()
  if self.state == "open" then self:_read_frames(true) end
end

--- Parses every complete frame in the input buffer (after reading more unless `buffered_only`).
function Ws:_read_frames(buffered_only)
  local err
  if not buffered_only then
    local got
    got, err = self:_receive()
    if got and #got > 0 then self.inbuf = self.inbuf .. got end
  end
  local buf, pos = self.inbuf, 1
  while self.state == "open" or self.state == "closing" do
    local n = #buf - pos + 1
    if n < 2 then break end
    local b1, b2 = byte(buf, pos, pos + 1)
    local fin, opcode = b1 >= 128, b1 % 16
    local len, header = b2 % 128, 2
    if b1 % 128 >= 16 then return self:_fail(1002, "reserved bits set") end
    if b2 >= 128 then return self:_fail(1002, "the server masked a frame") end
    if len == 126 then
      if n < 4 then break end
      local h, l = byte(buf, pos + 2, pos + 3)
      len, header = h * 256 + l, 4
    elseif len == 127 then
      if n < 10 then break end
      len = 0
      for i = 2, 9 do len = len * 256 + byte(buf, pos + i) end
      header = 10
    end
    if opcode >= OP_CLOSE and (len > 125 or not fin) then
      return self:_fail(1002, "an invalid control frame")
    end
    if len + self.parts_bytes > self.max_message then
      return self:_fail(1009, "a message larger than " .. self.max_message .. " bytes")
    end
    if n < header + len then break end
    local payload = buf:sub(pos + header, pos + header + len - 1)
    pos = pos + header + len
    self:_on_frame(fin, opcode, payload)
  end
  if self.state ~= "closed" then self.inbuf = buf:sub(pos) end
  if err and self.state ~= "closed" then
    self:_finish(1006, "connection " .. err)
  end
end

function Ws:_on_frame(fin, opcode, payload)
  if opcode == OP_PING then
    if self.state == "open" then self:_queue(frame(OP_PONG, payload, true)) end
  elseif opcode == OP_PONG then -- unsolicited or late: nothing to do
  elseif opcode == OP_CLOSE then
    local code = #payload >= 2 and byte(payload, 1) * 256 + byte(payload, 2) or 1005
    local reason = payload:sub(3)
    if self.state == "open" then
      self:_queue(frame(OP_CLOSE, #payload >= 2 and payload:sub(1, 2) or "", true))
      self:_flush()
    end
    self:_finish(code, reason)
  elseif opcode == OP_TEXT or opcode == OP_BINARY then
    if self.parts then return self:_fail(1002, "a new message inside a fragmented one") end
    if fin then
      self.on_message(payload, opcode == OP_BINARY)
    else
      self.parts, self.parts_bytes, self.parts_binary = { payload }, #payload, opcode == OP_BINARY
    end
  elseif opcode == OP_CONT then
    if not self.parts then return self:_fail(1002, "a continuation without a message") end
    self.parts[#self.parts + 1] = payload
    self.parts_bytes = self.parts_bytes + #payload
    if fin then
      local data, binary = concat(self.parts), self.parts_binary
      self.parts, self.parts_bytes = nil, 0
      self.on_message(data, binary)
    end
  else
    self:_fail(1002, "unknown opcode " .. opcode)
  end
end

--- Writes queued bytes until the socket would block, framing message fragments while there is
--- time before `deadline` (one when none is given).
function Ws:_flush(deadline)
  local framed = false
  while true do
    if self.outpos > #self.outbuf then
      local item = self.out[1]
      if item == nil then return end
      if type(item) == "string" then
        table.remove(self.out, 1)
        self.outbuf = item
      elseif framed and (deadline == nil or self.now() >= deadline) then
        return
      else
        self.outbuf, framed = self:_next_fragment(), true
      end
      self.outpos = 1
    end
    local last, err, partial = self.tcp:send(self.outbuf, self.outpos)
    local sent_to = last or partial or (self.outpos - 1)
    self.bytes_sent = self.bytes_sent + (sent_to - self.outpos + 1)
    self.outpos = sent_to + 1
    if err == "timeout" then return end
    if err then return self:_finish(1006, "connection " .. err) end
  end
end

--- A protocol violation: tell the server why, then drop the connection.
function Ws:_fail(code, reason)
  if self.state == "open" then
    self:_queue(frame(OP_CLOSE, u16(code) .. reason:sub(1, 123), true))
    self:_flush()
  end
  self:_finish(code, reason)
end

function Ws:_finish(code, reason)
  if self.state == "closed" then return end
  self.state = "closed"
  if self.tcp then self.tcp:close() end
  self.on_close(code, reason)
end

return Ws
