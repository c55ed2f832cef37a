"""Tests the Python client against a running bus: JIMBOT_URL=http://127.0.0.1:PORT.

Run from clients/python: python3 -m unittest discover -v -s tests
Fixtures come from JIMBOT_FIXTURES, default tests/testdata/balatromcp of the repository.
"""

import json
import os
import unittest
import uuid

from jimbot_bus import BusClient, envelope_pb2, ingest_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get(
    "JIMBOT_FIXTURES", os.path.join(HERE, "..", "..", "..", "tests", "testdata", "balatromcp"))
URL = os.environ.get("JIMBOT_URL")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


@unittest.skipUnless(URL, "set JIMBOT_URL to a running bus")
class BusClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bus = BusClient(URL)

    def stored(self, event_id):
        """The stored envelope of an event, found by event_id (the bus keeps one per id)."""
        found = [e for e in self.bus.read_envelopes(0, 100000) if e.event_id == event_id]
        self.assertEqual(len(found), 1, f"one stored event {event_id}")
        return found[0]

    def test_game_state_reads_back_typed(self):
        answer = self.bus.post_batch_raw(fixture("game_state_initial.json"))
        self.assertEqual(answer["status"], "ok")
        envelope = self.stored("e8447d36-0dd0-4e99-b194-a01af75dcf59")
        self.assertEqual(envelope.type, "GAME_STATE")
        self.assertEqual(envelope.topic, "game.state.update")
        self.assertEqual(envelope.WhichOneof("payload"), "game_state")
        self.assertEqual(envelope.client_timestamp.number_value, 4103.2212407589)
        self.assertTrue(envelope.extras["initial"])
        state = envelope.game_state
        self.assertEqual(state.game_id, "7NQH2KTB")
        self.assertEqual((state.ante, state.round, state.money), (2, 5, 9.0))
        self.assertEqual(len(state.hand), 8)
        self.assertEqual(len(state.deck.full_deck), 52)
        self.assertEqual([j.name for j in state.jokers], ["Joker", "Greedy Joker"])
        self.assertEqual(state.jokers[0].WhichOneof("id"), "id_number")
        self.assertEqual(state.jokers[0].id_number, 0.99843946956934)
        self.assertEqual(state.blind.mult, 1.5)
        self.assertEqual(state.score_history["hand"].amt, 844)
        self.assertIn("shop_items", state.unmapped)  # the mod's `{}`, kept as sent

    def test_scoring_sequence_keeps_mixed_types(self):
        self.bus.post_batch_raw(fixture("scoring_sequence.json"))
        flagged = self.stored("40070add-126f-4b41-bf60-7954e3dbf827")
        self.assertEqual(flagged.WhichOneof("payload"), "joker_trigger")
        self.assertEqual(flagged.joker_trigger.WhichOneof("context_type"), "context_type_bool")
        self.assertTrue(flagged.joker_trigger.context_type_bool)
        start = self.stored("83fb0453-1ea7-4207-9ce7-5206feee9458")
        self.assertEqual(start.subtype, "HAND_EVAL_START")
        self.assertEqual(start.WhichOneof("payload"), "scoring_hand_eval_start")
        self.assertEqual(start.scoring_hand_eval_start.round, 5)

    def test_empty_jokers_read_as_empty_list(self):
        self.bus.post_batch_raw(fixture("jokers_changed_empty.json"))
        changed = self.stored("fa525039-f1d3-49b6-b457-bdd14fd1d78d")
        self.assertEqual(changed.WhichOneof("payload"), "jokers_changed")
        self.assertEqual(len(changed.jokers_changed.jokers), 0)
        self.assertEqual(changed.jokers_changed.new_count, 0)

    def test_protobuf_batch_posts_and_reads_back(self):
        event_id = str(uuid.uuid4())
        batch = ingest_pb2.EventBatch(batch_id=str(uuid.uuid4()), source="jimbot-python")
        event = batch.events.add(event_id=event_id, type="HEARTBEAT", source="jimbot-python")
        event.version.number_value = 1
        event.timestamp.number_value = 9103.9924716589
        event.heartbeat.version = "0.1.0"
        event.heartbeat.uptime = 9103.9793716589
        event.heartbeat.headless = False
        event.heartbeat.game_state = "1"
        answer = self.bus.post_batch_proto(batch)
        self.assertEqual(answer.status, "ok")
        self.assertEqual(answer.accepted, 1)
        offset = answer.offsets[0]
        envelope = self.bus.read_envelope(offset)
        self.assertEqual(envelope.event_id, event_id)
        self.assertEqual(envelope.WhichOneof("payload"), "heartbeat")
        self.assertEqual(envelope.heartbeat.uptime, 9103.9793716589)
        self.assertFalse(envelope.heartbeat.headless)
        self.assertTrue(envelope.heartbeat.HasField("headless"))
        [as_json] = [e for e in self.bus.read_json(offset, 1)]
        self.assertEqual(as_json["payload"], {
            "version": "0.1.0", "uptime": 9103.9793716589, "headless": False, "game_state": "1"})
        self.assertEqual(json.loads(json.dumps(as_json["client_timestamp"])), 9103.9924716589)


if __name__ == "__main__":
    unittest.main()
