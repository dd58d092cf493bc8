"""The local server's error: `LocalDbError`, whose message says what to do."""

from __future__ import annotations

LOG_TAIL_LINES = 20


class LocalDbError(Exception):
    """The local Neo4j could not be started, stopped or found; the message says what to do."""
