"""Observation encoding v1 on the mod's own GAME_STATE bodies (no bus needed)."""

import json
import os
import unittest

import numpy as np

from jimbot_bus import observation as obs

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get(
    "JIMBOT_FIXTURES", os.path.join(HERE, "..", "..", "..", "tests", "testdata", "balatromcp"))


def game_state(name, index=0):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        events = [e for e in json.load(f)["events"] if e["type"] == "GAME_STATE"]
    return events[index]["payload"]


class ObservationTest(unittest.TestCase):
    def test_initial_state_is_encoded_as_documented(self):
        state = game_state("game_state_initial.json")
        o = obs.encode([state])
        self.assertEqual(o["scalars"].shape, (1, len(obs.SCALARS)))
        scalars = dict(zip(obs.SCALARS, o["scalars"][0].tolist()))
        self.assertEqual(scalars, {"ante": 2, "round": 5, "money": 9, "chips": 0,
                                   "hands_remaining": 4, "discards_remaining": 4, "hand_size": 8,
                                   "blind_chips": 1200, "blind_mult": 1.5, "blind_boss": 0})
        self.assertEqual(o["hand"].shape, (1, obs.MAX_HAND, obs.CARD_FEATURES))
        self.assertEqual(o["hand_mask"][0].tolist(), [True] * 8 + [False] * 4)
        # Each present card has exactly one rank, suit, enhancement, edition and seal.
        self.assertEqual(o["hand"][0, :8].sum(axis=1).tolist(), [5.0] * 8)
        self.assertEqual(o["hand"][0, 8:].sum(), 0)
        ranks = [obs.RANKS[i] for i in o["hand"][0, :8, :13].argmax(axis=1)]
        expected = [c["rank"] for c in sorted(state["hand"], key=lambda c: c.get("position", 0))]
        self.assertEqual(ranks, expected)
        seals = o["hand"][0, :8, 31:].argmax(axis=1)
        self.assertEqual(sorted(obs.SEALS[i] for i in seals if i), ["Gold", "Red"])
        editions = o["hand"][0, :8, 26:31].argmax(axis=1)
        self.assertEqual([obs.EDITIONS[i] for i in editions if i], ["foil"])
        self.assertEqual(o["jokers"][0, :2].tolist(),
                         [obs.joker_id("Joker"), obs.joker_id("Greedy Joker")])
        self.assertEqual(o["joker_mask"][0].tolist(), [True, True] + [False] * 6)
        self.assertEqual(o["hand_levels"][0].tolist(), [1.0] * len(obs.HAND_TYPES))

    def test_a_batch_equals_the_single_states_stacked(self):
        states = [game_state("game_state_initial.json"), game_state("state_diff_batch.json"),
                  game_state("jokers_changed_empty.json")]
        batch = obs.encode(states * 100)
        for key, array in batch.items():
            self.assertEqual(array.shape[0], 300, key)
            for i, state in enumerate(states):
                np.testing.assert_array_equal(array[i], obs.encode([state])[key][0], key)
                np.testing.assert_array_equal(array[i + 3], array[i], key)

    def test_empty_lists_in_the_mods_encoding_are_empty_slots(self):
        shop = obs.encode([game_state("jokers_changed_empty.json")])  # hand {} and jokers {}
        self.assertFalse(shop["hand_mask"].any())
        self.assertFalse(shop["joker_mask"].any())
        self.assertEqual(shop["hand"].sum(), 0)
        self.assertEqual(shop["scalars"][0, 2], 24)  # money

    def test_records_are_fixed_size_and_read_with_frombuffer(self):
        packed = obs.pack_many([game_state("game_state_initial.json")] * 5)
        self.assertEqual(len(packed), 5 * obs.RECORD_BYTES)
        view = memoryview(bytearray(packed))
        self.assertEqual(obs.decode(view)["scalars"].shape, (5, len(obs.SCALARS)))
        self.assertEqual(obs.decode(b"")["hand"].shape, (0, obs.MAX_HAND, obs.CARD_FEATURES))

    def test_other_versions_and_odd_values_are_handled(self):
        record = bytearray(obs.pack(game_state("game_state_initial.json")))
        record[0] = 2
        with self.assertRaisesRegex(ValueError, "version"):
            obs.decode(bytes(record))
        odd = {"money": "12", "ante": None, "chips": float("nan"), "hand": [
            {"rank": "A", "suit": "Hearts"}, {"rank": "Zero", "suit": "Moons"}] + [
            {"rank": "2", "suit": "Clubs"}] * 20, "hand_levels": {"Flush": 3}}
        o = obs.encode([odd])
        self.assertEqual(o["scalars"][0, :4].tolist(), [0, 0, 12, 0])
        self.assertEqual(int(o["hand_mask"].sum()), obs.MAX_HAND)
        self.assertEqual(o["hand"][0, 0, :13].argmax(), obs.RANKS.index("Ace"))
        self.assertEqual(o["hand"][0, 1, :17].sum(), 0, "unknown rank and suit stay zero")
        self.assertEqual(o["hand_levels"][0, obs.HAND_TYPES.index("Flush")], 3)


if __name__ == "__main__":
    unittest.main()
