"""Issue 13: the JSON text of every --json output (ui/jsontext.py) is exactly what
json.dumps(value, ensure_ascii=False, indent=2) makes, only faster."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone

from itsmctl.ui.jsontext import dumps
from itsmctl.ui.output import _default, to_json

SCALARS = ["", "INC-2611-00001", "计费出错 \"quoted\" \\ back", "tab\tnew\nline\x07\u2028",
           "\ud83d\ude00 😀", 0, -7, 2 ** 70, 0.1, -2.5e-300, 1e22, float("nan"), float("inf"),
           -float("inf"), True, False, None]
KEYS = ["a", "ключ", "", 1, -2, 1.5, True, False, None]


def nested(rng: random.Random, depth: int) -> object:
    kind = rng.random()
    if depth <= 0 or kind < 0.35:
        return rng.choice(SCALARS)
    if kind < 0.55:                  # a list of ids, what the report is mostly made of
        return [f"INC-{rng.randrange(10 ** 6):06d}" for _ in range(rng.randrange(4))]
    if kind < 0.8:
        return [nested(rng, depth - 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): nested(rng, depth - 1) for _ in range(rng.randrange(4))}


def same(value: object) -> None:
    assert dumps(value, _default) == json.dumps(value, ensure_ascii=False, indent=2,
                                                default=_default)


def test_jsontext_is_json_dumps_text_for_every_shape():
    rng = random.Random(13)
    for _ in range(2000):
        same(nested(rng, 5))
    for scalar in SCALARS:
        same(scalar)
        same([scalar, [scalar], {"k": scalar}])
    same(({"t": (1, ["x"])}, [], {}, [[]], [{}], ["a", 1, None], ["a", ["b"]]))


def test_jsontext_hands_what_it_does_not_know_to_json():
    at = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)
    same({"at": at, "ids": ["a", "b"]})
    assert '"at": "2026-11-25T09:00:00+00:00"' in to_json({"at": at})
    same({"n": {3: [at], None: {"ids": ["x"]}}})
