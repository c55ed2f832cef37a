"""GAME_STATE → fixed-shape numpy observations, encoding version 1 (docs/learning.md).

Two steps, so batches never loop over array elements in Python:
1. `pack(payload)` turns one GAME_STATE payload (the mod's JSON, as a dict) into one fixed-size
   little-endian record of small integer codes (RECORD_DTYPE, RECORD_BYTES bytes);
2. `decode(buffer)` reads any number of records with `numpy.frombuffer` and expands them into
   the observation arrays with vectorised indexing (one-hot tables, masks, scaling).
`encode(payloads)` does both. Records can be stored, sent or memory-mapped as they are.

Observation arrays for a batch of N states (all float32 unless said otherwise):
  scalars      (N, 10)       ante, round, money, round score (chips), hands left, discards left,
                             hand size, blind chips, blind mult, boss blind (0/1)
  hand         (N, 12, 36)   per card slot: rank one-hot (13: 2..Ace), suit (4), enhancement (9),
                             edition (5), seal (5); empty slots are zero
  hand_mask    (N, 12) bool  which hand slots hold a card
  jokers       (N, 8) int32  joker name ids (crc32 of the lower-cased name mod 1021, plus 1;
                             0 = empty slot), in joker order
  joker_edition (N, 8, 5)    edition one-hot per joker slot
  joker_mask   (N, 8) bool
  hand_levels  (N, 12)       level of each poker hand (HAND_TYPES order; 1 when not recorded)
"""

import zlib

import numpy as np

__all__ = [
    "OBS_VERSION", "MAX_HAND", "MAX_JOKERS", "RANKS", "SUITS", "ENHANCEMENTS", "EDITIONS",
    "SEALS", "HAND_TYPES", "RECORD_DTYPE", "RECORD_BYTES", "CARD_FEATURES", "SCALARS",
    "pack", "pack_many", "decode", "encode", "joker_id",
]

OBS_VERSION = 1
MAX_HAND = 12
MAX_JOKERS = 8
RANKS = ("2", "3", "4", "5", "6", "7", "8", "9", "10", "Jack", "Queen", "King", "Ace")
SUITS = ("Spades", "Hearts", "Clubs", "Diamonds")
ENHANCEMENTS = ("none", "bonus", "mult", "wild", "glass", "steel", "stone", "gold", "lucky")
EDITIONS = ("none", "foil", "holographic", "polychrome", "negative")
SEALS = ("none", "Gold", "Red", "Blue", "Purple")
HAND_TYPES = ("High Card", "Pair", "Two Pair", "Three of a Kind", "Straight", "Flush",
              "Full House", "Four of a Kind", "Straight Flush", "Five of a Kind", "Flush House",
              "Flush Five")
SCALARS = ("ante", "round", "money", "chips", "hands_remaining", "discards_remaining",
           "hand_size", "blind_chips", "blind_mult", "blind_boss")
CARD_FEATURES = len(RANKS) + len(SUITS) + len(ENHANCEMENTS) + len(EDITIONS) + len(SEALS)

# Codes are 1-based; 0 means "empty slot" (or an unknown value).
_RANK = {r: i + 1 for i, r in enumerate(RANKS)}
_RANK.update({"A": _RANK["Ace"], "J": _RANK["Jack"], "Q": _RANK["Queen"], "K": _RANK["King"],
              "T": _RANK["10"]})
_SUIT = {s: i + 1 for i, s in enumerate(SUITS)}
_ENH = {e: i + 1 for i, e in enumerate(ENHANCEMENTS)}
_EDITION = {e: i + 1 for i, e in enumerate(EDITIONS)}
_SEAL = {s.lower(): i + 1 for i, s in enumerate(SEALS)}
_HAND = {h: i for i, h in enumerate(HAND_TYPES)}

RECORD_DTYPE = np.dtype([
    ("version", "u1"),
    ("hand_count", "u1"),
    ("joker_count", "u1"),
    ("blind_boss", "u1"),
    ("ints", "<i4", (5,)),  # ante, round, hands_remaining, discards_remaining, hand_size
    ("floats", "<f4", (4,)),  # money, chips, blind_chips, blind_mult
    ("cards", "u1", (MAX_HAND, 5)),  # rank, suit, enhancement, edition, seal codes
    ("jokers", "<u2", (MAX_JOKERS,)),
    ("joker_editions", "u1", (MAX_JOKERS,)),
    ("hand_levels", "u1", (len(HAND_TYPES),)),
])
RECORD_BYTES = RECORD_DTYPE.itemsize


def joker_id(name):
    """A stable small id for a joker name (version 1): crc32(lower-cased name) % 1021 + 1."""
    return zlib.crc32(str(name).lower().encode()) % 1021 + 1


def _list(value):
    """The mod writes empty lists as `{}`; anything not a list is empty."""
    return value if isinstance(value, list) else []


def _num(value, default=0):
    try:
        n = float(value)
    except (TypeError, ValueError):
        return default
    return n if n == n and n not in (float("inf"), float("-inf")) else default


def _by_position(items):
    return sorted((x for x in items if isinstance(x, dict)),
                  key=lambda x: _num(x.get("position"), 0))


def pack(payload):
    """One GAME_STATE payload (dict) as one RECORD_BYTES record (bytes)."""
    record = np.zeros((), dtype=RECORD_DTYPE)
    record["version"] = OBS_VERSION
    hand = _by_position(_list(payload.get("hand")))[:MAX_HAND]
    jokers = _by_position(_list(payload.get("jokers")))[:MAX_JOKERS]
    record["hand_count"] = len(hand)
    record["joker_count"] = len(jokers)
    blind = payload.get("blind") if isinstance(payload.get("blind"), dict) else {}
    boss = blind.get("boss")
    record["blind_boss"] = 1 if boss is True or boss == "true" else 0
    record["ints"] = [int(_num(payload.get(k))) for k in
                      ("ante", "round", "hands_remaining", "discards_remaining", "hand_size")]
    record["floats"] = [_num(payload.get("money")), _num(payload.get("chips")),
                        _num(blind.get("chips")), _num(blind.get("mult"), 1)]
    if hand:
        record["cards"][:len(hand)] = [
            (_RANK.get(str(c.get("rank")), 0), _SUIT.get(c.get("suit"), 0),
             _ENH.get(str(c.get("enhancement", "none")).lower(), 0),
             _EDITION.get(str(c.get("edition", "none")).lower(), 0),
             _SEAL.get(str(c.get("seal", "none")).lower(), 0))
            for c in hand]
    if jokers:
        record["jokers"][:len(jokers)] = [joker_id(j.get("name", "")) for j in jokers]
        record["joker_editions"][:len(jokers)] = [
            _EDITION.get(str((j.get("properties") or {}).get("edition", "none")).lower(), 0)
            if isinstance(j.get("properties"), dict) else 1 for j in jokers]
    levels = payload.get("hand_levels") if isinstance(payload.get("hand_levels"), dict) else {}
    record["hand_levels"] = [min(255, max(0, int(_num(levels.get(h), 1)))) for h in HAND_TYPES]
    return record.tobytes()


def pack_many(payloads):
    """Many payloads as one buffer of consecutive records."""
    return b"".join(pack(p) for p in payloads)


def _one_hot(codes, size):
    """codes (1-based, 0 = none) → one-hot float32 rows of `size`, zeros for 0."""
    table = np.zeros((size + 1, size), dtype=np.float32)
    table[np.arange(1, size + 1), np.arange(size)] = 1
    return table[codes]


def decode(buffer):
    """Records (bytes, bytearray, memoryview) → the observation arrays of the batch."""
    records = np.frombuffer(buffer, dtype=RECORD_DTYPE)
    if records.size and np.any(records["version"] != OBS_VERSION):
        found = sorted(set(records["version"].tolist()))
        raise ValueError(f"observation records of version {found}; this decoder reads "
                         f"version {OBS_VERSION}")
    ints = records["ints"].astype(np.float32)
    floats = records["floats"]
    scalars = np.stack([ints[:, 0], ints[:, 1], floats[:, 0], floats[:, 1], ints[:, 2],
                        ints[:, 3], ints[:, 4], floats[:, 2], floats[:, 3],
                        records["blind_boss"].astype(np.float32)], axis=1)
    cards = records["cards"]
    hand = np.concatenate([
        _one_hot(cards[..., 0], len(RANKS)), _one_hot(cards[..., 1], len(SUITS)),
        _one_hot(cards[..., 2], len(ENHANCEMENTS)), _one_hot(cards[..., 3], len(EDITIONS)),
        _one_hot(cards[..., 4], len(SEALS))], axis=-1)
    slots = np.arange(MAX_HAND)
    joker_slots = np.arange(MAX_JOKERS)
    return {
        "scalars": scalars.astype(np.float32),
        "hand": hand,
        "hand_mask": slots[None, :] < records["hand_count"][:, None],
        "jokers": records["jokers"].astype(np.int32),
        "joker_edition": _one_hot(records["joker_editions"], len(EDITIONS)),
        "joker_mask": joker_slots[None, :] < records["joker_count"][:, None],
        "hand_levels": records["hand_levels"].astype(np.float32),
    }


def encode(payloads):
    """GAME_STATE payloads → the observation arrays (pack, then decode)."""
    return decode(pack_many(payloads))
