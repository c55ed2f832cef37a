"""Resource coordinator helpers over Connect JSON (standard library only).

    coord = Coordinator("http://127.0.0.1:8080", component="trainer")
    with coord.lease("gpu_slice", amount=2000, wait_ms=5000) as lease:
        ...  # the lease is released when the block ends, also on an exception
    answer = coord.rate_limited("claude", lambda: ask_claude(prompt),
                                estimated_input_tokens=800,
                                usage=lambda r: (r.input_tokens, r.output_tokens))
"""

import contextlib
import json
import time

from .client import bus_token, http_request
from .errors import OverLimitError, error_from_connect

__all__ = ["Coordinator", "LeaseNotGranted"]

SERVICE = "jimbot.coordinator.v1.ResourceCoordinator"


class LeaseNotGranted(OverLimitError):
    """Acquire answered without a lease (queued, timed out or refused); `answer` holds it."""

    def __init__(self, answer):
        super().__init__(f"lease not granted: {answer.get('state')} {answer.get('reason', '')}")
        self.answer = answer


class Coordinator:
    def __init__(self, base_url, component="python", timeout_s=30.0, token=None):
        self.base_url = base_url.rstrip("/")
        self.component = component
        self.timeout_s = timeout_s
        self.token = bus_token(token)  # the "coordinator" scope

    def call(self, method, body):
        """One Connect unary call with a JSON body; returns the JSON answer."""
        data = http_request(f"{self.base_url}/{SERVICE}/{method}", "POST", json.dumps(body).encode(),
                            {"Content-Type": "application/json"}, self.timeout_s,
                            to_error=error_from_connect, token=self.token)
        return json.loads(data or b"{}")

    @contextlib.contextmanager
    def lease(self, resource, amount, wait_ms=0, ttl_ms=None, priority=0, request_id=None):
        """Acquires a lease for the block and releases it afterwards; yields the lease dict."""
        body = {"resource": resource, "amount": amount, "component": self.component,
                "waitMs": wait_ms, "priority": priority}
        if ttl_ms is not None:
            body["ttlMs"] = ttl_ms
        if request_id is not None:
            body["requestId"] = request_id
        answer = self.call("Acquire", body)
        if answer.get("state") != "LEASE_STATE_GRANTED":
            raise LeaseNotGranted(answer)
        lease = answer["lease"]
        try:
            yield lease
        finally:
            self.call("Release", {"leaseId": lease["leaseId"]})

    def rate_limited(self, limiter, fn, estimated_input_tokens=0, estimated_output_tokens=0,
                     usage=None, max_wait_s=60.0, sleep=time.sleep):
        """Reserves quota on `limiter` (waiting as the bus advises, up to max_wait_s), calls fn(),
        then commits the actual token use (`usage(result)` -> (input, output); the estimates
        when no usage is given; nothing used when fn raises). Returns fn's result."""
        deadline = time.monotonic() + max_wait_s
        while True:
            answer = self.call("Reserve", {
                "limiter": limiter, "requests": 1, "component": self.component,
                "estimatedInputTokens": estimated_input_tokens,
                "estimatedOutputTokens": estimated_output_tokens,
            })
            if answer.get("allowed"):
                break
            wait_s = answer.get("retryAfterMs", 1000) / 1000
            if time.monotonic() + wait_s > deadline:
                raise OverLimitError(f"rate limit {limiter}: {answer.get('reason', 'no quota')}",
                                     retry_after_s=wait_s)
            sleep(wait_s)
        reservation = answer["reservationId"]
        try:
            result = fn()
        except BaseException:
            self.call("Commit", {"reservationId": reservation, "actualInputTokens": 0,
                                 "actualOutputTokens": 0})
            raise
        used_in, used_out = usage(result) if usage else (estimated_input_tokens,
                                                         estimated_output_tokens)
        self.call("Commit", {"reservationId": reservation, "actualInputTokens": int(used_in),
                             "actualOutputTokens": int(used_out)})
        return result
