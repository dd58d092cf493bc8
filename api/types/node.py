"""The Relay Node interface and the registry that resolves any global ID."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from api.context import Info

NodeResolver = Callable[[Info, list[str]], Awaitable[list[Any]]]
RESOLVERS: dict[str, NodeResolver] = {}


@strawberry.interface(
    description="An object with a global ID, fetchable again with `node(id:)` (Relay Object Identification)."
)
class Node:
    """An object with a global ID."""

    id: strawberry.ID = strawberry.field(
        description='The global ID: base64 of "<TypeName>:<key>" (Album 1 is base64("Album:1")). '
        "Opaque to clients: store it, do not build it."
    )


def resolves(type_name: str) -> Callable[[NodeResolver], NodeResolver]:
    """Register how keys of `type_name` become objects (None where absent or not visible)."""

    def register(fn: NodeResolver) -> NodeResolver:
        RESOLVERS[type_name] = fn
        return fn

    return register
