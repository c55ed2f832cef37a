"""The package against a running bus (JIMBOT_URL; JIMBOT_GRPC for the gRPC part): experiment
tracking, coordinator leases and rate-limited calls, typed errors, subscribe with a group."""

import os
import time
import unittest
import uuid

from jimbot_bus import (BusClient, Coordinator, MalformedError, NotFoundError, Tracking)

URL = os.environ.get("JIMBOT_URL")
GRPC = os.environ.get("JIMBOT_GRPC")


@unittest.skipUnless(URL, "set JIMBOT_URL to a running bus")
class LiveTest(unittest.TestCase):
    def test_tracking_run_logs_params_metrics_and_ends(self):
        tracking = Tracking(URL)
        name = f"py-{uuid.uuid4().hex[:8]}"
        with tracking.start_run(name, run_name="ppo", params={"lr": 0.001, "gamma": 0.99}) as run:
            for step in range(5):
                run.log_metrics({"loss": 1.0 / (step + 1), "reward": step * 2}, step=step)
            run.log_metrics({f"m{i}": i for i in range(1200)}, step=0)  # split across batches
        found = run.get()
        self.assertEqual(found["info"]["status"], "FINISHED")
        params = {p["key"]: p["value"] for p in found["data"]["params"]}
        self.assertEqual(params, {"lr": "0.001", "gamma": "0.99"})
        self.assertEqual(run.history("loss"), [(s, 1.0 / (s + 1)) for s in range(5)])
        self.assertEqual(len(found["data"]["metrics"]), 1202)
        with self.assertRaises(RuntimeError):
            with tracking.start_run(name) as failing:
                raise RuntimeError("training crashed")
        self.assertEqual(failing.get()["info"]["status"], "FAILED")
        best = tracking.runs(name, "metrics.reward >= 8", order_by=["metrics.loss ASC"])
        self.assertEqual([r["info"]["run_id"] for r in best], [run.run_id])
        with self.assertRaises(NotFoundError) as caught:
            tracking.call("GET", "runs/get", {"run_id": "nope"})
        self.assertEqual(caught.exception.error_code, "RESOURCE_DOES_NOT_EXIST")

    def test_bus_errors_are_typed_with_their_kind(self):
        bus = BusClient(URL)
        with self.assertRaises(NotFoundError) as caught:
            bus.read_envelope(10 ** 12)
        self.assertEqual((caught.exception.kind, caught.exception.status), ("not_found", 404))
        with self.assertRaises(MalformedError):
            bus.read_json(0, 1, topic="game..bad")

    def test_lease_is_released_when_the_block_ends(self):
        coord = Coordinator(URL, component="py-test")
        status = lambda: {r["resource"]: r for r in coord.call("GetStatus", {})["resources"]}
        used_before = status()["memory"].get("used", 0)
        with self.assertRaises(KeyError):
            with coord.lease("memory", amount=256, wait_ms=2000) as lease:
                self.assertTrue(lease["leaseId"])
                self.assertEqual(status()["memory"]["used"], used_before + 256)
                raise KeyError("the work failed")
        self.assertEqual(status()["memory"].get("used", 0), used_before)

    def test_rate_limited_call_reserves_and_commits(self):
        coord = Coordinator(URL, component="py-test")
        calls = []
        result = coord.rate_limited("claude", lambda: calls.append(1) or "answer",
                                    estimated_input_tokens=100, usage=lambda r: (120, 30))
        self.assertEqual((result, calls), ("answer", [1]))
        limiter = [x for x in coord.call("GetStatus", {})["limiters"] if x["limiter"] == "claude"]
        self.assertEqual(len(limiter), 1)


@unittest.skipUnless(URL and GRPC, "set JIMBOT_URL and JIMBOT_GRPC (host:port) to a running bus")
class StreamTest(unittest.TestCase):
    def test_a_consumer_group_resumes_after_its_commit(self):
        from jimbot_bus.stream import EventStream, earliest

        topic_type = f"PYGROUP_{uuid.uuid4().hex[:6]}"
        topic = f"custom.{topic_type.lower()}"
        group = f"g-{uuid.uuid4().hex[:6]}"
        with EventStream(GRPC) as stream:
            answer = stream.publish([{"type": topic_type, "event_id": f"{group}-{i}",
                                      "payload": {"i": i}} for i in range(6)])
            self.assertEqual(answer.accepted, 6)
            head = stream.offsets().head
            first = [d for d in stream.subscribe([topic], group=group, start=earliest(),
                                                 end_offset=head, auto_commit=False)]
            self.assertEqual([d.event.event_id for d in first], [f"{group}-{i}" for i in range(6)])
            stream.commit(group, first[2].offset)
            rest = [d.event.event_id for d in stream.subscribe(
                [topic], group=group, end_offset=head, auto_commit=False)]
            self.assertEqual(rest, [f"{group}-{i}" for i in range(3, 6)])
            lag = {g.group: g for g in stream.offsets([group]).groups}
            self.assertEqual(lag[group].committed, first[2].offset)


if __name__ == "__main__":
    unittest.main()
