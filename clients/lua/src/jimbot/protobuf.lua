-- Protobuf encoding of the mod's batches as jimbot.events.v1.EventBatch, field numbers from the
-- generated proto_schema.lua. Payloads and every other JSON value travel as
-- google.protobuf.Value, so the bus reads back exactly the JSON the same table would encode to
-- (json.lua: an empty table is an object, a non-finite number is null).
local schema = require("jimbot.proto_schema")
local json = require("jimbot.json")
local budget = require("jimbot.budget")

local M = {}
local char, floor, concat = string.char, math.floor, table.concat
local WIRE_VARINT, WIRE_FIXED64, WIRE_LEN = 0, 1, 2

local function varint(n)
  if n < 128 then return char(n) end
  local out = {}
  while n >= 128 do
    out[#out + 1] = char(n % 128 + 128)
    n = floor(n / 128)
  end
  out[#out + 1] = char(n)
  return concat(out)
end

local function key(number, wire) return varint(number * 8 + wire) end

local function len_field(number, bytes) return key(number, WIRE_LEN) .. varint(#bytes) .. bytes end

-- IEEE 754 binary64, little-endian.
local pack_double
if string.pack then
  pack_double = function(n) return string.pack("<d", n) end
else
  pack_double = function(n)
    local sign = 0
    if n < 0 or (n == 0 and 1 / n < 0) then sign, n = 128, -n end
    local mantissa, exponent = math.frexp(n)
    if n == 0 then
      mantissa, exponent = 0, 0
    elseif exponent > -1022 then
      mantissa, exponent = (mantissa * 2 - 1) * 2 ^ 52, exponent + 1022
    else
      mantissa, exponent = mantissa * 2 ^ (52 + exponent + 1022), 0
    end
    local bytes = {}
    for i = 1, 6 do
      bytes[i] = char(mantissa % 256)
      mantissa = floor(mantissa / 256)
    end
    bytes[7] = char(mantissa % 16 + (exponent % 16) * 16)
    bytes[8] = char(sign + floor(exponent / 16))
    return concat(bytes)
  end
end

local VALUE, STRUCT, LIST = schema.Value, schema.Struct, schema.ListValue
local ENTRY_KEY, ENTRY_VALUE = 1, 2 -- map entries: key = 1, value = 2

local encode_value, encode_struct

--- google.protobuf.Value of any JSON-able Lua value.
function encode_value(v, depth)
  budget.check()
  local kind = type(v)
  if kind == "string" then return len_field(VALUE.string_value[1], v) end
  if kind == "boolean" then return key(VALUE.bool_value[1], WIRE_VARINT) .. (v and "\1" or "\0") end
  if kind == "number" and v == v and v ~= math.huge and v ~= -math.huge then
    return key(VALUE.number_value[1], WIRE_FIXED64) .. pack_double(v)
  end
  if kind == "table" then
    if depth > 64 then error("protobuf: the table nests deeper than 64 levels (a cycle?)") end
    if json.is_array(v) then
      local items = {}
      for i = 1, #v do items[i] = len_field(LIST.values[1], encode_value(v[i], depth + 1)) end
      return len_field(VALUE.list_value[1], concat(items))
    end
    return len_field(VALUE.struct_value[1], encode_struct(v, nil, depth + 1))
  end
  return key(VALUE.null_value[1], WIRE_VARINT) .. "\0"
end

--- google.protobuf.Struct of a table's keys (all of them, or those `keep` says yes to).
function encode_struct(t, keep, depth)
  local entries = {}
  for k, v in pairs(t) do
    if keep == nil or keep(k) then
      local entry = len_field(ENTRY_KEY, tostring(k)) .. len_field(ENTRY_VALUE, encode_value(v, depth))
      entries[#entries + 1] = len_field(STRUCT.fields[1], entry)
    end
  end
  return concat(entries)
end

--- One message of `fields` from a JSON-shaped table: a key with a field of a fitting kind goes
--- there, `payload_field` (if any) takes `payload`, and every other key goes to the `_rest`
--- Struct. `children` encodes a repeated message field.
local function encode_message(t, fields, payload_field, children)
  local out, rest = {}, {}
  local has_rest = false
  for k, v in pairs(t) do
    local f = fields[k]
    if k == "payload" and payload_field then
      out[#out + 1] = len_field(payload_field[1], encode_value(v, 1))
    elseif f and f[2] == "string" and type(v) == "string" then
      out[#out + 1] = len_field(f[1], v)
    elseif f and f[2] == "Value" then
      out[#out + 1] = len_field(f[1], encode_value(v, 1))
    elseif f and f[3] and children and children[k] and type(v) == "table"
        and (#v == 0 and next(v) == nil or json.is_array(v)) then
      for i = 1, #v do out[#out + 1] = len_field(f[1], children[k](v[i])) end
    else
      rest[k] = true
      has_rest = true
    end
  end
  if has_rest then
    local rest_field = fields[fields._rest]
    out[#out + 1] = len_field(rest_field[1], encode_struct(t, function(k) return rest[k] end, 1))
  end
  return concat(out)
end

--- jimbot.events.v1.Event of one mod event table.
function M.encode_event(event)
  if type(event) ~= "table" then error("protobuf: an event must be a table") end
  return encode_message(event, schema.Event, schema.Event.raw_payload)
end

--- jimbot.events.v1.EventBatch of a batch table ({batch_id, events, source, timestamp}).
function M.encode_batch(batch)
  return encode_message(batch, schema.EventBatch, nil, { events = M.encode_event })
end

--- One encoded Event as an element of EventBatch.events: appended to an encoded EventBatch,
--- it adds that event (protobuf concatenation merges repeated fields).
function M.batch_event_field(event_bytes)
  return len_field(schema.EventBatch.events[1], event_bytes)
end

return M
