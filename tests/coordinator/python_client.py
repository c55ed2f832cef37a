"""A Python client of the ResourceCoordinator: stdlib JSON over Connect, then grpcio on the gRPC
port. Acquires, renews and releases a GPU time slice with each. Usage:
    python3 python_client.py http://127.0.0.1:PORT GRPC_PORT
Prints one JSON line per step; exits non-zero on any failure."""
import json
import os
import sys
import urllib.request

BASE, GRPC_PORT = sys.argv[1], int(sys.argv[2])
SERVICE = "jimbot.coordinator.v1.ResourceCoordinator"
TOKEN = os.environ["JIMBOT_TOKEN"]


def call(method, body):
    req = urllib.request.Request(
        f"{BASE}/{SERVICE}/{method}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read())


def step(name, value):
    print(json.dumps({"step": name, "value": value}), flush=True)


# 1. stdlib JSON (Connect unary calls are plain POSTs)
got = call("Acquire", {"resource": "gpu_slice", "amount": 2000, "component": "py-json",
                       "waitMs": 5000, "requestId": "py-json-1"})
assert got["state"] == "LEASE_STATE_GRANTED", got
step("json.acquire", got)
renewed = call("Renew", {"leaseId": "py-json-1", "ttlMs": 3000})
assert renewed["lease"]["expiresAtMs"] > got["lease"]["expiresAtMs"], renewed
step("json.renew", renewed)
released = call("Release", {"leaseId": "py-json-1"})
assert released == {"released": True}, released
step("json.release", released)

# 2. grpcio on the native gRPC port, with the generated messages (clients/python)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
import grpc  # noqa: E402
from jimbot.coordinator.v1 import coordinator_pb2 as pb  # noqa: E402

channel = grpc.insecure_channel(f"127.0.0.1:{GRPC_PORT}")


def rpc(method, req, res_type):
    fn = channel.unary_unary(f"/{SERVICE}/{method}", request_serializer=lambda m: m.SerializeToString(),
                             response_deserializer=res_type.FromString)
    return fn(req, timeout=10, metadata=[("authorization", f"Bearer {TOKEN}")])


g = rpc("Acquire", pb.AcquireRequest(resource="gpu_slice", amount=2000, component="py-grpc",
                                     wait_ms=5000, request_id="py-grpc-1"), pb.AcquireResponse)
assert g.state == pb.LEASE_STATE_GRANTED, g
step("grpc.acquire", {"lease_id": g.lease.lease_id, "expires_at_ms": g.lease.expires_at_ms})
r = rpc("Renew", pb.RenewRequest(lease_id="py-grpc-1", ttl_ms=3000), pb.RenewResponse)
assert r.lease.expires_at_ms > g.lease.expires_at_ms
step("grpc.renew", {"expires_at_ms": r.lease.expires_at_ms})
rel = rpc("Release", pb.ReleaseRequest(lease_id="py-grpc-1"), pb.ReleaseResponse)
assert rel.released
step("grpc.release", {"released": rel.released})
status = rpc("GetStatus", pb.GetStatusRequest(), pb.GetStatusResponse)
slice_status = [s for s in status.resources if s.kind == "gpu_slice"][0]
assert slice_status.used == 0, slice_status
step("grpc.status", {"resource": slice_status.resource, "used": slice_status.used})
