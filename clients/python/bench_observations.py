"""Observations per second of the v1 encoding on the mod's GAME_STATE (packing from dicts, and
decoding packed records into the arrays). Usage: python3 bench_observations.py [N]"""

import json
import os
import sys
import time

from jimbot_bus import observation as obs

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get(
    "JIMBOT_FIXTURES", os.path.join(HERE, "..", "..", "tests", "testdata", "balatromcp"))
FIXTURE = os.path.join(FIXTURES, "game_state_initial.json")


def rate(n, seconds):
    return f"{n / seconds:,.0f} obs/s"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with open(FIXTURE, "rb") as f:
        state = json.load(f)["events"][0]["payload"]
    states = [state] * n
    started = time.perf_counter()
    packed = obs.pack_many(states)
    packing = time.perf_counter() - started
    started = time.perf_counter()
    arrays = obs.decode(packed)
    decoding = time.perf_counter() - started
    assert arrays["hand"].shape == (n, obs.MAX_HAND, obs.CARD_FEATURES)
    print(json.dumps({
        "observations": n, "record_bytes": obs.RECORD_BYTES,
        "pack_from_dicts": rate(n, packing), "decode_packed": rate(n, decoding),
        "end_to_end": rate(n, packing + decoding),
    }))


if __name__ == "__main__":
    main()
