"""Query limits, and the measure of an operation they judge: depth, aliases and cost, before any Cypher.

The measure walks each fragment once and combines the results (see api/fragments.py), and stops as soon
as a limit is passed, so its work is linear in the document whatever the document asks for.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.utilities import value_from_ast_untyped

from api.errors import Code
from api.fragments import FragmentGraph, spreads_in
from api.pagination import DEFAULT_FIRST, MAX_FIRST

MAX_BYTES = 64 * 1024
"""Size of a query text in UTF-8, comments and white space included."""
MAX_TOKENS = 2000
"""Lexical tokens of a document, comments included (graphql-core's `max_tokens`)."""
MAX_NESTING = 40
"""Braces and brackets open at once: selection sets, list and object values."""
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_COST = 25_000
MAX_OPERATIONS = 10
MAX_FRAGMENTS = 100
MAX_VARIABLES = 50
"""Variable definitions, over all the operations of a document."""
MAX_DIRECTIVES = 50
MAX_LIST_ITEMS = 100
"""Items of one list value written in the document."""
MAX_OVERLAPS = 20_000
"""Pairs of fields sharing a response name (a fragment's counted each time it is spread): validation compares
such pairs, so its work grows with their square."""

LIST_ESTIMATE = 30
"""What a list field without `first` (Album.tracks, genres) is assumed to hold."""
SHORT_LISTS = {("Album", "artists"): 3, ("Album", "genres"): 3, ("Track", "artists"): 3}
"""Lists that hold a handful by nature: credits and genres."""

LISTED_ARGUMENTS = ("ids", "upcs", "isrcs")
"""List arguments whose length is the length of the list a field returns."""
SIZING_ARGUMENTS = frozenset({"first", "last", *LISTED_ARGUMENTS})
"""The only arguments a measure reads."""
MEASURES_HELD = 1024
MEASURE_BYTES = 8 * 1024 * 1024
"""Bytes of query texts and operation names the measure cache may hold."""
MEASURE_ENTRY_BYTES = 600
"""What one cached measure costs besides its query text: keys, tuples, the Measure."""


@dataclass
class Measure:
    """What an operation would cost: the figures the limits judge, and the first bad `first`.

    A measure that stopped at a limit carries the figure that passed it, as counted when it stopped.
    """

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    bad_first: GraphQLError | None = None


class _LimitPassedError(Exception):
    def __init__(self, measure: Measure) -> None:
        super().__init__()
        self.measure = measure


@dataclass
class _Tally:
    """What a selection set adds up to: its deepest field level, aliases, and cost per parent object."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    bad_first: GraphQLError | None = None

    def add(self, other: _Tally, below: int = 0, times: int = 1) -> None:
        self.depth = max(self.depth, below + other.depth)
        self.aliases += other.aliases
        self.cost += times * other.cost
        self.bad_first = self.bad_first or other.bad_first

    def check(self) -> None:
        """Stop the walk once a limit is passed: the whole operation costs at least this much."""
        if self.depth > MAX_DEPTH:
            raise _LimitPassedError(Measure(depth=self.depth))
        if self.aliases > MAX_ALIASES:
            raise _LimitPassedError(Measure(aliases=self.aliases))
        if self.cost > MAX_COST:
            raise _LimitPassedError(Measure(cost=self.cost))


@dataclass
class _Walker:
    schema: GraphQLSchema
    variables: dict[str, Any]
    done: dict[str, _Tally] = field(default_factory=dict)
    """Tallies of the fragments walked so far, from their own top level."""
    used: set[str] = field(default_factory=set)
    """Variables the measure depends on: those given to `first` or `ids`."""

    def fragment(self, definition: FragmentDefinitionNode) -> None:
        """Tally a fragment; one past a limit counts only where it is spread (not under introspection)."""
        target = self.schema.get_type(definition.type_condition.name.value)
        try:
            tally = self.selections(definition.selection_set, target, 0)
        except _LimitPassedError as passed:
            tally = _Tally(passed.measure.depth, passed.measure.aliases, passed.measure.cost)
        self.done[definition.name.value] = tally

    def selections(self, node: SelectionSetNode, parent: GraphQLNamedType | None, depth: int) -> _Tally:
        tally = _Tally()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, depth + 1, tally)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                tally.add(self.selections(selection.selection_set, target or parent, depth))
            elif isinstance(selection, FragmentSpreadNode) and (done := self.done.get(selection.name.value)):
                tally.add(done, below=depth)
            tally.check()
        return tally

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, depth: int, tally: _Tally) -> None:
        name = node.name.value
        if node.alias:  # introspection's too: each alias of `__schema` resolves the whole schema again
            tally.aliases += 1
        if name.startswith("__"):  # introspection is static: no Neo4j behind it
            return
        if depth > MAX_DEPTH:
            raise _LimitPassedError(Measure(depth=depth))
        tally.depth = max(tally.depth, depth)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) or name not in parent.fields:
            return
        definition = parent.fields[name]
        target = get_named_type(definition.type)
        arguments = self.arguments(node)
        first = self.first(node, arguments, tally) if "first" in definition.args else None
        count = 1
        if target.name.endswith("Connection"):
            count = DEFAULT_FIRST if first is None else first
            tally.cost += 1  # one page fetch per parent object
        elif isinstance(get_nullable_type(definition.type), GraphQLList) and not parent.name.endswith("Connection"):
            count = SHORT_LISTS.get((parent.name, name)) or _list_size(first, arguments)
        if _is_entity(target):
            tally.cost += count
        if node.selection_set:
            tally.add(self.selections(node.selection_set, target, depth), times=max(count, 1))

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        sized = [a for a in node.arguments or () if a.name.value in SIZING_ARGUMENTS]
        self.used.update(a.value.name.value for a in sized if isinstance(a.value, VariableNode))
        return {a.name.value: value_from_ast_untyped(a.value, self.variables) for a in sized}

    def first(self, node: FieldNode, arguments: Mapping[str, Any], tally: _Tally) -> int | None:
        name = "first" if arguments.get("first") is not None else "last"  # a page's size: either end
        value = arguments.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        problem = None
        if value < 0:
            problem = f"must not be negative, got {value}"
        elif value > MAX_FIRST:
            problem = f"may not exceed {MAX_FIRST}, got {value}"
        if problem is None:
            return value
        if tally.bad_first is None:
            argument = next(a for a in node.arguments or () if a.name.value == name)
            tally.bad_first = GraphQLError(
                f"{name}: {problem} (on {node.name.value})",
                nodes=[argument],
                extensions={"code": Code.BAD_REQUEST.value, "argument": name},
            )
        return MAX_FIRST


def _list_size(first: int | None, arguments: Mapping[str, Any]) -> int:
    if first is not None:
        return first
    listed = [v for name in LISTED_ARGUMENTS if isinstance(v := arguments.get(name), list)]
    return len(listed[0]) if listed else LIST_ESTIMATE


def _is_entity(named: GraphQLNamedType) -> bool:
    """Objects fetched from the graph (Nodes and unions/interfaces of them), not embedded values."""
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        return True
    return isinstance(named, GraphQLObjectType) and any(i.name == "Node" for i in named.interfaces)


def operation_of(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs: the one named, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def measure(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> Measure:
    """Depth, aliases and cost of the operation to run, `first` resolved through variables."""
    return _walk(schema, document, operation_name, variables)[0]


_ABSENT = object()


class MeasureCache:
    """Measures of documents already seen, by query text and the values of the variables they depend on.

    Bounded by entries and by the bytes of the texts it holds; when either is full it starts afresh.
    """

    def __init__(self, capacity: int = MEASURES_HELD, max_bytes: int = MEASURE_BYTES) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.bytes = 0
        self.depends: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self.measures: dict[tuple[Any, ...], Measure] = {}

    def measure(
        self, schema: GraphQLSchema, query: str, document: DocumentNode, operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> Measure:
        """What `measure` answers, walking the document only for a new query or new sizing values."""
        names = self.depends.get((query, operation_name))
        if names is not None and (found := self.measures.get(_key(query, operation_name, names, variables))):
            return found
        found, used = _walk(schema, document, operation_name, variables)
        if found.bad_first is not None:  # its error holds the document's nodes; a refusal is cheap to redo
            return found
        names = tuple(sorted(used))
        size = 2 * (sys.getsizeof(query) + len(operation_name or "")) + MEASURE_ENTRY_BYTES
        if len(self.measures) >= self.capacity or self.bytes + size > self.max_bytes:
            self.measures.clear()
            self.depends.clear()
            self.bytes = 0
        self.depends[(query, operation_name)] = names
        self.measures[_key(query, operation_name, names, variables)] = found
        self.bytes += size
        return found


def _sizing(value: Any) -> Any:
    """All a measure reads of a variable's value: an int (for `first`) or a list's length (for `ids`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ("list", len(value))
    return "absent" if value is _ABSENT else None


def _key(
    query: str, operation_name: str | None, names: tuple[str, ...], variables: Mapping[str, Any] | None
) -> tuple[Any, ...]:
    return (query, operation_name, *(_sizing((variables or {}).get(n, _ABSENT)) for n in names))


def _walk(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> tuple[Measure, set[str]]:
    operation = operation_of(document, operation_name)
    if operation is None:
        return Measure(), set()
    values = {
        v.variable.name.value: value_from_ast_untyped(v.default_value)
        for v in operation.variable_definitions or ()
        if v.default_value is not None
    }
    values.update(variables or {})
    roots = {OperationType.QUERY: schema.query_type, OperationType.MUTATION: schema.mutation_type}
    root = roots.get(operation.operation)
    walker = _Walker(schema, values)
    if root is None:
        return Measure(cost=1), walker.used
    graph = FragmentGraph.of(document)
    try:
        for name in graph.reachable(spreads_in(operation.selection_set)):
            walker.fragment(graph.definitions[name])
        top = walker.selections(operation.selection_set, root, 0)
    except _LimitPassedError as stop:
        return stop.measure, walker.used
    return Measure(top.depth, top.aliases, max(top.cost, 1), top.bad_first), walker.used


def too_complex(limit: str, measured: int, maximum: int, nodes: list[Node] | None = None) -> GraphQLError:
    """QUERY_TOO_COMPLEX naming the limit and the measured value."""
    return GraphQLError(
        f"Query too complex: {limit} {measured} exceeds the limit of {maximum}.",
        nodes=nodes,
        extensions={"code": Code.QUERY_TOO_COMPLEX.value, "limit": limit, "measured": measured, "maximum": maximum},
    )


def judge(found: Measure, operation: Node | None = None) -> GraphQLError | None:
    """The first limit the measure breaks, or None."""
    nodes = [operation] if operation is not None else None
    if found.depth > MAX_DEPTH:
        return too_complex("depth", found.depth, MAX_DEPTH, nodes)
    if found.aliases > MAX_ALIASES:
        return too_complex("aliases", found.aliases, MAX_ALIASES, nodes)
    if found.bad_first is not None:
        return found.bad_first
    if found.cost > MAX_COST:
        return too_complex("cost", found.cost, MAX_COST, nodes)
    return None
