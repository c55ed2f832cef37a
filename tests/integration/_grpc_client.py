"""Drives the bus's native gRPC port with grpcio for stream_grpc_test.ts; prints one JSON line.

Usage: python3 _grpc_client.py <port> <scenario> [args...]
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../clients/python"))

import grpc  # noqa: E402
from jimbot_bus.stream import (  # noqa: E402
    EventBusStub,
    at_offset,
    at_time,
    earliest,
    event_bus_pb2,
    publish_request,
)


def events(n, types):
    return [
        {"type": types[i % len(types)], "event_id": f"py-{i}", "source": "grpcio", "timestamp": i,
         "payload": {"i": i}}
        for i in range(n)
    ]


def take(stream, count):
    out = []
    for res in stream:
        out.extend(res.events)
        if len(out) >= count:
            break
    stream.cancel()
    return out[:count]


def authed_channel(target):
    """Plaintext loopback channel that sends the test's bearer token (JIMBOT_TOKEN)."""
    creds = grpc.composite_channel_credentials(
        grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP),
        grpc.access_token_call_credentials(os.environ["JIMBOT_TOKEN"]),
    )
    return grpc.secure_channel(target, creds)


def main():
    port, scenario, *args = sys.argv[1:]
    channel = authed_channel(f"127.0.0.1:{port}")
    bus = EventBusStub(channel)
    result = {}
    if scenario == "publish":
        n = int(args[0])
        types = args[1].split(",")
        res = bus.Publish(publish_request(events(n, types), batch_id="py-batch"), timeout=10)
        result = {"accepted": res.accepted, "first": res.first_offset, "last": res.last_offset}
        again = bus.Publish(publish_request(events(n, types)), timeout=10)
        result["duplicates"] = again.duplicates
    elif scenario == "subscribe":
        topics = [t for t in args[0].split(",") if t]
        count = int(args[1])
        got = take(bus.Subscribe(event_bus_pb2.SubscribeRequest(topics=topics, start=earliest()),
                                 timeout=20), count)
        result = {"offsets": [d.offset for d in got], "topics": [d.topic for d in got],
                  "ids": [d.event.event_id for d in got],
                  "payload_case": [d.event.WhichOneof("payload") for d in got]}
    elif scenario == "group":
        group, count, commit = args[0], int(args[1]), args[2] == "commit"
        req = event_bus_pb2.SubscribeRequest(start=earliest(), group=group)
        got = take(bus.Subscribe(req, timeout=20), count)
        if commit:
            bus.CommitOffset(event_bus_pb2.CommitOffsetRequest(group=group, offset=got[-1].offset),
                             timeout=10)
        offsets = bus.GetOffsets(event_bus_pb2.GetOffsetsRequest(groups=[group]), timeout=10)
        result = {"offsets": [d.offset for d in got],
                  "lag": [g.lag for g in offsets.groups], "head": offsets.head}
    elif scenario == "replay":
        start, end = int(args[0]), int(args[1])
        req = event_bus_pb2.SubscribeRequest(start=at_offset(start), end_offset=end, json=True)
        got = [d for res in bus.Subscribe(req, timeout=20) for d in res.events]
        result = {"offsets": [d.offset for d in got],
                  "json_offsets": [json.loads(d.json)["offset"] for d in got]}
    elif scenario == "since":
        ms, count = float(args[0]), int(args[1])
        got = take(bus.Subscribe(event_bus_pb2.SubscribeRequest(start=at_time(ms)), timeout=20),
                   count)
        result = {"offsets": [d.offset for d in got]}
    elif scenario == "saturate":
        try:
            bus.Publish(publish_request([]), timeout=10)
            result = {"code": "OK"}
        except grpc.RpcError as err:
            result = {"code": err.code().name}
    elif scenario == "bad-pattern":
        try:
            take(bus.Subscribe(event_bus_pb2.SubscribeRequest(topics=["game.>.x"]), timeout=10), 1)
            result = {"code": "OK"}
        except grpc.RpcError as err:
            result = {"code": err.code().name, "details": err.details()}
    print(json.dumps(result))


main()
