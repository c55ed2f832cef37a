"""EventBus over native gRPC (grpcio) for the JimBot bus's --grpc-port (default 50051).

Uses the protobuf messages generated beside this file (jimbot/bus/v1/event_bus_pb2.py, made by
`deno task gen`) and grpcio's generic channel methods, so no grpc_tools stubs are needed.
Debian: python3-grpcio python3-protobuf, run with /usr/bin/python3.

    channel = grpc.insecure_channel("127.0.0.1:50051")
    bus = EventBusStub(channel)
    bus.Publish(publish_request([{"type": "HEARTBEAT", "payload": {}}]))
    for res in bus.Subscribe(event_bus_pb2.SubscribeRequest(topics=["game.>"])):
        for d in res.events: print(d.offset, d.topic, d.event.event_id)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402,F401
from google.protobuf import empty_pb2, struct_pb2  # noqa: E402
from jimbot.bus.v1 import event_bus_pb2  # noqa: E402
from jimbot.events.v1 import envelope_pb2, ingest_pb2  # noqa: E402

__all__ = ["EventBusStub", "event_bus_pb2", "publish_request", "earliest", "at_offset", "at_time"]

_SERVICE = "/jimbot.bus.v1.EventBus/"
_METHODS = {
    "Publish": ("unary_unary", event_bus_pb2.PublishRequest, event_bus_pb2.PublishResponse),
    "Subscribe": ("unary_stream", event_bus_pb2.SubscribeRequest, event_bus_pb2.SubscribeResponse),
    "Stream": ("stream_stream", event_bus_pb2.StreamRequest, event_bus_pb2.StreamResponse),
    "CommitOffset": (
        "unary_unary",
        event_bus_pb2.CommitOffsetRequest,
        event_bus_pb2.CommitOffsetResponse,
    ),
    "GetOffsets": ("unary_unary", event_bus_pb2.GetOffsetsRequest, event_bus_pb2.GetOffsetsResponse),
    "ListTopics": ("unary_unary", event_bus_pb2.ListTopicsRequest, event_bus_pb2.ListTopicsResponse),
}


class EventBusStub:
    """One callable per RPC, as grpc_tools would generate."""

    def __init__(self, channel):
        for name, (kind, req, res) in _METHODS.items():
            method = getattr(channel, kind)(
                _SERVICE + name,
                request_serializer=req.SerializeToString,
                response_deserializer=res.FromString,
            )
            setattr(self, name, method)


def publish_request(events, batch_id=None, source=None):
    """A PublishRequest from mod-shaped events; payloads travel as raw JSON values."""
    batch = ingest_pb2.EventBatch(events=[_event(e) for e in events])
    if batch_id is not None:
        batch.batch_id = batch_id
    if source is not None:
        batch.source = source
    return event_bus_pb2.PublishRequest(batch=batch)


def _event(e):
    ev = envelope_pb2.Event()
    for key in ("type", "subtype", "event_id", "source"):
        if key in e:
            setattr(ev, key, e[key])
    if "timestamp" in e:
        ev.timestamp.number_value = e["timestamp"]
    if "payload" in e:
        value = struct_pb2.Value()
        value.struct_value.update(e["payload"])
        ev.raw_payload.CopyFrom(value)
    return ev


def earliest():
    return event_bus_pb2.StartPosition(earliest=empty_pb2.Empty())


def at_offset(offset):
    return event_bus_pb2.StartPosition(offset=offset)


def at_time(epoch_ms):
    return event_bus_pb2.StartPosition(timestamp_ms=epoch_ms)
