"""The census of a parsed document, taken before validation: what it holds in all, and the limits it breaks.

One pass over the nodes (no recursion, so nesting cannot exhaust the stack), then each fragment's field
names combined once per fragment in dependency order, so the whole census is linear in the document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
)

from api.errors import Code
from api.fragments import FragmentGraph
from api.limits import (
    MAX_DIRECTIVES,
    MAX_FRAGMENTS,
    MAX_LIST_ITEMS,
    MAX_NESTING,
    MAX_OPERATIONS,
    MAX_OVERLAPS,
    MAX_VARIABLES,
    too_complex,
)

_NESTING = (SelectionSetNode, ListValueNode, ObjectValueNode)
MAX_INT = 2**31 - 1
"""GraphQL's Int is 32-bit, and every integer argument of the schema is an Int."""


@dataclass
class _Definition:
    """Field response names and fragment spreads of one definition, at any level, not inside fragments."""

    names: Counter[str] = field(default_factory=Counter)
    spreads: Counter[str] = field(default_factory=Counter)


@dataclass
class Census:
    """Counts over a whole document (every operation and fragment in it)."""

    operations: int = 0
    fragments: int = 0
    variables: int = 0
    directives: int = 0
    nesting: int = 0
    longest_list: int = 0
    overlaps: int = 0
    """Pairs of fields sharing a response name, fragments counted as spread; counting stops past the limit."""
    nodes: int = 0
    tokens: int = 0
    """Tokens the parsed document keeps, comments included."""
    cycle: FragmentDefinitionNode | None = None
    huge_int: tuple[str, IntValueNode] | None = None
    """The first integer literal past Int, and the argument (or input field) it is given to."""

    def refusal(self) -> GraphQLError | None:
        """The first document-wide limit the document breaks, or None."""
        counted = [
            ("operations", self.operations, MAX_OPERATIONS),
            ("fragments", self.fragments, MAX_FRAGMENTS),
            ("variables", self.variables, MAX_VARIABLES),
            ("directives", self.directives, MAX_DIRECTIVES),
            ("nesting", self.nesting, MAX_NESTING),
            ("list", self.longest_list, MAX_LIST_ITEMS),
        ]
        for limit, measured, maximum in counted:
            if measured > maximum:
                return too_complex(limit, measured, maximum)
        if self.cycle is not None:
            return GraphQLError(
                f"Cannot spread fragment '{self.cycle.name.value}' within itself.",
                nodes=[self.cycle],
                extensions={"code": Code.BAD_REQUEST.value},
            )
        if self.huge_int is not None:
            argument, node = self.huge_int
            digits = len(node.value.lstrip("-"))
            return GraphQLError(
                f"{argument}: must be an Int (at most {MAX_INT}), got an integer of {digits} digits",
                nodes=[node],
                extensions={"code": Code.BAD_REQUEST.value, "argument": argument},
            )
        if self.overlaps > MAX_OVERLAPS:
            return too_complex("overlaps", self.overlaps, MAX_OVERLAPS)
        return None


def take_census(document: DocumentNode) -> Census:
    """Count what the document holds; every count is bounded by the document's own size."""
    census = Census(tokens=_tokens(document))
    operations: list[_Definition] = []
    fragments: dict[str, _Definition] = {}
    for definition in document.definitions:
        found = _count(definition, census)
        if isinstance(definition, OperationDefinitionNode):
            operations.append(found)
        elif isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = found
            census.fragments += 1
    census.operations = len(operations)
    graph = FragmentGraph.of(document)
    census.cycle = graph.cycle
    if census.cycle is None and census.fragments <= MAX_FRAGMENTS and census.operations <= MAX_OPERATIONS:
        census.overlaps = _overlaps(graph.order, fragments, operations)
    return census


def _count(definition: Node, census: Census) -> _Definition:
    found = _Definition()
    stack: list[tuple[Node, int, str]] = [(definition, 0, "")]
    while stack:
        node, nesting, argument = stack.pop()
        census.nodes += 1
        if isinstance(node, _NESTING):
            nesting += 1
            census.nesting = max(census.nesting, nesting)
        if isinstance(node, FieldNode):
            found.names[(node.alias or node.name).value] += 1
        elif isinstance(node, FragmentSpreadNode):
            found.spreads[node.name.value] += 1
        elif isinstance(node, DirectiveNode):
            census.directives += 1
        elif isinstance(node, VariableDefinitionNode):
            census.variables += 1
            argument = f"${node.variable.name.value}"
        elif isinstance(node, ListValueNode):
            census.longest_list = max(census.longest_list, len(node.values))
        elif isinstance(node, ArgumentNode | ObjectFieldNode):
            argument = node.name.value
        elif isinstance(node, IntValueNode) and census.huge_int is None and _past_int(node.value):
            census.huge_int = (argument or "value", node)
        for key in node.keys[1:]:  # keys[0] is `loc`
            value = getattr(node, key, None)
            if isinstance(value, Node):
                stack.append((value, nesting, argument))
            elif isinstance(value, tuple | list):
                stack.extend((child, nesting, argument) for child in value if isinstance(child, Node))
    return found


def _past_int(literal: str) -> bool:
    """Whether an integer literal lies outside Int, judged by its length before converting it."""
    digits = literal.lstrip("-")
    return len(digits) > len(str(MAX_INT)) or abs(int(literal)) > MAX_INT + literal.startswith("-")


def _overlaps(order: list[str], fragments: dict[str, _Definition], operations: list[_Definition]) -> int:
    """Same-name field pairs in each definition with its fragments' fields added in; stops past the limit."""
    flat: dict[str, Counter[str]] = {}
    total = 0
    for name, definition in [*((n, fragments[n]) for n in order), *((None, o) for o in operations)]:
        names: Counter[str] = Counter()
        parts = [(definition.names, 1), *((flat[f], n) for f, n in definition.spreads.items() if f in flat)]
        for part, times in parts:
            total += _merge(names, part, times)
            if total > MAX_OVERLAPS:
                return total
        if name is not None:
            flat[name] = names
    return total


def _merge(into: Counter[str], names: Counter[str], times: int) -> int:
    """Add `times` copies of `names` into `into`; the same-name pairs that adds."""
    added = 0
    for name, count in names.items():
        before, more = into[name], count * times
        added += before * more + more * (more - 1) // 2
        into[name] = before + more
    return added


def _tokens(document: DocumentNode) -> int:
    token = document.loc.start_token if document.loc else None
    count = 0
    while token is not None:
        count += 1
        token = token.next
    return count
