"""Band hashes of a text's MinHash signature, so that an index finds its near copies (locality-sensitive hashing).

Two texts whose sets of character trigrams overlap by a share s (Jaccard) agree on one of a signature's minima
with probability s; they share a band — ROWS minima in a row, hashed to one number — with probability s**ROWS,
and at least one of BANDS bands with 1 - (1 - s**ROWS)**BANDS. With 12 bands of 6 rows that is 97% at s = 0.8
and 100% at 0.9, but 0.001% for two diaries of the usual kind (s ≈ 0.14, which shared stock phrases give):
an index on the bands hands the copied-diary rule a few hundred candidates in a million visits, where pg_trgm's
own index has to read every row that shares a stock phrase (campaigns/flags.py judges the candidates with
pg_trgm's similarity). The hash functions are fixed: stored bands stay comparable with new ones.
"""

import json
import re
from collections.abc import Sequence

import numpy as np
from django.db import models

BANDS, ROWS = 12, 6
# One hash function per row of the signature: (a·x + b) mod 2**32 of a trigram's mixed hash x, a odd (a bijection).
_SEEDS = np.random.default_rng(20261201).integers(1, 2**32, size=(2, BANDS * ROWS, 1), dtype=np.uint32)
_MULTIPLIERS, _ADDENDS = _SEEDS[0] | np.uint32(1), _SEEDS[1]
_NOT_A_WORD = re.compile(r"[\W_]+")


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads nearby trigram codes over all 64 bits (mod 2**64, as numpy wraps)."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def normalise(text: str) -> str:
    """What the trigrams are taken of: lower case, letters and digits only (Chinese characters are letters)."""
    return _NOT_A_WORD.sub("", text.lower())


def bands_of_many(texts: Sequence[str], chunk: int = 1000) -> list[list[int]]:
    """Each text's BANDS band hashes (signed 64-bit, as PostgreSQL's bigint), or [] for a text under 3 characters;
    `chunk` texts at a time (a thousand diaries take about 25 MB on the way)."""
    return [bands for start in range(0, len(texts), chunk) for bands in _bands(texts[start:start + chunk])]


def _bands(texts: Sequence[str]) -> list[list[int]]:
    words = [normalise(text) for text in texts]
    kept = [n for n, word in enumerate(words) if len(word) >= 3]
    result: list[list[int]] = [[] for _ in texts]
    if not kept:
        return result
    # Every kept text's trigrams in one array: code points of three characters side by side (each under 2**21).
    points = [np.frombuffer(words[n].encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) for n in kept]
    trigrams = np.concatenate([(p[:-2] << np.uint64(42)) | (p[1:-1] << np.uint64(21)) | p[2:] for p in points])
    starts = np.cumsum([0] + [len(p) - 2 for p in points[:-1]])
    hashed = (_mix(trigrams) >> np.uint64(32)).astype(np.uint32)
    rows = np.multiply(hashed[None, :], _MULTIPLIERS)  # every hash function over every trigram, in place
    np.add(rows, _ADDENDS, out=rows)
    minima = np.minimum.reduceat(rows, starts, axis=1).T.reshape(len(kept), BANDS, ROWS).astype(np.uint64)  # each text's
    band = np.broadcast_to(np.arange(1, BANDS + 1, dtype=np.uint64)[None, :], (len(kept), BANDS))
    for row in range(ROWS):  # fold the band's number and its minima into one hash
        band = _mix(band ^ minima[:, :, row])
    for n, hashes in zip(kept, band.view(np.int64).tolist(), strict=True):
        result[n] = hashes
    return result


def bands_of(text: str) -> list[int]:
    return bands_of_many([text])[0]


class BandsField(models.Field):
    """A text's band hashes: bigint[] on PostgreSQL (GIN-indexed where a rule searches them), JSON text on the
    zero-setup SQLite, where nothing searches them."""

    description = "MinHash band hashes"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        if kwargs.get("default") is list:
            kwargs.pop("default")
        return name, path, args, kwargs

    def db_type(self, connection):
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return list(value) if connection.vendor == "postgresql" else json.dumps(list(value))

    def from_db_value(self, value, expression, connection):
        return json.loads(value) if isinstance(value, str) else value

