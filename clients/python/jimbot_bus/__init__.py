"""jimbot_bus: the Python package for JimBot agents (see docs/learning.md in the repository).

- `BusClient`: REST ingest and read (typed `envelope_pb2.Envelope`s or dicts)
- `jimbot_bus.stream`: gRPC publish/subscribe with consumer groups (needs grpcio)
- `Coordinator`: resource leases as context managers, rate-limited calls (Reserve/Commit)
- `Tracking`: experiment runs, params and metrics on the bus's MLflow-compatible API
- `jimbot_bus.observation`: GAME_STATE → fixed-shape numpy arrays (encoding version 1)
- `jimbot_bus.errors`: typed exceptions carrying the bus's error kind
"""

from jimbot.events.v1 import envelope_pb2, ingest_pb2

from .client import BusClient, decode_delimited
from .coordinator import Coordinator, LeaseNotGranted
from .errors import (AlreadyExistsError, BusError, InternalError, MalformedError, NotFoundError,
                     NotReadyError, OverLimitError, TimeoutError, TooLargeError)
from .tracking import Run, Tracking

__version__ = "0.1.0"

__all__ = [
    "BusClient", "decode_delimited", "envelope_pb2", "ingest_pb2", "Coordinator",
    "LeaseNotGranted", "Tracking", "Run", "BusError", "MalformedError", "NotFoundError",
    "TimeoutError", "TooLargeError", "OverLimitError", "NotReadyError", "InternalError",
    "AlreadyExistsError",
]
