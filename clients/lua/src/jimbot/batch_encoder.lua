-- Encodes one batch a slice at a time, so that no single frame pays for a whole large batch
-- (a GAME_STATE alone is 8-12 KB): the encoder runs in a coroutine that yields whenever the
-- frame's CPU budget is spent (budget.lua), and step(deadline) resumes it.
local json = require("jimbot.json")
local protobuf = require("jimbot.protobuf")
local budget = require("jimbot.budget")

local BatchEncoder = {}
BatchEncoder.__index = BatchEncoder

--- batch: { batch_id, events, source, timestamp } (other keys are the client's and not sent);
--- encoding: "json" | "protobuf".
function BatchEncoder.new(batch, encoding)
  local encode = encoding == "protobuf" and protobuf.encode_batch or json.encode
  local wire = { batch_id = batch.batch_id, events = batch.events, source = batch.source,
    timestamp = batch.timestamp }
  return setmetatable({
    batch = batch,
    co = coroutine.create(function() return encode(wire) end),
  }, BatchEncoder)
end

--- Encodes until done or `clock()` passes `deadline`: the body once done, else nil.
--- Raises when the batch cannot be encoded (e.g. a table that contains itself).
function BatchEncoder:step(deadline, clock)
  local done, body = budget.resume_until(self.co, deadline, clock)
  if done then return body end
  return nil
end

return BatchEncoder
