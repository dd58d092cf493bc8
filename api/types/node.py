"""The Relay Node interface: an object with a global ID."""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with a global ID, fetchable again with `node(id:)` (Relay Object Identification)."
)
class Node:
    """An object with a global ID."""

    id: strawberry.ID = strawberry.field(
        description='The global ID: base64 of "<TypeName>:<key>" (Album 1 is base64("Album:1")). '
        "Opaque to clients: store it, do not build it."
    )
