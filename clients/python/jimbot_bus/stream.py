"""EventBus over native gRPC (grpcio) for the JimBot bus's --grpc-port (default 50051).

Uses the generated protobuf messages (jimbot/bus/v1/event_bus_pb2.py, made by `deno task gen`)
and grpcio's generic channel methods, so no grpc_tools stubs are needed (Debian: python3-grpcio).

    stream = EventStream("127.0.0.1:50051")
    stream.publish([{"type": "HEARTBEAT", "payload": {}}])
    for delivery in stream.subscribe(["game.>"], group="trainer", start=earliest()):
        print(delivery.offset, delivery.topic, delivery.event.event_id)

The lower-level `EventBusStub` exposes every RPC as grpc_tools would generate it.
"""

import grpc
from google.protobuf import empty_pb2, struct_pb2
from jimbot.bus.v1 import event_bus_pb2
from jimbot.events.v1 import envelope_pb2, ingest_pb2

from .client import bus_token
from .errors import error_from_grpc

__all__ = ["EventBusStub", "EventStream", "event_bus_pb2", "publish_request", "earliest",
           "latest", "at_offset", "at_time"]

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


def latest():
    return event_bus_pb2.StartPosition(latest=empty_pb2.Empty())


def at_offset(offset):
    return event_bus_pb2.StartPosition(offset=offset)


def at_time(epoch_ms):
    return event_bus_pb2.StartPosition(timestamp_ms=epoch_ms)


class EventStream:
    """Publish and subscribe over one channel; RPC failures raise `jimbot_bus.errors` types."""

    def __init__(self, target, channel=None, timeout_s=10.0, token=None):
        self.channel = channel or grpc.insecure_channel(target)
        self.stub = EventBusStub(self.channel)
        self.timeout_s = timeout_s
        token = bus_token(token)
        # Sent with every call: "read" to subscribe, "ingest" to publish (none needed to publish
        # from this machine).
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def publish(self, events, batch_id=None, source=None):
        """Publishes mod-shaped event dicts; returns the PublishResponse (accepted, duplicates)."""
        try:
            return self.stub.Publish(publish_request(events, batch_id, source),
                                     timeout=self.timeout_s, metadata=self.metadata)
        except grpc.RpcError as err:
            raise error_from_grpc(err) from err

    def subscribe(self, topics=(), group=None, start=None, end_offset=None, auto_commit=True,
                  max_batch=256):
        """Yields `Delivery` messages. With a consumer group it resumes after the group's last
        committed offset; auto_commit commits each batch once the next one is asked for."""
        request = event_bus_pb2.SubscribeRequest(topics=list(topics), start=start or earliest(),
                                                 auto_commit=auto_commit, max_batch=max_batch)
        if group is not None:
            request.group = group
        if end_offset is not None:
            request.end_offset = end_offset
        try:
            for response in self.stub.Subscribe(request, metadata=self.metadata):
                yield from response.events
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.CANCELLED:
                return
            raise error_from_grpc(err) from err

    def commit(self, group, offset):
        """Marks everything up to `offset` processed for `group`."""
        try:
            self.stub.CommitOffset(event_bus_pb2.CommitOffsetRequest(group=group, offset=offset),
                                   timeout=self.timeout_s, metadata=self.metadata)
        except grpc.RpcError as err:
            raise error_from_grpc(err) from err

    def offsets(self, groups=()):
        """Log bounds and the groups' committed offsets with their lag."""
        try:
            return self.stub.GetOffsets(event_bus_pb2.GetOffsetsRequest(groups=list(groups)),
                                        timeout=self.timeout_s, metadata=self.metadata)
        except grpc.RpcError as err:
            raise error_from_grpc(err) from err
