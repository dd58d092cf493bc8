"""Global IDs to objects: the table of node types that `node(id:)`, `nodes` and the typed lookups resolve."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from api.context import Info
from api.ids import from_global
from api.types.album import album_nodes
from api.types.album_group import genre_nodes, label_nodes
from api.types.artist import artist_nodes
from api.types.customer import customer_nodes
from api.types.purchase import purchase_nodes
from api.types.track import track_nodes

NodeResolver = Callable[[Info, list[str]], Awaitable[list[Any]]]
"""Objects for keys of one type, in order: None where absent, an error where not visible to the viewer."""

NODE_TYPES: dict[str, NodeResolver] = {
    "Album": album_nodes,
    "Artist": artist_nodes,
    "Track": track_nodes,
    "Genre": genre_nodes,
    "Label": label_nodes,
    "Customer": customer_nodes,
    "Purchase": purchase_nodes,
}


async def resolve_nodes(info: Info, ids: list[str]) -> list[Any]:
    """Objects for global IDs in one batch per type; None where absent, hidden or unknown type."""
    parsed = [from_global(value, f"ids[{i}]") for i, value in enumerate(ids)]
    by_type: dict[str, list[int]] = {}
    for i, (type_name, _) in enumerate(parsed):
        by_type.setdefault(type_name, []).append(i)
    out: list[Any] = [None] * len(ids)

    async def fill(type_name: str, indexes: list[int]) -> None:
        resolver = NODE_TYPES.get(type_name)
        if resolver is None:
            return
        found = await resolver(info, [parsed[i][1] for i in indexes])
        for i, obj in zip(indexes, found, strict=True):
            out[i] = obj

    await asyncio.gather(*(fill(t, idx) for t, idx in by_type.items()))
    return out
