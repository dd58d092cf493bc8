"""Keyset-paged catalog lists: page and count queries built from the shape of a filter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from graph.catalog import ALBUM_MAP, TRACK_MAP, Row
from graph.driver import Cypher, Graph

# A page query's text is assembled from constant fragments chosen by WHICH filter keys are set
# (never by their values), so its WHERE holds only real conditions and the planner can seek an
# index and read it in order: ORDER BY the indexed property itself, LIMIT stopping early. A
# lone request (every top-level list) is one plain query over `$f`/`$after`; many requests of
# one shape (a connection nested in a list: every artist's albums) are one query over
# `UNWIND $requests` whose subquery starts from each parent node. Sort keys are fixed fragments
# chosen by enum, never text from a client.

LICENSED = (
    "('*' IN {a}.territories OR $f.territory IN {a}.territories)"
    " AND ({a}.rightsStart IS NULL OR {a}.rightsStart <= date())"
    " AND ({a}.rightsEnd IS NULL OR date() < {a}.rightsEnd)"
)
ARTIST_FILTERS = {
    "name": "n.name = $f.name",
    "nameContains": "toLower(n.name) CONTAINS toLower($f.nameContains)",
}
ALBUM_FILTERS = {
    "title": "a.title = $f.title",
    "titleContains": "toLower(a.title) CONTAINS toLower($f.titleContains)",
    "artist": "EXISTS { (a)-[:BY]->(:Artist {key: $f.artist}) }",
    "genre": "EXISTS { (a)-[:IN_GENRE]->(:Genre {key: $f.genre}) }",
    "label": "EXISTS { (a)-[:RELEASED_BY]->(:Label {key: $f.label}) }",
    "upc": "a.upc = $f.upc",
    "releasedAfter": "a.releaseDate > $f.releasedAfter",
    "releasedBefore": "a.releaseDate < $f.releasedBefore",
    "releasedSince": "a.releaseDate >= $f.releasedSince",
    "releasedUntil": "a.releaseDate <= $f.releasedUntil",
    "territory": LICENSED.format(a="a"),
}
TRACK_FILTERS = {
    "title": "t.title = $f.title",
    "titleContains": "toLower(t.title) CONTAINS toLower($f.titleContains)",
    "artist": "EXISTS { (t)-[:BY]->(:Artist {key: $f.artist}) }",
    "album": "EXISTS { (t)-[:ON_ALBUM]->(:Album {key: $f.album}) }",
    "genre": "EXISTS { (t)-[:IN_GENRE]->(:Genre {key: $f.genre}) }",
    "isrc": "t.isrc = $f.isrc",
    "minDurationMs": "t.durationMs >= $f.minDurationMs",
    "maxDurationMs": "t.durationMs <= $f.maxDurationMs",
    "territory": f"EXISTS {{ (t)-[:ON_ALBUM]->(x:Album) WHERE {LICENSED.format(a='x')} }}",
}


@dataclass(frozen=True, slots=True)
class Entity:
    """How one kind of node is listed: its match per scope, filters, row map and sort keys."""

    name: str
    var: str
    label: str
    # Filters that can be the starting point: a parent node (label = the key titled), and the
    # relationship from it to the listed node.
    scopes: Mapping[str, str]
    filters: Mapping[str, str]
    row_map: str
    sorts: Mapping[str, str]
    # Binds what row_map needs beyond the node, after the LIMIT (a projection keeps the order).
    finish: str = ""
    # Per scope whose relationship links other kinds too: how many of this kind the parent `p`
    # holds, from relationship degrees.
    kinds: Mapping[str, str] = field(default_factory=dict)


def tracks_of(parent: str, shared: str, own: str) -> str:
    """Cypher for how many tracks `parent` holds: the degree of the type albums share with tracks less albums' own."""
    return f"COUNT {{ ({parent})<-[:{shared}]-() }} - COUNT {{ ({parent})<-[:{own}]-() }}"


ARTIST = Entity(
    "artists",
    "n",
    "Artist",
    {},
    ARTIST_FILTERS,
    "n{.*}",
    {"NAME": "n.name", "POPULARITY": "n.popularity"},
)
ALBUM = Entity(
    "albums",
    "a",
    "Album",
    {"artist": "<-[:ALBUM_BY]-", "genre": "<-[:ALBUM_IN_GENRE]-", "label": "<-[:RELEASED_BY]-"},
    ALBUM_FILTERS,
    ALBUM_MAP,
    # Albums without a release date sort as 0001-01-01 (upsert keeps releaseDateSort so).
    {"TITLE": "a.title", "RELEASE_DATE": "a.releaseDateSort", "POPULARITY": "a.popularity"},
)
TRACK = Entity(
    "tracks",
    "t",
    "Track",
    {"album": "<-[:ON_ALBUM]-", "artist": "<-[:BY]-", "genre": "<-[:IN_GENRE]-"},
    TRACK_FILTERS,
    TRACK_MAP,
    {"TITLE": "t.title", "DURATION": "t.durationMs", "POPULARITY": "t.popularity"},
    "WITH t, [(t)-[:ON_ALBUM]->(x:Album) | x][0] AS a",
    # An artist's BY and a genre's IN_GENRE hold its albums' links too, which ALBUM_BY and
    # ALBUM_IN_GENRE hold alone (graph.album_links).
    kinds={"artist": tracks_of("p", "BY", "ALBUM_BY"), "genre": tracks_of("p", "IN_GENRE", "ALBUM_IN_GENRE")},
)
ENTITIES = {e.name: e for e in (ARTIST, ALBUM, TRACK)}


def set_keys(entity: str, f: Mapping[str, Any]) -> frozenset[str]:
    """The filter keys that take part in the query: known to the entity and not null."""
    return frozenset(k for k, v in f.items() if v is not None and k in ENTITIES[entity].filters)


def scope_of(entity: str, f: Mapping[str, Any]) -> str:
    """The narrowest starting point the filter allows (a parent node beats a label scan)."""
    for scope in ENTITIES[entity].scopes:
        if f.get(scope) is not None:
            return scope
    return "all"


def _conditions(e: Entity, scope: str, keys: frozenset[str]) -> list[str]:
    return [e.filters[k] for k in sorted(keys) if k != scope]


def _match(e: Entity, scope: str, batched: bool) -> str:
    v = e.var
    if scope == "all":
        return f"MATCH ({v}:{e.label})"
    parent, rel = f"(p:{scope.title()} {{key: $f.{scope}}})", e.scopes[scope]
    if not batched:
        return f"MATCH {parent}{rel}({v}:{e.label})"
    # One plan serves every parent of a batch, small or huge, so it expands from each parent:
    # the planner would scan the sort index, good for one huge parent, a full scan for a small one.
    return f"MATCH {parent} UNWIND [(p){rel}(x:{e.label}) | x] AS {v} WITH {v}"


def _batched(name: str, body: str, out: str) -> Cypher:
    """The same body for each map of `$requests` (its f and cursors in place of `$f`, `$after`, `$before`)."""
    body = body.replace("$f.", "req.f.").replace("$after.", "req.after.").replace("$before.", "req.before.")
    text = f"UNWIND $requests AS req CALL (req) {{ {body} }} RETURN req.id AS id, {out}"
    return Cypher(name, text)


# The lowest value of each sort key's type: a range seek from it reads the whole index in order.
FLOORS = {
    "NAME": "''",
    "TITLE": "''",
    "RELEASE_DATE": "date('-999999999-01-01')",
    "POPULARITY": "-9223372036854775808",
    "DURATION": "-9223372036854775808",
}
# A lone page under one parent either expands the parent (cost: its degree) or walks the sort
# index checking each node for the parent (cost: about limit x population / its count of the kind).
# Expand while degree x count <= WALK_FACTOR x limit x population. The factor is what checking an
# index entry costs beside expanding a relationship: calibrated on the 1M-track store's 32 genre
# album pages once genres' album links were their own (ALBUM_IN_GENRE): 25 read 388k db hits in
# all, 10 335k, 6 318k, 3 342k, 1 574k.
WALK_FACTOR = 6
Cursors = tuple[bool, bool, bool]
"""Whether a page is bounded by an `after` cursor, by a `before` cursor, and read backward from the end."""


def _seek(
    e: Entity, sort: str, desc: bool, after: bool, gate: str | None, before: bool = False, backward: bool = False
) -> list[str]:
    """The sort key's range between the cursors, or all of it; gated, it is empty unless `gate` holds.

    A forward walk starts at `after`, a backward one at `before`: the gate goes on that bound.
    """
    value, v = e.sorts[sort], e.var
    # A range seek from each cursor, then the ties at or beyond it dropped: `>= v` keeps the
    # index seek and its order, where `> v OR (= v AND key > k)` would not.
    lower, upper = ("<=", ">=") if desc else (">=", "<=")
    start = "before" if backward else "after"
    out: list[str] = []
    for name, present, op, ties in (("after", after, lower, "<="), ("before", before, upper, ">=")):
        if not present:
            continue
        bound = f"${name}.v" if gate is None or name != start else f"CASE WHEN {gate} THEN ${name}.v END"
        out += [f"{value} {op} {bound}", f"NOT ({value} = ${name}.v AND {v}.key {ties} ${name}.k)"]
    if (before if backward else after) or (gate is None and out):
        return out
    if gate is None:
        return [f"{value} IS NOT NULL"]
    # A null bound makes the seek read nothing, so the branch not chosen costs nothing.
    return [f"{value} >= CASE WHEN {gate} THEN {FLOORS[sort]} END", *out]


def _order(e: Entity, sort: str, desc: bool, backward: bool = False) -> str:
    """The list's order, or (walking backward from its end) the exact reverse of it."""
    value = "DESC" if desc != backward else "ASC"
    return f"{e.sorts[sort]} {value}, {e.var}.key {'DESC' if backward else 'ASC'}"


def walk_choice(parent: str, rel: str, label: str, kind: str | None = None) -> str:
    """Cypher binding `walk`: whether walking `label`'s sort index beats expanding `parent`'s `rel`.

    Expanding reads every `rel` of the parent; walking reads about limit x population / (the listed
    kind's count) index entries. `kind` says that count: None where `rel` links only `label` (its
    degree), else a Cypher expression of degrees (an artist's tracks: BY less ALBUM_BY). Also bound:
    `degree` (of `rel`) and `known`, that count; all O(1) whatever the parent's size.
    """
    bound = f"$limit * population * {WALK_FACTOR}"
    return f"""
      CALL () {{ MATCH (x:{label}) RETURN count(x) AS population }}
      WITH {parent}, population, COUNT {{ ({parent}){rel}() }} AS degree
      WITH {parent}, population, degree, {kind or "degree"} AS known
      WITH {parent}, degree, known, degree * known > {bound} AS walk"""


def _one_parent(e: Entity, scope: str, keys: frozenset[str], sort: str, desc: bool, cursors: Cursors) -> str:
    """Rows of one page under one parent, by whichever of expand and index walk is cheaper for it.

    The planner picks one plan whatever the parent's size (by the average degree: an index walk
    for genres, which reads most of the index for a small one), so both are in the query and the
    parent's degree, O(1) for a dense node, chooses at run time. A first page by popularity that
    would expand a big parent first tries a bounded walk (`_tried`).
    """
    after, before, backward = cursors
    v, rel, order = e.var, e.scopes[scope], _order(e, sort, desc, backward)
    prop = e.sorts[sort].split(".", 1)[1]
    conditions = _conditions(e, scope, keys)
    expand = " AND ".join(_seek(e, sort, desc, after, None, before, backward) + conditions)
    walk = " AND ".join(_seek(e, sort, desc, after, "walk", before, backward) + conditions)
    tries = sort == "POPULARITY" and desc and not any(cursors)
    tried = _tried(e, rel, conditions, order) if tries else "WITH p, walk, known, [] AS tried"
    return f"""
      MATCH (p:{scope.title()} {{key: $f.{scope}}})
      {walk_choice("p", rel, e.label, e.kinds.get(scope))}
      {tried}
      CALL (p, walk, known, tried) {{
        WITH p WHERE NOT walk AND size(tried) < $limit AND known > 0
        UNWIND [(p){rel}(x:{e.label}) | x] AS {v}
        WITH {v} WHERE {expand}
        RETURN {v} ORDER BY {order} LIMIT $limit
        UNION ALL
        MATCH (p){rel}({v}:{e.label}) USING INDEX {v}:{e.label}({prop})
        WHERE {walk}
        RETURN {v} ORDER BY {order} LIMIT $limit
        UNION ALL
        UNWIND tried AS {v}
        RETURN {v}
      }}
      WITH {v} ORDER BY {order}
    """


# Popularity gathers a parent's nodes at the top of the index more often than an even spread
# would (a best-selling artist's tracks are among the best sellers): a first page by popularity
# that would expand a parent of more than $limit x TRY_SCAN relationships first reads that many
# index entries, most popular first. The nodes of the parent among them that are more popular than
# the last one read are exact (no node not read can rank above them); a full page of them is the
# answer, anything less falls back to expanding. The read is bounded: no more index entries than
# the parent has relationships (at ten million tracks: 12k db hits where expanding an artist of
# 20,240 tracks cost 102k; an artist whose tracks sell little pays both, 32k for 3,954 tracks).
TRY_SCAN = 200


def _tried(e: Entity, rel: str, conditions: list[str], order: str) -> str:
    """Cypher binding `tried`: the page from a bounded walk of the popularity index, or fewer rows."""
    v, value, scan = e.var, e.sorts["POPULARITY"], f"$limit * {TRY_SCAN}"
    keep = " AND ".join([f"(whole OR {value} > floor)", f"EXISTS {{ (p){rel}({v}) }}", *conditions])
    return f"""
      CALL (p, walk, degree, known) {{
        WITH p WHERE NOT walk AND degree > {scan} AND known > 0
        CALL () {{
          MATCH ({v}:{e.label}) WHERE {value} >= {FLOORS["POPULARITY"]}
          WITH {v} ORDER BY {value} DESC LIMIT {scan}
          RETURN collect({v}) AS scanned
        }}
        WITH p, scanned, size(scanned) < {scan} AS whole, scanned[-1].{value.split(".", 1)[1]} AS floor
        UNWIND scanned AS {v}
        WITH {v} WHERE {keep}
        WITH {v} ORDER BY {order} LIMIT $limit
        RETURN collect({v}) AS tried
      }}"""


@lru_cache(maxsize=1024)
def page_query(
    entity: str, scope: str, keys: frozenset[str], sort: str, desc: bool, after: bool, batched: bool,
    before: bool = False, backward: bool = False,
) -> Cypher:
    """The page query of one shape: which filters and cursors are set, the order, the walk's direction.

    Backward, the rows come last first: the list's order reversed, read from its end.
    """
    e = ENTITIES[entity]
    if scope != "all" and not batched:
        rows = _one_parent(e, scope, keys, sort, desc, (after, before, backward))
    else:
        where = _seek(e, sort, desc, after, None, before, backward) + _conditions(e, scope, keys)
        rows = f"""
          {_match(e, scope, batched)}
          WHERE {" AND ".join(where)}
          WITH {e.var} ORDER BY {_order(e, sort, desc, backward)} LIMIT $limit
        """
    body = f"""{rows}
      {e.finish}
      RETURN collect({{row: {e.row_map}, v: {e.sorts[sort]}}}) AS page
    """
    return _batched(f"{entity}_page", body, "page") if batched else Cypher(f"{entity}_page", body)


@lru_cache(maxsize=256)
def count_query(entity: str, scope: str, keys: frozenset[str], batched: bool) -> Cypher:
    """totalCount of one filter shape; unfiltered it is the label's count-store figure."""
    e = ENTITIES[entity]
    conditions = _conditions(e, scope, keys)
    known = _known_count(e, scope) if scope != "all" and not conditions else None
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    body = (f"MATCH (p:{scope.title()} {{key: $f.{scope}}}) WITH {known} AS n RETURN sum(n) AS total" if known
            else f"{_match(e, scope, batched)} {where} RETURN count({e.var}) AS total")
    return _batched(f"{entity}_count", body, "total") if batched else Cypher(f"{entity}_count", body)


def _known_count(e: Entity, scope: str) -> str:
    """How many of `e` a parent `p` holds, from relationship degrees (O(1))."""
    return e.kinds.get(scope) or f"COUNT {{ (p){e.scopes[scope]}() }}"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page of one list: filter, order, the cursors around it, its size and its end.

    Backward (`last`), the page is the `limit` rows nearest `before` (or the list's end), read
    last first: the caller reverses them.
    """

    entity: str
    filter: Mapping[str, Any]
    sort: str
    descending: bool
    after: tuple[Any, str] | None
    limit: int
    before: tuple[Any, str] | None = None
    backward: bool = False

    def group(self) -> PageShape:
        """Requests of one group share a query text and a LIMIT (Cypher wants it constant)."""
        keys = set_keys(self.entity, self.filter)
        scope = scope_of(self.entity, self.filter)
        cursors = (self.after is not None, self.before is not None, self.backward)
        return (self.entity, scope, keys, self.sort, self.descending, cursors, self.limit)

    def filter_params(self) -> dict[str, Any]:
        """The set filters, by key."""
        return {k: self.filter[k] for k in set_keys(self.entity, self.filter)}

    def after_params(self) -> dict[str, Any] | None:
        """The `after` cursor as {v, k}."""
        return {"v": self.after[0], "k": self.after[1]} if self.after else None

    def cursor_params(self) -> dict[str, Any]:
        """Both cursors as {v, k} (or null), by name."""
        before = {"v": self.before[0], "k": self.before[1]} if self.before else None
        return {"after": self.after_params(), "before": before}

    def params(self, ident: int) -> dict[str, Any]:
        """This request as a map of the UNWIND list."""
        return {"id": ident, "f": self.filter_params(), **self.cursor_params()}


PageShape = tuple[str, str, frozenset[str], str, bool, Cursors, int]


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of one page with each row's sort value (for cursors)."""

    rows: list[Row]
    values: list[Any]


def _page(record: Mapping[str, Any]) -> Page:
    page = record["page"]
    return Page([p["row"] for p in page], [p["v"] for p in page])


async def pages(graph: Graph, requests: Sequence[PageRequest]) -> list[Page]:
    """Answer many page requests with one query per distinct shape (filters, order, cursors, size)."""
    groups: dict[PageShape, list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault(req.group(), []).append(i)
    out: list[Page] = [Page([], []) for _ in requests]
    for (entity, scope, keys, sort, desc, (after, before, backward), limit), indexes in groups.items():
        query = page_query(entity, scope, keys, sort, desc, after, len(indexes) > 1, before, backward)
        if len(indexes) == 1:
            req = requests[indexes[0]]
            params = {"f": req.filter_params(), **req.cursor_params(), "limit": limit}
            out[indexes[0]] = _page((await graph.read(query, params))[0])
            continue
        batch = [requests[i].params(i) for i in indexes]
        for rec in await graph.read(query, {"requests": batch, "limit": limit}):
            out[rec["id"]] = _page(rec)
    return out


class CustomerPageRequest(Protocol):
    """One customer's page of a list of theirs (purchases, library), by keyset cursors."""

    @property
    def customer(self) -> str: ...
    @property
    def after(self) -> tuple[int, str] | None: ...
    @property
    def before(self) -> tuple[int, str] | None: ...
    @property
    def limit(self) -> int: ...
    @property
    def backward(self) -> bool: ...


R = TypeVar("R", bound=CustomerPageRequest)


def _cursor(cursor: tuple[int, str] | None) -> dict[str, Any] | None:
    return {"v": cursor[0], "k": cursor[1]} if cursor else None


async def customer_pages(
    graph: Graph, requests: Sequence[R], queries: tuple[Cypher, Cypher], extra: Callable[[R], Mapping[str, Any]]
) -> list[Page]:
    """Many customers' pages, one query (`queries`: forward, backward) per distinct page size and direction."""
    groups: dict[tuple[int, bool], list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault((req.limit, req.backward), []).append(i)
    out = [Page([], []) for _ in requests]
    for (limit, backward), indexes in groups.items():
        params = [{"id": i, "customer": requests[i].customer, "after": _cursor(requests[i].after),
                   "before": _cursor(requests[i].before), **extra(requests[i])} for i in indexes]
        for rec in await graph.read(queries[backward], {"requests": params, "limit": limit}):
            out[rec["id"]] = _page(rec)
    return out


async def counts(graph: Graph, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[int]:
    """totalCount of many (entity, filter) lists, one query per distinct filter shape."""
    groups: dict[tuple[str, str, frozenset[str]], list[int]] = {}
    for i, (entity, f) in enumerate(requests):
        groups.setdefault((entity, scope_of(entity, f), set_keys(entity, f)), []).append(i)
    out = [0] * len(requests)
    for (entity, scope, keys), indexes in groups.items():
        filters = [{k: requests[i][1][k] for k in keys} for i in indexes]
        if len(indexes) == 1:
            rows = await graph.read(count_query(entity, scope, keys, False), {"f": filters[0]})
            out[indexes[0]] = int(rows[0]["total"])
            continue
        batch = [{"id": i, "f": f} for i, f in zip(indexes, filters, strict=True)]
        for rec in await graph.read(count_query(entity, scope, keys, True), {"requests": batch}):
            out[rec["id"]] = int(rec["total"])
    return out
