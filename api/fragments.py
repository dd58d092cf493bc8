"""The fragments of a document: who spreads whom, in an order where each comes after those it spreads.

Walks that follow spreads blow up exponentially on a fragment that spreads another twice, forty deep;
walking each fragment once, in this order, and combining the results keeps them linear in the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def spreads_in(selection_set: SelectionSetNode) -> Counter[str]:
    """How often each fragment is spread in a selection set, at any level, not looking inside fragments."""
    found: Counter[str] = Counter()
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                found[selection.name.value] += 1
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)
    return found


@dataclass
class FragmentGraph:
    """Fragment definitions by name, their spreads, and an order with every fragment after those it spreads."""

    definitions: dict[str, FragmentDefinitionNode]
    spreads: dict[str, Counter[str]]
    """Spreads of known fragments each fragment makes itself."""
    order: list[str]
    cycle: FragmentDefinitionNode | None = None
    """A fragment that spreads itself, through others or not; then `order` is incomplete."""

    @classmethod
    def of(cls, document: DocumentNode) -> FragmentGraph:
        """The graph of a document's fragments (a later definition of a name wins, as in validation)."""
        definitions = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        spreads = {
            name: Counter({k: n for k, n in spreads_in(d.selection_set).items() if k in definitions})
            for name, d in definitions.items()
        }
        graph = cls(definitions, spreads, [])
        graph._sort()
        return graph

    def _sort(self) -> None:
        done: set[str] = set()
        for root in self.definitions:
            if root in done:
                continue
            path = {root}
            stack = [(root, iter(self.spreads[root]))]
            while stack:
                name, pending = stack[-1]
                child = next(pending, None)
                if child is None:
                    stack.pop()
                    path.discard(name)
                    done.add(name)
                    self.order.append(name)
                elif child in path:
                    self.cycle = self.definitions[child]
                    return
                elif child not in done:
                    path.add(child)
                    stack.append((child, iter(self.spreads[child])))

    def reachable(self, roots: Iterable[str]) -> list[str]:
        """The fragments spread from `roots`, directly or not, in the graph's order."""
        seen = {r for r in roots if r in self.definitions}
        stack = list(seen)
        while stack:
            for child in self.spreads[stack.pop()]:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return [name for name in self.order if name in seen]
