"""A small client for the JimBot event bus: post events, read stored events as typed messages.

Standard library plus the generated modules beside this file (jimbot/events/v1/*_pb2.py, made by
`deno task gen`), which need the protobuf runtime (Debian: python3-protobuf, run with
/usr/bin/python3). Reading asks for `application/x-protobuf`: a stream of size-delimited
`jimbot.events.v1.Envelope` records (a varint byte length before each record).
"""

import json
import os
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jimbot.events.v1 import envelope_pb2, ingest_pb2  # noqa: E402

PROTOBUF = "application/x-protobuf"

__all__ = ["BusClient", "BusError", "decode_delimited", "envelope_pb2", "ingest_pb2"]


class BusError(Exception):
    """The bus answered with a non-2xx status; `status` and `body` hold the answer."""

    def __init__(self, status, body):
        super().__init__(f"bus answered {status}: {body[:200]!r}")
        self.status = status
        self.body = body


def _read_varint(data, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("stream ends inside a record length")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise ValueError("record length varint is too long")


def _events_path(from_offset, limit, topic):
    """The read API's path and query for a range (and an optional topic pattern)."""
    query = {"from": from_offset, "limit": limit}
    if topic is not None:
        query["topic"] = topic
    return "/api/v1/events?" + urllib.parse.urlencode(query)


def decode_delimited(data, message_class):
    """Decodes a complete size-delimited stream of `message_class` records."""
    out = []
    pos = 0
    while pos < len(data):
        length, pos = _read_varint(data, pos)
        if pos + length > len(data):
            raise ValueError(f"stream ends inside record {len(out) + 1}")
        message = message_class()
        message.ParseFromString(data[pos:pos + length])
        out.append(message)
        pos += length
    return out


class BusClient:
    """Talks to one bus over HTTP, e.g. BusClient("http://127.0.0.1:8080")."""

    def __init__(self, base_url, timeout_s=10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def _request(self, method, path, body=None, content_type=None, accept=None):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.read()
        except urllib.error.HTTPError as err:
            raise BusError(err.code, err.read()) from err

    def post_batch_raw(self, body):
        """Posts a JSON batch body (bytes, sent unchanged, as the mod does); returns the answer."""
        return json.loads(self._request(
            "POST", "/api/v1/events/batch", body, "application/json", "application/json"))

    def post_event_raw(self, body):
        """Posts one JSON event body (bytes, unchanged) to /api/v1/events; returns the answer."""
        return json.loads(self._request(
            "POST", "/api/v1/events", body, "application/json", "application/json"))

    def post_batch(self, events, batch_id=None, source="jimbot-python", timestamp=None):
        """Posts mod-shaped event dicts as a JSON batch; returns the answer as a dict."""
        body = {"events": events, "source": source}
        if batch_id is not None:
            body["batch_id"] = batch_id
        if timestamp is not None:
            body["timestamp"] = timestamp
        return self.post_batch_raw(json.dumps(body).encode())

    def post_batch_proto(self, batch):
        """Posts an `ingest_pb2.EventBatch` as protobuf; returns an `ingest_pb2.IngestResponse`."""
        data = self._request(
            "POST", "/api/v1/events/batch", batch.SerializeToString(), PROTOBUF, PROTOBUF)
        answer = ingest_pb2.IngestResponse()
        answer.ParseFromString(data)
        return answer

    def read_envelopes(self, from_offset=0, limit=1000, topic=None):
        """Reads stored events from `from_offset` as `envelope_pb2.Envelope` messages."""
        data = self._request("GET", _events_path(from_offset, limit, topic), accept=PROTOBUF)
        return decode_delimited(data, envelope_pb2.Envelope)

    def read_envelope(self, offset):
        """Reads one stored event as an `envelope_pb2.Envelope`."""
        data = self._request("GET", f"/api/v1/events/{offset}", accept=PROTOBUF)
        envelope = envelope_pb2.Envelope()
        envelope.ParseFromString(data)
        return envelope

    def read_json(self, from_offset=0, limit=1000, topic=None):
        """Reads stored events as envelope dicts (the NDJSON read API)."""
        data = self._request(
            "GET", _events_path(from_offset, limit, topic), accept="application/x-ndjson")
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]
