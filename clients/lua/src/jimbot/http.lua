-- One HTTP/1.1 POST over a LuaSocket TCP socket that never blocks: `step()` does whatever I/O
-- is possible now and returns true once the exchange is over (`status` set, or `error`).
-- One connection per request (Connection: close), as the mod's own client does.
local Request = {}
Request.__index = Request

local READ_CHUNK = 65536
local MAX_ANSWER_BYTES = 1048576

--- opts: host, port, path, body, content_type, socket (LuaSocket), now, timeout (s).
function Request.post(opts)
  local self = setmetatable({
    socket = opts.socket, now = opts.now, timeout = opts.timeout or 5,
    state = "connecting", inbuf = {}, inbytes = 0, pos = 1, bytes_sent = 0,
  }, Request)
  self.started = self.now()
  self.out = table.concat({
    "POST " .. opts.path .. " HTTP/1.1",
    "Host: " .. opts.host .. ":" .. opts.port,
    "Content-Type: " .. (opts.content_type or "application/json"),
    "Content-Length: " .. #opts.body,
    "User-Agent: BalatroMCP/1.0",
    "Connection: close",
    "", opts.body,
  }, "\r\n")
  local tcp = opts.socket.tcp()
  self.tcp = tcp
  tcp:settimeout(0)
  local ok, err = tcp:connect(opts.host, opts.port)
  if not ok and err ~= "timeout" and err ~= "Operation already in progress" then
    self:_fail("connect failed: " .. tostring(err))
    return self
  end
  tcp:setoption("tcp-nodelay", true) -- (after connect, see websocket.lua)
  return self
end

function Request:step()
  if self.state == "done" then return true end
  if self.now() - self.started > self.timeout then
    self:_fail("timed out after " .. self.timeout .. " s")
    return true
  end
  if self.state == "connecting" then
    local _, writable = self.socket.select(nil, { self.tcp }, 0)
    if not (writable and writable[1]) then return false end
    if not self.tcp:getpeername() then
      self:_fail("connection refused")
      return true
    end
    self.state = "sending"
  end
  if self.state == "sending" then
    local last, err, partial = self.tcp:send(self.out, self.pos)
    local sent_to = last or partial or (self.pos - 1)
    self.bytes_sent = self.bytes_sent + sent_to - self.pos + 1
    self.pos = sent_to + 1
    if err and err ~= "timeout" then
      self:_fail("send failed: " .. err)
      return true
    end
    if self.pos > #self.out then self.state = "receiving" end
  end
  if self.state == "receiving" then self:_receive() end
  return self.state == "done"
end

function Request:_receive()
  local data, err, partial = self.tcp:receive(READ_CHUNK)
  local got = data or partial
  if got and #got > 0 then
    self.inbuf[#self.inbuf + 1] = got
    self.inbytes = self.inbytes + #got
  end
  if self.inbytes > MAX_ANSWER_BYTES then return self:_fail("answer too large") end
  local text = table.concat(self.inbuf)
  self.inbuf = { text }
  local head_end = text:find("\r\n\r\n", 1, true)
  if head_end then
    local length = tonumber(text:sub(1, head_end):lower():match("\r\ncontent%-length:%s*(%d+)"))
    if length and #text >= head_end + 3 + length then
      return self:_done(text, head_end, length)
    end
  end
  if err == "closed" then
    if head_end then return self:_done(text, head_end, #text - head_end - 3) end
    return self:_fail("connection closed before an answer")
  elseif err and err ~= "timeout" then
    return self:_fail("receive failed: " .. err)
  end
end

function Request:_done(text, head_end, length)
  self.status = tonumber(text:match("^HTTP/1%.%d (%d%d%d)"))
  self.body = text:sub(head_end + 4, head_end + 3 + length)
  if not self.status then return self:_fail("not an HTTP answer") end
  self.bytes_received = self.inbytes
  self.state = "done"
  self.tcp:close()
end

function Request:_fail(reason)
  self.error = reason
  self.state = "done"
  if self.tcp then self.tcp:close() end
end


return Request
