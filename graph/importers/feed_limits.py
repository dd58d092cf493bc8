"""Feed limits: the most a feed line, text or list may hold, and reading a file's lines within them.

A feed comes from outside (labels, distributors), so nothing in it may cost unbounded memory or
work: a line is read with a byte limit (an oversized line is skipped in chunks, never held whole),
and every text and list is capped. The caps are far above what real catalogs hold: Chinook's
longest track title is 123 characters, its longest composer credit 188 (twelve writers), its
largest album 57 tracks; a famously long album title (Fiona Apple's, 90 words) is about 450
characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from graph.territories import ISO_3166_ALPHA2

MAX_LINE_BYTES = 4 * 1024 * 1024
"""One release per line: a 1000-track release with long credits takes well under 1 MiB."""

MAX_TITLE_CHARS = 500
"""Release and track titles."""
MAX_NAME_CHARS = 500
"""Artist and label names."""
MAX_KEY_CHARS = 200
"""Artist and label keys: identifiers, not prose."""
MAX_GENRE_CHARS = 100
MAX_COMPOSER_CHARS = 1000
"""A composer credit lists every writer: a pop song can have twenty."""
MAX_NOTICE_CHARS = 500
"""A copyright (C) or phonographic copyright (P) line: a symbol, a year and the owner's name."""
MAX_AMOUNT_CHARS = 20
"""A price or royalty rate as a decimal string ("0.99", "0.7000")."""

MAX_TRACKS = 1000
"""Tracks per release: box sets run to hundreds; larger editions are delivered as volumes."""
MAX_ARTISTS = 100
"""Artists credited on a release or a track (a compilation may credit every artist on it)."""
MAX_GENRES = 10
MAX_TERRITORIES = len(ISO_3166_ALPHA2)
"""Each territory at most once, so a longer list must repeat or invent some."""

MAX_PROBLEMS_PER_LINE = 100
"""Problems listed per line; the rest are counted, so that one hostile line cannot flood the report."""
MAX_SHOWN_KEY_CHARS = 40
"""An object key quoted in a problem's path (an unknown price format, a key given twice) is cut to this."""

_SKIP_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line over the byte limit: only its size was kept."""

    size: int

    @property
    def message(self) -> str:
        """The problem, as a feed reports it."""
        return f"too long: {self.size} bytes (a line may take at most {MAX_LINE_BYTES})"


def read_lines(handle: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | LongLine]:
    """Each line of a binary file (its newline included), or a LongLine where it exceeds `limit` bytes."""
    while chunk := handle.readline(limit + 1):
        if len(chunk) <= limit:
            yield chunk
            continue
        size = len(chunk)
        while not chunk.endswith(b"\n") and (chunk := handle.readline(_SKIP_CHUNK)):
            size += len(chunk)
        yield LongLine(size)


def long_text_line(text: str, limit: int = MAX_LINE_BYTES) -> LongLine | None:
    """A LongLine when a line's UTF-8 form exceeds `limit` bytes, else None (short lines are not encoded)."""
    if len(text) * 4 <= limit:  # UTF-8 takes at most 4 bytes a character
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    return LongLine(size) if size > limit else None


def shown_key(key: str) -> str:
    """An object key as a problem's path quotes it: cut to MAX_SHOWN_KEY_CHARS."""
    return key if len(key) <= MAX_SHOWN_KEY_CHARS else key[:MAX_SHOWN_KEY_CHARS] + "…"
