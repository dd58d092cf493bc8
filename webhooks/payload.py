"""The JSON a delivery carries: the endpoint's changes in order, each with its feed cursor as its id."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from graph.changes import cursor_of


def _global(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def event(change: Mapping[str, Any]) -> dict[str, Any]:
    """One change as an event: `id` is its catalogChanges cursor, so a receiver can dedupe and resume."""
    out: dict[str, Any] = {
        "id": cursor_of(int(change["seq"])),
        "kind": change["kind"],
        "occurredAt": change["at"].isoformat(),
        "album": {"id": _global("Album", change["releaseKey"]), "upc": change.get("upc")},
        "label": change.get("labelKey"),
        "fields": list(change.get("fields") or []),
    }
    if change.get("purchaseKey"):
        out["sale"] = {
            "purchaseId": _global("Purchase", change["purchaseKey"]), "territory": change.get("territory"),
            "currency": change.get("currency"), "units": change.get("units"), "gross": change.get("gross"),
        }
    return out


def body(endpoint_id: str, changes: Sequence[Mapping[str, Any]]) -> bytes:
    """The request body of one delivery."""
    document = {"endpoint": endpoint_id, "events": [event(c) for c in changes]}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def endpoint_id(key: str) -> str:
    """The global ID of a webhook endpoint (as the API shows it)."""
    return _global("WebhookEndpoint", key)
