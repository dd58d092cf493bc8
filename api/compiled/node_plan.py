"""The plan of a `node(id:)` page: an album, an artist or a genre with the lists its page shows, one read.

The fields with resolvers a plan covers, and how: an album's artist, artists and tracks (read beside
it, as the album page query reads them); an artist's albums and top tracks and a genre's albums (the
catalog's page and count queries, in the same read); the sync resolvers whose data is in hand
(offers, territories), called as Strawberry calls them. Arguments are checked before the read, by
the same functions the resolvers use; any a client got wrong is left to the executor to report.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, FragmentDefinitionNode, GraphQLError, OperationType, get_operation_ast
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry import Schema as StrawberrySchema

from api.compiled.properties import properties
from api.compiled.selection import Compiler, Fallback, FieldAt, Getter, Run, Shape, Unsupported, subsets_of
from api.errors import ApiError
from api.ids import from_global
from api.pagination import PageArgs, connection, decode_cursors, page_args, page_size
from api.territory import optional_territory
from api.types.album import Album
from api.types.album_group import Genre
from api.types.artist import Artist
from api.types.track import Track
from graph.node_reads import ListRead, NodeRead, Projections, read_node
from graph.pages import Page, PageRequest

MAKERS: Mapping[str, Callable[[dict[str, Any]], Any]] = {
    "Album": Album.from_row, "Artist": Artist.from_row, "Genre": Genre.from_row,
}
"""The node types a plan reads, and how their objects are made from rows (as their node resolvers make them)."""
IN_HAND = frozenset({("Album", "offers"), ("Album", "territories"), ("Album", "worldwide"), ("Album", "availableIn")})
"""Sync resolvers that read only the object's own row (and today)."""
WITH_ALBUM = frozenset({("Track", "offers"), ("Track", "availableIn")})
"""Sync resolvers of a track that read its album's row: covered where the album is in hand (its tracks)."""
SCOPES = {("Artist", "albums"): "artist", ("Genre", "albums"): "genre"}
"""Album connections under a node, by the filter that scopes them."""
ALBUM_ORDER = "TITLE"
"""The order of an album connection without `orderBy` (api/types/album.py album_connection)."""


@dataclass(frozen=True, slots=True)
class ListSpec:
    """A list a page shows: its read's name, its argument slot, and how its request is made from the key."""

    name: str
    slot: int
    request: Callable[[str, dict[str, Any]], tuple[PageRequest, PageArgs | None]]
    count: bool = False


@dataclass
class TypePlan:
    """How a node of one type is read and shaped."""

    label: str
    sale: bool = False
    """Whether a covered resolver reads offers or rights (else the rows leave those out)."""
    children: list[str] = field(default_factory=list)
    lists: list[ListSpec] = field(default_factory=list)
    shape: Shape | None = None
    projections: Projections = ()
    """The properties each label's rows carry: what the document's fields read."""


class ResolverInfo:
    """What the covered sync resolvers read of `info`: the request's context."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


def _album_connection(scope: str) -> Callable[[str, dict[str, Any]], tuple[PageRequest, PageArgs | None]]:
    def request(key: str, args: dict[str, Any]) -> tuple[PageRequest, PageArgs | None]:
        paged = page_args(args.get("first"), args.get("after"), args.get("last"), args.get("before"))
        after, before = decode_cursors(paged, f"{ALBUM_ORDER}:ASC")
        size = paged.size + 1
        return PageRequest("albums", {scope: key}, ALBUM_ORDER, False, after, size, before, paged.backward), paged

    return request


def _top_tracks(key: str, args: dict[str, Any]) -> tuple[PageRequest, PageArgs | None]:
    f = {"artist": key, "territory": optional_territory(args.get("territory"))}
    return PageRequest("tracks", f, "POPULARITY", True, None, page_size(args.get("first"))), None


class NodeSpecials:
    """The covered resolvers of one node type's plan; lists and children it needs are noted on the plan."""

    def __init__(self, plan: TypePlan) -> None:
        self.plan = plan
        self.album_in_hand = False
        self.counted: ListSpec | None = None

    def field(self, compiler: Compiler, at: FieldAt, depth: int) -> tuple[Getter, Shape | None] | None:
        """The getter (and shaper) of a covered resolver field; None for plain fields."""
        where = (at.parent, at.name)
        if where in IN_HAND or (where in WITH_ALBUM and self.album_in_hand):
            self.plan.sale = True
            return self._sync(compiler, at), None
        if at.name == "totalCount" and at.parent.endswith("Connection") and depth == 1 and self.counted:
            return self._count(), None
        if depth != 0 or (at.strawberry is not None and at.strawberry.base_resolver is None):
            return None
        if at.parent == "Album" and at.name in ("artist", "artists", "tracks"):
            return self._album_child(compiler, at)
        if where in SCOPES and not any(a.name.value == "orderBy" for a in at.nodes[0].arguments or ()):
            return self._connection(compiler, at, _album_connection(SCOPES[where]))
        if where == ("Artist", "topTracks"):
            spec = self._list(compiler, at, _top_tracks)
            return (lambda obj, run: [Track.from_row(r) for r in run.read.lists[spec.name].rows]), None
        raise Unsupported(f"{at.parent}.{at.name}")

    def _sync(self, compiler: Compiler, at: FieldAt) -> Getter:
        assert at.strawberry is not None
        assert at.strawberry.base_resolver is not None
        resolve: Callable[..., Any] = at.strawberry.base_resolver.wrapped_func  # type: ignore[assignment]
        convert = compiler.schema.config.name_converter.get_graphql_name
        names = {convert(a): a.python_name for a in at.strawberry.arguments}
        slot = compiler.slot(at)

        def get(obj: Any, run: Run) -> Any:
            kwargs = {names[k]: v for k, v in run.args[slot].items()}
            try:
                value = resolve(obj, run.extra["info"], **kwargs)
            except ApiError as error:
                raise Fallback(error.message) from None
            if inspect.isawaitable(value):
                value.close()  # type: ignore[attr-defined]
                raise Fallback("a resolver that would read")
            return value

        return get

    def _list(self, compiler: Compiler, at: FieldAt, request: Callable[..., Any], count: bool = False) -> ListSpec:
        spec = ListSpec(f"r{len(self.plan.lists)}", compiler.slot(at), request, count)
        self.plan.lists.append(spec)
        return spec

    def _album_child(self, compiler: Compiler, at: FieldAt) -> tuple[Getter, Shape | None]:
        child = "artists" if at.name == "artist" else at.name
        if child not in self.plan.children:
            self.plan.children.append(child)
        if at.name == "artist":
            return (lambda obj, run: Artist.from_row(run.read.children["artists"][0])), None
        if at.name == "artists":
            return (lambda obj, run: [Artist.from_row(r) for r in run.read.children["artists"]]), None
        self.album_in_hand = True
        try:
            shape = compiler.value_shape(at.definition.type, subsets_of(at), 1)
        finally:
            self.album_in_hand = False
        return (lambda obj, run: [Track.from_row(r, album=obj.row) for r in run.read.children["tracks"]]), shape

    def _connection(self, compiler: Compiler, at: FieldAt, request: Callable[..., Any]) -> tuple[Getter, Shape]:
        spec = self._list(compiler, at, request)
        self.counted = spec
        try:
            shape = compiler.value_shape(at.definition.type, subsets_of(at), 1)
        finally:
            self.counted = None
        label = f"{ALBUM_ORDER}:ASC"

        def get(obj: Any, run: Run) -> Any:
            page: Page = run.read.lists[spec.name]
            return connection(page, run.extra[spec.name], label, Album.from_row, _no_count)

        return get, shape

    def _count(self) -> Getter:
        assert self.counted is not None
        counted = self.counted
        spec = ListSpec(f"r{len(self.plan.lists)}", counted.slot, counted.request, True)
        self.plan.lists.append(spec)
        return lambda obj, run: run.read.lists[spec.name]


async def _no_count() -> int:
    raise AssertionError("a compiled connection's totalCount is read with its page")


class NodePlan:
    """A compiled `node(id:)` document: one read, then the shaper of the node's type."""

    def __init__(self, schema: StrawberrySchema, document: DocumentNode, operation_name: str | None) -> None:
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            raise Unsupported("not one query")
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = operation.variable_definitions or ()
        self.schema = schema
        compiler = Compiler(schema, fragments, _NoSpecials())
        roots = compiler.fields("Query", [operation.selection_set])
        if len(roots) != 1 or roots[0].name != "node":
            raise Unsupported("a plan covers one `node` field")
        self.key = roots[0].key
        compiler.slot(roots[0])
        self.types: dict[str, TypePlan] = {}
        for label in MAKERS:
            plan = TypePlan(label)
            compiler.specials = NodeSpecials(plan)
            compiler.used = {}
            try:
                plan.shape = compiler.object_shape(label, subsets_of(roots[0]), 0)
            except Unsupported:
                continue
            plan.projections = tuple(
                (name, properties(name, fields, plan.sale)) for name, fields in sorted(compiler.used.items())
            )
            self.types[label] = plan
        self.slots = compiler.slots

    async def run(self, context: Any, variables: dict[str, Any] | None) -> dict[str, Any]:
        """The response's data; Fallback where the executor must answer this request."""
        return await self.prepare(context, variables).answer()

    def prepare(self, context: Any, variables: dict[str, Any] | None) -> PlannedRun:
        """The request's arguments checked and its read set up, before any Cypher; Fallback where they are wrong."""
        coerced = get_variable_values(self.schema._schema, self.variables, variables or {})
        if isinstance(coerced, list):
            raise Fallback("variables")
        run = Run(context, extra={"info": ResolverInfo(context)})
        try:
            run.args = [get_argument_values(d, n, coerced) for d, n in self.slots]
            type_name, key = from_global(run.args[0]["id"], "id")
            plan = self.types.get(type_name)
            if plan is None or plan.shape is None:
                raise Fallback(f"no plan for {type_name}")
            reads = []
            for spec in plan.lists:
                request, paged = spec.request(key, run.args[spec.slot])
                run.extra[spec.name] = paged
                reads.append(ListRead(spec.name, request, spec.count))
        except (ApiError, GraphQLError) as error:
            raise Fallback(str(error)) from None
        return PlannedRun(self.key, plan, key, reads, run)


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One request's run of a plan, its arguments checked: `answer` reads and shapes."""

    response_key: str
    plan: TypePlan
    key: str
    reads: list[ListRead]
    run: Run

    async def answer(self) -> dict[str, Any]:
        """The response's data: one read, then the shaper; Fallback where the executor must answer."""
        run, plan = self.run, self.plan
        run.read = await _read(run.context, plan, self.key, self.reads)
        if run.read is None:
            return {self.response_key: None}
        assert plan.shape is not None
        return {self.response_key: plan.shape(MAKERS[plan.label](run.read.row), run)}


async def _read(context: Any, plan: TypePlan, key: str, reads: list[ListRead]) -> NodeRead | None:
    """The node's read: an album page from the process's copy where there is one, else one query."""
    loaders = context.loaders
    if plan.label == "Album" and plan.children and loaders.album_cache is not None:
        page = await loaders.album_page.load(key)
        return None if page is None else NodeRead(page.row, {"artists": page.artists, "tracks": page.tracks}, {})
    return await read_node(context.graph, plan.label, key, plan.children, reads, plan.sale, plan.projections)


class _NoSpecials:
    def field(self, compiler: Compiler, at: FieldAt, depth: int) -> tuple[Getter, Shape | None] | None:
        return None
