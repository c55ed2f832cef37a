"""REST client of the JimBot event bus: post events, read stored events as typed messages.

Standard library plus the generated modules (jimbot/events/v1/*_pb2.py, made by `deno task gen`),
which need the protobuf runtime. Reading asks for `application/x-protobuf`: a stream of
size-delimited `jimbot.events.v1.Envelope` records (a varint byte length before each record).
Non-2xx answers raise the typed exceptions of `jimbot_bus.errors`.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from jimbot.events.v1 import envelope_pb2, ingest_pb2

from .errors import error_from_http

PROTOBUF = "application/x-protobuf"

__all__ = ["BusClient", "decode_delimited", "http_request", "bus_token", "envelope_pb2",
           "ingest_pb2"]


def bus_token(token=None):
    """The bearer token to send: the one given, else $JIMBOT_TOKEN, else None (the bus lets a
    loopback client ingest and poll without one; everything else needs a token with a scope)."""
    return token if token is not None else os.environ.get("JIMBOT_TOKEN") or None


def http_request(url, method="GET", body=None, headers=None, timeout_s=10.0, to_error=None,
                 token=None):
    """One HTTP exchange; returns the body bytes, or raises the BusError of a non-2xx answer."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        data = err.read()
        if to_error is not None:
            raise to_error(err.code, data) from err
        raise error_from_http(err.code, data, err.headers.get("retry-after")) from err


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
    """Talks to one bus over HTTP, e.g. BusClient("http://127.0.0.1:8080"); `token` defaults to
    $JIMBOT_TOKEN."""

    def __init__(self, base_url, timeout_s=10.0, token=None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.token = bus_token(token)

    def _request(self, method, path, body=None, content_type=None, accept=None):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        return http_request(self.base_url + path, method, body, headers, self.timeout_s,
                            token=self.token)

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
