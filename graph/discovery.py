"""Ranked full-text search over the catalog: names, short prefixes and windows of hits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from graph import search_names
from graph.catalog import ALBUM_MAP, TRACK_MAP, Row
from graph.driver import Cypher, Graph

SEARCH_TYPES = ("ARTIST", "ALBUM", "TRACK")
MAX_WORDS = 10
SEARCH_DEPTH = 300
"""Search lists the best this many hits of each type (900 in all; Algolia pages through 1,000)."""
FUZZY_MIN_LENGTH = 4
TWO_TYPOS_FROM = 8
"""Words of 4 letters may have one typo, of 8 two, as Algolia's defaults: 2 typos in 6 letters match too much."""
LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
WORD = re.compile(r"\w+")

# One branch per searchable type; `kind` orders equal scores (artists, then albums, then tracks),
# then the element id, which needs no property read.
# An artist named like the query is what people look for most, so artist scores weigh more.
_BRANCHES = {
    "ARTIST": """
      CALL db.index.fulltext.queryNodes('search_artist_names', $lucene, {limit: $depth}) YIELD node, score
      RETURN 0 AS kind, node, score * 1.5 AS score""",
    "ALBUM": """
      CALL db.index.fulltext.queryNodes('search_album_titles', $titles, {limit: $depth}) YIELD node, score
      RETURN 1 AS kind, node, score * 1.2 AS score""",
    "TRACK": """
      CALL db.index.fulltext.queryNodes('search_track_titles', $titles, {limit: $depth}) YIELD node, score
      RETURN 2 AS kind, node, score""",
}
# Rows of a page in the same shapes the catalog loaders return, so nested fields reuse them.
_PROJECT = f"""
    CALL (n, kind) {{
      WITH n WHERE kind = 0
      RETURN n{{.*}} AS row
      UNION ALL
      WITH n WHERE kind = 1
      WITH n AS a
      RETURN {ALBUM_MAP} AS row
      UNION ALL
      WITH n WHERE kind = 2
      MATCH (n)-[:ON_ALBUM]->(a:Album)
      WITH n AS t, a
      RETURN {TRACK_MAP} AS row
    }}
"""


_PAGE = f"""
    CALL (page) {{
      UNWIND range(0, size(page) - 1) AS i
      WITH i, page[i].kind AS kind, page[i].node AS n, page[i].score AS score
      {_PROJECT}
      WITH i, kind, row, score ORDER BY i
      RETURN collect({{kind: kind, row: row, score: score}}) AS rows
    }}
"""


def _union(types: tuple[str, ...]) -> str:
    return "\n      UNION ALL".join(_BRANCHES[t] for t in types)


# Each index gives its best $depth hits, and only those are ranked: a typed prefix scores
# hundreds of thousands of titles alike at 10M tracks, and ordering every one of them by element
# id cost up to 170 ms. Neo4j keeps an index's best n in a heap of n by score alone, so which
# of equal hits make the cut depends on n: the same $depth for every page keeps the ranking one.
def _search_query(types: tuple[str, ...]) -> Cypher:
    text = f"""
    CALL () {{{_union(types)}
    }}
    WITH kind, node, score ORDER BY score DESC, kind, elementId(node)
    WITH collect({{kind: kind, node: node, score: score}}) AS hits
    WITH size(hits) AS total, hits
    WITH total, hits, coalesce($offset, CASE WHEN total > $limit THEN total - $limit ELSE 0 END) AS start
    WITH total, start, hits[start..start + $limit] AS page
    {_PAGE}
    RETURN total, start, rows
    """
    return Cypher("search", text)


def _subsets() -> list[tuple[str, ...]]:
    return [subset for n in range(1, len(SEARCH_TYPES) + 1) for subset in combinations(SEARCH_TYPES, n)]


SEARCH_QUERIES = {subset: _search_query(subset) for subset in _subsets()}
"""A page of the ranking by types: the best $depth hits of each chosen index, ranked and counted."""

# A query of one or two letters: the names and titles whose joined form starts with it, most
# popular first, each type read in that order from its (prefix, popularity, key) index (the
# ORDER BY names the prefix, constant here, or the planner sorts instead of reading in order).
_SHORT_MATCH = "MATCH (n:{label}) WHERE n.{field} = $q AND n.popularity IS NOT NULL AND n.key IS NOT NULL"
_SHORT_LABELS = {"ARTIST": "Artist", "ALBUM": "Album", "TRACK": "Track"}


def _short_counts(types: tuple[str, ...], field: str) -> str:
    return " + ".join(
        f"COUNT {{ {_SHORT_MATCH.format(label=_SHORT_LABELS[t], field=field)} RETURN n LIMIT $depth }}" for t in types
    )


def _short_query(types: tuple[str, ...], field: str, counted: bool) -> Cypher:
    branches = "\n      UNION ALL".join(
        f"""
      {_SHORT_MATCH.format(label=_SHORT_LABELS[t], field=field)}
      WITH n ORDER BY n.{field} DESC, n.popularity DESC, n.key DESC LIMIT $reach
      RETURN {SEARCH_TYPES.index(t)} AS kind, n AS node, toFloat(n.popularity) AS score"""
        for t in types
    )
    text = f"""
    CALL () {{{branches}
    }}
    WITH kind, node, score ORDER BY score DESC, kind, node.key DESC LIMIT $window
    WITH collect({{kind: kind, node: node, score: score}}) AS hits
    WITH size(hits) > $offset + $limit AS more, hits[$offset..$offset + $limit] AS page
    {_PAGE}
    RETURN more, rows, {_short_counts(types, field) if counted else "null"} AS total
    """
    return Cypher("search_short", text)


SHORT_FIELDS = {1: search_names.INITIAL, 2: search_names.START}
SHORT_QUERIES = {
    (s, n, counted): _short_query(s, f, counted)
    for s in _subsets() for n, f in SHORT_FIELDS.items() for counted in (False, True)
}
"""A short query's page, by types, length and whether it is counted: its hits by popularity up to the page's end."""
SHORT_COUNTS = {
    (s, n): Cypher("search_short_count", f"RETURN {_short_counts(s, f)} AS total")
    for s in _subsets() for n, f in SHORT_FIELDS.items()
}
"""How many names a short query starts, at most $depth of each type: to find the last page before reading it."""


def fold(text: str) -> str:
    """Lower case without diacritics, as the `standard-folding` analyzer indexes text."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """The plain words of what a user typed: punctuation and Lucene syntax are dropped."""
    return [w for w in WORD.findall(fold(text)) if w.strip("_")][:MAX_WORDS]


def _escape(word: str) -> str:
    return LUCENE_SPECIAL.sub(r"\\\1", word)


def _word_clause(word: str, titles: bool) -> str:
    term = _escape(word)
    clauses = [f"{term}^4", f"{term}*^2"]
    if len(word) >= FUZZY_MIN_LENGTH:
        edits = 1 if len(word) < TWO_TYPOS_FROM else 2
        clauses.append(f"{term}~{edits}")
    if titles:
        return f"(title:({' OR '.join(clauses)}) OR {search_names.JOINED}:{term}^4)"
    return "(" + " OR ".join(clauses) + ")"


def lucene_query(text: str, titles: bool = False) -> str | None:
    """A safe Lucene query for user text: per word exact, prefix and fuzzy, boosted; None if empty.

    Several words are also looked up joined, as names are indexed joined too: "guns n roses"
    finds Guns N' Roses by `gunsnroses`, and so does "gunsnroses". For `titles` (albums and tracks,
    ten times the artists and more) a word's prefix and typos are matched in the title alone: the
    joined forms of 10M titles are as many terms, and matching three letters as their start took
    more than half of a track search's index time.
    """
    found = words(text)
    if not found:
        return None
    parts = [_word_clause(w, titles) for w in found]
    if len(found) > 1:
        parts.append('"' + " ".join(_escape(w) for w in found) + '"^6')
        if whole := search_names.joined(text):
            parts.append(f"({_escape(whole)}^8 OR {_escape(whole)}*^3)")
    return " OR ".join(parts)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: its type, its catalog row and its relevance."""

    type: str
    row: Row
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of ranked hits, whether more follow, how many there are in all (when counted), where it starts."""

    hits: list[Hit]
    more: bool
    total: int | None = None
    offset: int = 0


async def search(
    graph: Graph, text: str, types: Collection[str], offset: int | None, limit: int, *, count: bool = False,
    depth: int = SEARCH_DEPTH,
) -> SearchPage:
    """Hits offset..offset+limit of the ranked union of matching artists, albums and tracks (counted if asked).

    The ranking holds the best `depth` hits of each type; with no offset, the page is its last `limit`.
    """
    lucene = lucene_query(text)
    chosen = tuple(t for t in SEARCH_TYPES if t in types)
    if lucene is None or not chosen:
        return SearchPage([], more=False, total=0 if count or offset is None else None)
    if len(short := search_names.joined(text)) <= search_names.SHORT_QUERY:
        return await _short_search(graph, short, chosen, offset, limit, count, depth)
    params: dict[str, Any] = {
        "lucene": lucene, "titles": lucene_query(text, titles=True), "offset": offset, "limit": limit, "depth": depth,
    }
    result = (await graph.read(SEARCH_QUERIES[chosen], params))[0]
    total, start = int(result["total"]), int(result["start"])
    more = start + len(result["rows"]) < total
    return SearchPage(_hits(result["rows"]), more=more, total=total if count or offset is None else None, offset=start)


async def _short_search(
    graph: Graph, q: str, chosen: tuple[str, ...], offset: int | None, limit: int, count: bool, depth: int
) -> SearchPage:
    """A page of the names a one- or two-letter query starts, most popular first (score: units sold)."""
    if offset is None:  # the last page: where it starts needs the count first
        total = int((await graph.read(SHORT_COUNTS[(chosen, len(q))], {"q": q, "depth": depth}))[0]["total"])
        offset = max(0, total - limit)
    window = offset + limit + 1
    params = {"q": q, "offset": offset, "limit": limit, "window": window, "reach": min(window, depth), "depth": depth}
    result = (await graph.read(SHORT_QUERIES[(chosen, len(q), count)], params))[0]
    found = None if result["total"] is None else int(result["total"])
    return SearchPage(_hits(result["rows"]), more=bool(result["more"]), total=found, offset=offset)


def _hits(rows: list[dict[str, Any]]) -> list[Hit]:
    return [Hit(SEARCH_TYPES[r["kind"]], r["row"], float(r["score"])) for r in rows]


