-- Protobuf encoding of the mod's batches as jimbot.events.v1.EventBatch, driven by the generated
-- proto_schema.lua. It follows the bus's JSON<->message rules (src/proto/_json_message.ts) so
-- that the bus reads back exactly the JSON the same table encodes to with json.lua: per key, a
-- field of that name takes the value when its type fits exactly (double: a finite number; int32:
-- an integer in range, not -0; a message or Struct: an object; a list: a non-empty array whose
-- elements all fit; a map: a non-empty object whose values all fit; Value: anything); a oneof
-- named like the key takes it in its first member that fits; every other key goes to the
-- message's catch-all Struct (`unmapped`, or `extras` on an Event). An event's payload is the
-- typed message of its type/subtype when it is an object, else a google.protobuf.Value.
local schema = require("jimbot.proto_schema")
local json = require("jimbot.json")
local budget = require("jimbot.budget")
local utf8 = require("jimbot.utf8")

local M = {}
local char, floor, concat = string.char, math.floor, table.concat
local is_array = json.is_array
local WIRE_VARINT, WIRE_FIXED64, WIRE_LEN = 0, 1, 2
local INT32_MIN, INT32_MAX, TWO32 = -2147483648, 2147483647, 4294967296

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

--- A negative int32 as protobuf writes it: the 64-bit two's complement, ten bytes.
local function negative_varint(n)
  local lo, hi = n % TWO32, TWO32 - 1
  local out = {}
  for i = 1, 4 do
    out[i] = char(lo % 128 + 128)
    lo = floor(lo / 128)
  end
  out[5] = char(lo + (hi % 8) * 16 + 128)
  hi = floor(hi / 8)
  while hi >= 128 do
    out[#out + 1] = char(hi % 128 + 128)
    hi = floor(hi / 128)
  end
  out[#out + 1] = char(hi)
  return concat(out)
end

local keys = {}
local function key(number, wire)
  local tag = number * 8 + wire
  local k = keys[tag]
  if not k then
    k = varint(tag)
    keys[tag] = k
  end
  return k
end

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

local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end
local function is_object(v) return type(v) == "table" and not is_array(v) end

local VALUE, STRUCT, LIST = schema.Value, schema.Struct, {
  values = { number = 1 } } -- google.protobuf.ListValue.values
local ENTRY_KEY, ENTRY_VALUE = 1, 2 -- map entries: key = 1, value = 2

local encode_value, encode_struct, encode_typed, encode_event

--- google.protobuf.Value of any JSON-able Lua value (non-finite numbers become null).
function encode_value(v, depth)
  budget.check()
  local kind = type(v)
  if kind == "string" then return len_field(VALUE.string_value.number, utf8(v)) end
  if kind == "boolean" then
    return key(VALUE.bool_value.number, WIRE_VARINT) .. (v and "\1" or "\0")
  end
  if kind == "number" and finite(v) then
    return key(VALUE.number_value.number, WIRE_FIXED64) .. pack_double(v)
  end
  if kind == "table" then
    if depth > 64 then error("protobuf: the table nests deeper than 64 levels (a cycle?)") end
    if is_array(v) then
      local items = {}
      for i = 1, #v do items[i] = len_field(LIST.values.number, encode_value(v[i], depth + 1)) end
      return len_field(VALUE.list_value.number, concat(items))
    end
    return len_field(VALUE.struct_value.number, encode_struct(v, nil, depth + 1))
  end
  return key(VALUE.null_value.number, WIRE_VARINT) .. "\0"
end

--- google.protobuf.Struct of a table's keys (all of them, or those `keep` says yes to).
function encode_struct(t, keep, depth)
  local entries = {}
  for k, v in pairs(t) do
    if keep == nil or keep[k] then
      local entry = len_field(ENTRY_KEY, utf8(tostring(k)))
        .. len_field(ENTRY_VALUE, encode_value(v, depth))
      entries[#entries + 1] = len_field(STRUCT.fields.number, entry)
    end
  end
  return concat(entries)
end

--- One value of a field (not a list or map) with its key, or nil when its type does not fit.
local function encode_single(spec, v, depth)
  local kind, n = spec.kind, spec.number
  local vt = type(v)
  if kind == "string" then
    if vt == "string" then return len_field(n, utf8(v)) end
  elseif kind == "double" then
    if vt == "number" and finite(v) then return key(n, WIRE_FIXED64) .. pack_double(v) end
  elseif kind == "int32" then
    if vt == "number" and v == floor(v) and v >= INT32_MIN and v <= INT32_MAX
        and not (v == 0 and 1 / v < 0) then
      return key(n, WIRE_VARINT) .. (v < 0 and negative_varint(v) or varint(v))
    end
  elseif kind == "bool" then
    if vt == "boolean" then return key(n, WIRE_VARINT) .. (v and "\1" or "\0") end
  elseif kind == "Value" then
    return len_field(n, encode_value(v, depth))
  elseif kind == "Struct" then
    if is_object(v) then return len_field(n, encode_struct(v, nil, depth + 1)) end
  elseif kind == "Event" then
    if is_object(v) then return len_field(n, encode_event(v, depth + 1)) end
  elseif kind ~= "enum" and schema[kind] then
    if is_object(v) then return len_field(n, encode_typed(schema[kind], v, depth + 1)) end
  end
  return nil
end

--- A field's value (single, list or map) with its key(s), or nil when it does not fit.
local function encode_field(spec, v, depth)
  if depth > 64 then error("protobuf: the table nests deeper than 64 levels (a cycle?)") end
  if spec.list then
    if type(v) ~= "table" or not is_array(v) then return nil end
    local items = {}
    for i = 1, #v do
      local item = encode_single(spec, v[i], depth)
      if not item then return nil end
      items[i] = item
    end
    return concat(items)
  elseif spec.map then
    if not is_object(v) or next(v) == nil then return nil end
    spec.value_spec = spec.value_spec or { number = ENTRY_VALUE, kind = spec.kind }
    local entries = {}
    for k, item in pairs(v) do
      local value = encode_single(spec.value_spec, item, depth)
      if not value then return nil end
      entries[#entries + 1] = len_field(spec.number, len_field(ENTRY_KEY, utf8(tostring(k))) .. value)
    end
    return concat(entries)
  end
  return encode_single(spec, v, depth)
end

--- A message's oneofs: name -> members in field-number order (built once per message).
local function oneofs_of(msg)
  local found = rawget(msg, "_oneofs")
  if found then return found end
  found = {}
  for _, spec in pairs(msg) do
    if type(spec) == "table" and spec.oneof then
      found[spec.oneof] = found[spec.oneof] or {}
      table.insert(found[spec.oneof], spec)
    end
  end
  for _, members in pairs(found) do
    table.sort(members, function(a, b) return a.number < b.number end)
  end
  msg._oneofs = found
  return found
end

--- A typed message from a JSON-shaped table. `special(k, v)` may claim keys first (returns the
--- bytes, or false to leave the key to the rules).
function encode_typed(msg, t, depth, special)
  local out, rest = {}, nil
  local oneofs = oneofs_of(msg)
  for k, v in pairs(t) do
    budget.check()
    local bytes = special and special(k, v) or nil
    if bytes == nil and type(k) == "string" and k:sub(1, 1) ~= "_" and k ~= msg._rest then
      local spec = msg[k]
      if spec and not spec.oneof then
        bytes = encode_field(spec, v, depth)
      elseif oneofs[k] then
        for _, member in ipairs(oneofs[k]) do
          bytes = encode_field(member, v, depth)
          if bytes then break end
        end
      end
    end
    if bytes then
      out[#out + 1] = bytes
    else
      rest = rest or {}
      rest[k] = true
    end
  end
  if rest then
    if not msg._rest then error("protobuf: a key the schema cannot hold") end
    out[#out + 1] = len_field(msg[msg._rest].number, encode_struct(t, rest, depth))
  end
  return concat(out)
end

--- The payload field of an event of this type/subtype, when its schema has a typed one.
local function payload_field(event)
  if type(event.type) ~= "string" then return nil end
  local case = schema._payload_by_type[event.type:upper()]
  if type(case) == "table" then
    case = type(event.subtype) == "string" and case[event.subtype:upper()] or nil
  end
  return case and schema.Event[case]
end

function encode_event(event, depth)
  return encode_typed(schema.Event, event, depth, function(k, v)
    if k ~= "payload" then return nil end
    local typed = is_object(v) and payload_field(event)
    if typed then return encode_single(typed, v, depth) end
    return len_field(schema.Event.raw_payload.number, encode_value(v, depth))
  end)
end

--- jimbot.events.v1.EventBatch of a batch table ({batch_id, events, source, timestamp}).
function M.encode_batch(batch)
  return encode_typed(schema.EventBatch, batch, 1)
end

return M
