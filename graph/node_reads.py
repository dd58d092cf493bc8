"""One read per request for compiled documents: a node by key, with the lists its page shows, in one query.

The text is assembled from constant fragments chosen by the document's shape (which lists a page asks
for, which cursors are set), never from a client's values; the lists are the catalog's own page and
count queries (graph/catalog.py), each in a subquery with its parameters under its own name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import neo4j

from graph.catalog import Row
from graph.driver import Cypher, Graph
from graph.pages import ALBUM, TRACK, Page, PageRequest, count_query, page_query, scope_of, set_keys

LEFT_OUT = ("updatedAt", "fieldDigests", "contentHash", "searchJoined", "searchInitial", "searchStart")
"""Properties no compiled field reads: instants (costly to decode) and bookkeeping."""
OFFERED = ("offerFormats", "offerPrices", "offerSizes")
SALE_READS: Mapping[str, tuple[str, ...]] = {
    "Album": ("territories", "rightsStart", "rightsEnd", "currency", "priceLists", "priceFallback", *OFFERED),
    "Track": OFFERED,
}
"""What offers and rights read of each label's rows (graph/rights.py, graph/prices.py, api/types/offer.py)."""
SALE = (*SALE_READS["Album"], "royaltyRate")
"""Properties only offers and rights read: left out where a page shows none."""
LABELS = frozenset({"Album", "Artist", "Genre"})
ROW_MAPS = {"albums": ALBUM.row_map, "tracks": TRACK.row_map}
"""The catalog's row maps in its page queries, replaced by lean ones here."""


Projections = tuple[tuple[str, tuple[str, ...] | None], ...]
"""Per node label, the properties its rows carry (None: every one a compiled field may read)."""
PROPERTY = re.compile(r"[A-Za-z][A-Za-z0-9]*")
ENTITY_LABELS = {"albums": "Album", "tracks": "Track"}


def lean(var: str, sale: bool, properties: tuple[str, ...] | None = None) -> str:
    """A map projection of `var`: these properties, or every one but those no compiled field reads."""
    if properties is not None:
        assert all(PROPERTY.fullmatch(p) for p in properties), properties
        return f"{var}{{{', '.join(f'.{p}' for p in properties)}}}"
    return f"{var}{{.*, {', '.join(f'{name}: null' for name in (LEFT_OUT if sale else LEFT_OUT + SALE))}}}"


def _children(sale: bool, projected: Mapping[str, tuple[str, ...] | None]) -> dict[str, str]:
    """An album's own lists, read beside it as the album page query reads them."""
    artist = lean("m", sale, projected["Artist"]) if projected.get("Artist") else "m{.*}"
    return {
        "artists": f"COLLECT {{ MATCH (n)-[b:BY]->(m:Artist) WITH m, b ORDER BY b.position RETURN {artist} }}",
        "tracks": "COLLECT { MATCH (t:Track)-[:ON_ALBUM]->(n) WITH n, t ORDER BY t.discNumber, t.trackNumber, "
        f"t.key RETURN {lean('t', sale, projected.get('Track'))} }}",
    }


@dataclass(frozen=True, slots=True)
class ListRead:
    """A page or a count of a catalog list, read in the node's query under `name`."""

    name: str
    request: PageRequest
    count: bool = False

    def shape(self) -> tuple[str, Any]:
        """What decides the subquery's text: the page's shape, or the count's filter shape."""
        r = self.request
        if self.count:
            return ("count", (r.entity, scope_of(r.entity, r.filter), set_keys(r.entity, r.filter)))
        return ("page", r.group())

    def params(self) -> dict[str, Any]:
        """The subquery's parameters: its filter, cursors and limit."""
        if self.count:
            return {"f": self.request.filter_params()}
        return {"f": self.request.filter_params(), **self.request.cursor_params(), "limit": self.request.limit}


def _renamed(text: str, name: str, returned: str) -> str:
    """A list query's text with its parameters under `$name` and its result named `name`."""
    for param in ("f", "after", "before"):
        text = text.replace(f"${param}.", f"${name}.{param}.")
    text = text.replace("$limit", f"${name}.limit").rstrip()
    assert text.endswith(f"AS {returned}"), text
    return text[: -len(returned)] + name


def _subquery(name: str, shape: tuple[str, Any], sale: bool, projected: Mapping[str, tuple[str, ...] | None]) -> str:
    kind, what = shape
    if kind == "count":
        entity, scope, keys = what
        return _renamed(count_query(entity, scope, keys, False).text, name, "total")
    entity, scope, keys, sort, desc, (after, before, backward), _ = what
    text = page_query(entity, scope, keys, sort, desc, after, False, before, backward).text
    row_map = f"{{row: {ROW_MAPS[entity]},"
    assert text.count(row_map) == 1, text
    row = lean(ROW_MAPS[entity][0], sale, projected.get(ENTITY_LABELS[entity]))
    text = text.replace(row_map, f"{{row: {row},")
    return _renamed(text, name, "page")


@lru_cache(maxsize=512)
def node_query(
    label: str,
    children: tuple[str, ...],
    lists: tuple[tuple[str, tuple[str, Any]], ...],
    sale: bool,
    projections: Projections = (),
) -> Cypher:
    """The read of one node by key with an album's `children` and the `lists` (name, shape) a page asks for.

    Without `sale`, the rows leave out what only offers and rights read; a label with `projections`
    has its rows carry only the properties named there.
    """
    projected = dict(projections)
    reads = _children(sale, projected)
    assert label in LABELS
    assert all(c in reads for c in children)
    calls = "".join(f"\nCALL () {{ {_subquery(name, shape, sale, projected)} }}" for name, shape in lists)
    returned = "".join(f", {reads[c]} AS {c}" for c in children) + "".join(f", {name}" for name, _ in lists)
    text = f"MATCH (n:{label} {{key: $key}}){calls}\nRETURN {lean('n', sale, projected.get(label))} AS row{returned}"
    return Cypher(f"{label.lower()}_node", cast(Any, text))


TEMPORAL = (neo4j.time.Date, neo4j.time.DateTime)


def _row(row: Row) -> Row:
    """A node's map with its dates as Python's own: its properties hold temporal values only at the top."""
    return {k: v.to_native() if isinstance(v, TEMPORAL) else v for k, v in row.items()}


def _as_read(value: Any) -> Any:
    """A returned column as the plan reads it: a row, a list of rows, a page of {row, v}, or a count."""
    if isinstance(value, dict):
        return _row(value)
    if isinstance(value, list):
        return [_row(v) if "row" not in v else {"row": _row(v["row"]), "v": _value(v["v"])} for v in value]
    return value


def _value(value: Any) -> Any:
    return value.to_native() if isinstance(value, TEMPORAL) else value


@dataclass(frozen=True, slots=True)
class NodeRead:
    """What one node read brought: the node's row, an album's children, and each list by name."""

    row: Row
    children: Mapping[str, list[Row]]
    lists: Mapping[str, Page | int]


async def read_node(
    graph: Graph,
    label: str,
    key: str,
    children: Sequence[str],
    lists: Sequence[ListRead],
    sale: bool = True,
    projections: Projections = (),
) -> NodeRead | None:
    """The node of `label` with this key and what its page asks for, in one query; None where there is none."""
    query = node_query(label, tuple(children), tuple((r.name, r.shape()) for r in lists), sale, projections)
    params: dict[str, Any] = {"key": key, **{r.name: r.params() for r in lists}}
    records = await graph.read(query, params, _as_read)
    if not records:
        return None
    record = records[0]
    found: dict[str, Page | int] = {}
    for r in lists:
        value = record[r.name]
        found[r.name] = int(value) if r.count else Page([p["row"] for p in value], [p["v"] for p in value])
    return NodeRead(record["row"], {c: record[c] for c in children}, found)
