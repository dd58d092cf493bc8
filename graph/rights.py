"""Whether a release may be sold in a territory on a day (see `graph.release.Rights`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from graph.release import WORLDWIDE


def on_sale(album: Mapping[str, Any], territory: str | None, day: date) -> bool:
    """True when the album row's rights cover the day and, if given, the territory."""
    start, end = album.get("rightsStart"), album.get("rightsEnd")
    if (start is not None and day < start) or (end is not None and day >= end):
        return False
    if territory is None:
        return True
    territories = album.get("territories") or []
    return WORLDWIDE in territories or territory.upper() in territories
