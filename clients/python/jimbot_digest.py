"""Prints one digest line per stored event of the bus at $JIMBOT_URL, decoded with the generated
Python types; the same format as tests/proto/digest.ts and the Rust bin jimbot-digest (floats as
IEEE-754 bits), for tests/proto/cross_language.sh.
"""

import os
import struct
import sys

from jimbot_bus import BusClient


def bits(x):
    return struct.pack(">d", x).hex()


def opt(message, field):
    return bits(getattr(message, field)) if message.HasField(field) else "-"


def value(envelope, field):
    if not envelope.HasField(field):
        return "-"
    v = getattr(envelope, field)
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        return bits(v.number_value)
    if kind == "string_value":
        return "s:" + v.string_value
    if kind == "bool_value":
        return "b:" + ("true" if v.bool_value else "false")
    return {"null_value": "null", "struct_value": "object", "list_value": "list"}.get(kind, "-")


def detail(envelope, case):
    if case == "game_state":
        s = envelope.game_state
        id0 = "-"
        if len(s.hand) > 0:
            which = s.hand[0].WhichOneof("id")
            if which == "id_number":
                id0 = bits(s.hand[0].id_number)
            elif which == "id_string":
                id0 = "s:" + s.hand[0].id_string
        ante = str(s.ante) if s.HasField("ante") else "-"
        deck = len(s.deck.full_deck) if s.HasField("deck") else 0
        phase = s.game_state if s.HasField("game_state") else (
            s.phase if s.HasField("phase") else "-")
        return (f"money={opt(s, 'money')} chips={opt(s, 'chips')} ante={ante} "
                f"jokers={len(s.jokers)} hand={len(s.hand)} deck={deck} id0={id0} phase={phase}")
    if case == "heartbeat":
        return f"uptime={opt(envelope.heartbeat, 'uptime')}"
    if case == "money_changed":
        return f"new={opt(envelope.money_changed, 'new_value')}"
    if case == "score_changed":
        p = envelope.score_changed
        return f"old={opt(p, 'old_chips')} new={opt(p, 'new_chips')}"
    if case == "jokers_changed":
        return f"jokers={len(envelope.jokers_changed.jokers)}"
    if case == "joker_trigger":
        p = envelope.joker_trigger
        which = p.WhichOneof("context_type")
        if which == "context_type_bool":
            context = "b:" + ("true" if p.context_type_bool else "false")
        elif which == "context_type_string":
            context = "s:" + p.context_type_string
        else:
            context = "-"
        return f"name={p.joker_name} context={context}"
    if case == "scoring_hand_eval_complete":
        p = envelope.scoring_hand_eval_complete
        triggers = str(p.joker_triggers) if p.HasField("joker_triggers") else "-"
        return f"final={opt(p, 'final_score')} triggers={triggers}"
    if case == "connection_test":
        return f"message={envelope.connection_test.message}"
    if case == "round_complete":
        return f"score={opt(envelope.round_complete, 'score')}"
    return ""


def digest(envelope):
    case = envelope.WhichOneof("payload")
    return "\t".join([
        str(envelope.offset), envelope.event_id, envelope.type,
        envelope.subtype if envelope.HasField("subtype") else "-", envelope.topic,
        value(envelope, "client_timestamp"), case or "-", detail(envelope, case)])


def main():
    url = os.environ.get("JIMBOT_URL")
    if not url:
        sys.exit("set JIMBOT_URL, e.g. http://127.0.0.1:8080")
    for envelope in BusClient(url).read_envelopes(0, 100000):
        print(digest(envelope))


if __name__ == "__main__":
    main()
