-- Encodes one batch a few events at a time, so that no single frame pays for a whole large
-- batch (a GAME_STATE alone is 8-12 KB): step(deadline) encodes at least one event, then more
-- while the costliest event seen lately would still end before the CPU clock reaches
-- `deadline`; it returns the finished body once all are done.
local json = require("jimbot.json")
local protobuf = require("jimbot.protobuf")

local BatchEncoder = {}
BatchEncoder.__index = BatchEncoder

--- batch: { batch_id, events, source, timestamp }; encoding: "json" | "protobuf".
--- `cost` is shared by the encoders of one client: { max = seconds, the decaying costliest }.
function BatchEncoder.new(batch, encoding, cost)
  return setmetatable({ batch = batch, encoding = encoding, parts = {}, next = 1, cost = cost },
    BatchEncoder)
end

function BatchEncoder:step(deadline)
  local events, parts, cost = self.batch.events, self.parts, self.cost
  repeat
    local i = self.next
    if i > #events then break end
    local started = os.clock()
    if self.encoding == "protobuf" then
      parts[i] = protobuf.batch_event_field(protobuf.encode_event(events[i]))
    else
      parts[i] = json.encode(events[i])
    end
    self.next = i + 1
    local now = os.clock()
    cost.max = math.max(now - started, cost.max * 0.95)
  until now + cost.max >= deadline
  if self.next <= #events then return nil end
  local head = { batch_id = self.batch.batch_id, source = self.batch.source,
    timestamp = self.batch.timestamp }
  if self.encoding == "protobuf" then
    return protobuf.encode_batch(head) .. table.concat(parts)
  end
  return json.encode(head):sub(1, -2) .. ',"events":[' .. table.concat(parts, ",") .. "]}"
end

return BatchEncoder
