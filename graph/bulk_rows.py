"""Row lists for bulk statements: parameters the Neo4j driver does not render for its debug log."""

from __future__ import annotations

from typing import Any


class Rows(list[Any]):
    """A list of statement rows whose repr is only its length.

    The driver formats every RUN's parameters for a debug log line before the logger checks its
    level; for a batch of thousands of rows that repr cost as much CPU as packing them.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"
