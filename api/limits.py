"""Query limits: depth, aliases, tokens and cost, checked before anything reaches Neo4j."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
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
    Lexer,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Source,
    TokenKind,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import validate_document

from api.errors import Code
from api.pagination import DEFAULT_FIRST, MAX_FIRST
from api.ratelimit import charge

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
MAX_COST = 25_000
LIST_ESTIMATE = 30
"""What a list field without `first` (Album.tracks, genres) is assumed to hold."""
SHORT_LISTS = {("Album", "artists"): 3, ("Album", "genres"): 3, ("Track", "artists"): 3}
"""Lists that hold a handful by nature: credits and genres."""

SIZING_ARGUMENTS = frozenset({"first", "last", "ids"})
"""The only arguments a measure reads."""
MEASURES_HELD = 1024

_TOKENS_ERROR = re.compile(r"Document contains more than \d+ tokens")


@dataclass
class Measure:
    """What an operation would cost: the figures the limits judge, and the first bad `first`."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    bad_first: GraphQLError | None = None


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    measure: Measure = field(default_factory=Measure)
    used: set[str] = field(default_factory=set)
    """Variables the measure depends on: those given to `first` or `ids`."""

    def selections(self, node: SelectionSetNode, parent: GraphQLNamedType, scale: int, depth: int) -> None:
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.field(selection, parent, scale, depth + 1)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                self.selections(selection.selection_set, target or parent, scale, depth)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                target = self.schema.get_type(fragment.type_condition.name.value)
                self.selections(fragment.selection_set, target or parent, scale, depth)

    def field(self, node: FieldNode, parent: GraphQLNamedType, scale: int, depth: int) -> None:
        name = node.name.value
        if name.startswith("__"):  # introspection is static: no Neo4j behind it
            return
        if node.alias:
            self.measure.aliases += 1
        self.measure.depth = max(self.measure.depth, depth)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) or name not in parent.fields:
            return
        definition = parent.fields[name]
        target = get_named_type(definition.type)
        arguments = self.arguments(node)
        first = self.first(node, arguments) if "first" in definition.args else None
        count = 1
        if target.name.endswith("Connection"):
            count = DEFAULT_FIRST if first is None else first
            self.measure.cost += scale  # one page fetch per parent object
        elif isinstance(get_nullable_type(definition.type), GraphQLList) and not parent.name.endswith("Connection"):
            count = SHORT_LISTS.get((parent.name, name)) or _list_size(first, arguments)
        if _is_entity(target):
            self.measure.cost += scale * count
        if node.selection_set:
            self.selections(node.selection_set, target, scale * max(count, 1), depth)

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        sized = [a for a in node.arguments or () if a.name.value in SIZING_ARGUMENTS]
        self.used.update(a.value.name.value for a in sized if isinstance(a.value, VariableNode))
        return {a.name.value: value_from_ast_untyped(a.value, self.variables) for a in sized}

    def first(self, node: FieldNode, arguments: Mapping[str, Any]) -> int | None:
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
        if self.measure.bad_first is None:
            argument = next(a for a in node.arguments or () if a.name.value == name)
            self.measure.bad_first = GraphQLError(
                f"{name}: {problem} (on {node.name.value})",
                nodes=[argument],
                extensions={"code": Code.BAD_REQUEST.value, "argument": name},
            )
        return MAX_FIRST


def _list_size(first: int | None, arguments: Mapping[str, Any]) -> int:
    if first is not None:
        return first
    ids = arguments.get("ids")
    if isinstance(ids, list):
        return len(ids)
    return LIST_ESTIMATE


def _is_entity(named: GraphQLNamedType) -> bool:
    """Objects fetched from the graph (Nodes and unions/interfaces of them), not embedded values."""
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        return True
    return isinstance(named, GraphQLObjectType) and any(i.name == "Node" for i in named.interfaces)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def measure(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> Measure:
    """Depth, aliases and cost of the operation to run, `first` resolved through variables."""
    return _walk(schema, document, operation_name, variables)[0]


class MeasureCache:
    """Measures of documents already seen, by query text and the values of the variables they depend on."""

    def __init__(self, capacity: int = MEASURES_HELD) -> None:
        self.capacity = capacity
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
        names = tuple(sorted(used))
        if len(self.measures) >= self.capacity:
            self.measures.clear()
            self.depends.clear()
        self.depends[(query, operation_name)] = names
        self.measures[_key(query, operation_name, names, variables)] = found
        return found


def _key(
    query: str, operation_name: str | None, names: tuple[str, ...], variables: Mapping[str, Any] | None
) -> tuple[Any, ...]:
    return (query, operation_name, *(repr((variables or {}).get(n)) for n in names))


def _walk(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> tuple[Measure, set[str]]:
    operation = _operation(document, operation_name)
    if operation is None:
        return Measure(), set()
    values = {
        v.variable.name.value: value_from_ast_untyped(v.default_value)
        for v in operation.variable_definitions or ()
        if v.default_value is not None
    }
    values.update(variables or {})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    roots = {OperationType.QUERY: schema.query_type, OperationType.MUTATION: schema.mutation_type}
    root = roots.get(operation.operation)
    walker = _Walker(schema, fragments, values)
    if root is not None:
        walker.selections(operation.selection_set, root, 1, 0)
    walker.measure.cost = max(walker.measure.cost, 1)
    return walker.measure, walker.used


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


def count_tokens(query: str) -> int:
    """Lexical tokens of a document, as graphql-core's max_tokens counts them."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind is not TokenKind.EOF:
            count += 1
    except GraphQLError:
        pass
    return count


class ParseOnce(ParserCache):
    """strawberry's ParserCache, except that a document that fails to parse is left to strawberry's own parse.

    ParserCache raises from its hook, outside the operation, so the error would skip ErrorPolicy (no code);
    strawberry's parse reports it as a result error that gets its BAD_REQUEST and token limits their code.
    """

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        with contextlib.suppress(GraphQLError):
            ctx.graphql_document = self.cached_parse_document(ctx.query, **ctx.parse_options)
        yield


MEASURES = MeasureCache()


class QueryLimits(SchemaExtension):
    """Refuse operations over the limits after validation, then charge their cost to the caller's budget."""

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        query = self.execution_context.query or ""
        result.errors = [
            too_complex("tokens", count_tokens(query), MAX_TOKENS) if _TOKENS_ERROR.search(e.message) else e
            for e in result.errors
        ]

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.pre_execution_errors is None:
            ctx.pre_execution_errors = validate_document(ctx.schema._schema, document, ctx.validation_rules)
        if document is not None and not ctx.pre_execution_errors:
            error = self.check(document)
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield

    def check(self, document: DocumentNode) -> GraphQLError | None:
        """The limit this operation breaks, or the rate limit it runs into; None when it may run."""
        ctx = self.execution_context
        if ctx.query is None:
            found = measure(ctx.schema._schema, document, ctx.operation_name, ctx.variables)
        else:
            found = MEASURES.measure(ctx.schema._schema, ctx.query, document, ctx.operation_name, ctx.variables)
        error = judge(found, _operation(document, ctx.operation_name))
        if error is None:
            error = charge(ctx.context, found.cost)
        return error
