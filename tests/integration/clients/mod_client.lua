-- A stand-in for BalatroMCP's HTTP use, in Lua with LuaSocket: posts bodies byte for byte with
-- Content-Length and the mod's headers, polls the command queue, prints one result line each.
-- usage: lua5.4 mod_client.lua BASE_URL FILE:PATH [FILE:PATH ...] poll
local http = require("socket.http")
local ltn12 = require("ltn12")

local base = arg[1]
for i = 2, #arg do
  local item = arg[i]
  if item == "poll" then
    local chunks = {}
    local _, code = http.request({
      url = base .. "/api/v1/commands/poll",
      method = "GET",
      headers = { ["Content-Type"] = "text/plain", ["User-Agent"] = "BalatroMCP/1.0" },
      sink = ltn12.sink.table(chunks),
    })
    local body = table.concat(chunks):gsub("\n", "|")
    print(string.format("poll %d %s", code, body))
  else
    local file, path = item:match("^([^:]+):(.+)$")
    local f = assert(io.open(file, "rb"))
    local body = f:read("a")
    f:close()
    local chunks = {}
    local _, code = http.request({
      url = base .. path,
      method = "POST",
      headers = {
        ["Content-Type"] = "application/json",
        ["User-Agent"] = "BalatroMCP/1.0",
        ["Content-Length"] = tostring(#body),
      },
      source = ltn12.source.string(body),
      sink = ltn12.sink.table(chunks),
    })
    print(string.format("post %d %s", code, table.concat(chunks)))
  end
end
