"""Search names: a name or title with its punctuation and spaces gone, as search matches it.

"AC/DC" is kept as `acdc` and "Guns N' Roses" as `gunsnroses` (`&` reads "and"), so `acdc` and
`guns n roses` find them: the full-text indexes hold this joined form beside the name, and a
query's words are joined the same way. Its first one and two letters, indexed with popularity,
list the names a one- or two-letter query starts, most popular first.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from graph import migrations
from graph.driver import Cypher, Graph

JOINED, INITIAL, START = "searchJoined", "searchInitial", "searchStart"
SHORT_QUERY = 2
"""Queries of at most this many letters (joined) rank by popularity: their words are prefixes of too much."""
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
BACKFILL_BATCH = 10_000
MIGRATION = "search-names-1"

SEARCH_SET = ", ".join(f"{{n}}.{p} = {{r}}.{p}" for p in (JOINED, INITIAL, START))
"""A SET list writing the search fields of node {n} from row {r} (as `fields` made them)."""


def joined(text: str) -> str:
    """Lower case, diacritics folded, `&` as "and", everything but letters and digits dropped."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_ALPHANUMERIC.sub("", folded)


def fields(text: str | None) -> dict[str, str]:
    """The search fields of a name or title, by property."""
    whole = joined(text or "")
    return {JOINED: whole, INITIAL: whole[:1], START: whole[:SHORT_QUERY]}


def set_clause(node: str, row: str) -> str:
    """`node.searchJoined = row.searchJoined, ...`: the search fields a write sets from its row."""
    return SEARCH_SET.format(n=node, r=row)


# Nodes written before search fields existed get them once; a marker node says it is done.
_LABELS = {"Artist": "name", "Album": "title", "Track": "title"}
_MISSING = {
    label: Cypher(
        "search_names_missing",
        f"MATCH (n:{label}) WHERE n.{JOINED} IS NULL RETURN n.key AS key, n.{prop} AS text LIMIT $limit",
    )
    for label, prop in _LABELS.items()
}
_WRITE = {
    label: Cypher(
        "search_names_write",
        f"UNWIND $rows AS r MATCH (n:{label} {{key: r.key}}) SET {set_clause('n', 'r')}",
    )
    for label in _LABELS
}


async def backfill(graph: Graph, marker: str = MIGRATION) -> int:
    """Give every artist, album and track written before search names theirs (once); how many were written."""
    if await migrations.done(graph, marker):
        return 0
    written = 0
    for label in _LABELS:
        while rows := await graph.read(_MISSING[label], {"limit": BACKFILL_BATCH}):
            batch: list[dict[str, Any]] = [{"key": r["key"], **fields(r["text"])} for r in rows]
            await graph.write(_WRITE[label], {"rows": batch})
            written += len(batch)
    await migrations.mark(graph, marker)
    return written
