"""Response bodies encoded with orjson, with json's answer for what orjson refuses (integers past 64 bits)."""

from __future__ import annotations

import json

import orjson


def encode_json(data: object) -> bytes:
    """Compact JSON as UTF-8; the same document json.dumps would write."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, separators=(",", ":")).encode()
