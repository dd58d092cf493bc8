"""Shapers derived from the Strawberry schema: a selection set on a type becomes one function of its object.

A plain field (a Strawberry field without a resolver) is read as the executor reads it, by attribute;
a leaf is serialized by its GraphQL type's own `serialize`; objects and lists nest. Fields with
resolvers are covered only where a `Specials` hook says how (api/compiled/node_plan.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
)
from strawberry import Schema as StrawberrySchema
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField


class Unsupported(Exception):  # noqa: N818  (a verdict, not a failure)
    """The document asks for something no plan covers: Strawberry's executor answers it."""


class Fallback(Exception):  # noqa: N818
    """This request cannot be answered exactly by the plan (a bad argument, a null in a non-null place)."""


Getter = Callable[[Any, "Run"], Any]
"""A field's value from its parent object (and the request's state)."""
Shape = Callable[[Any, "Run"], Any]
"""A value as the response holds it."""


@dataclass(slots=True)
class Run:
    """One request's state: its context, its coerced argument slots, and what the plan read."""

    context: Any
    args: list[dict[str, Any]] = field(default_factory=list)
    read: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FieldAt:
    """One response key of a selection: the field's definition, its nodes, where its arguments are kept."""

    key: str
    parent: str
    name: str
    definition: GraphQLField
    nodes: tuple[FieldNode, ...]
    strawberry: StrawberryField | None


class Specials(Protocol):
    """How fields with resolvers are read; None where the field is not special here (then plain or Unsupported)."""

    def field(self, compiler: Compiler, at: FieldAt, depth: int) -> tuple[Getter, Shape | None] | None:
        """The getter of this field, and its value's shaper where the hook compiles it; or None."""


@dataclass
class Compiler:
    """Compiles selections on one schema and document into shapers; collects argument slots."""

    schema: StrawberrySchema
    fragments: Mapping[str, FragmentDefinitionNode]
    specials: Specials
    slots: list[tuple[GraphQLField, FieldNode]] = field(default_factory=list)
    used: dict[str, set[tuple[str, bool]]] = field(default_factory=dict)
    """The fields shaped, per type: (name, whether it is a plain field)."""

    @property
    def gql(self) -> GraphQLSchema:
        """The graphql-core schema."""
        return self.schema._schema

    def slot(self, at: FieldAt) -> int:
        """An argument slot for this field: its coerced arguments are `run.args[slot]`."""
        self.slots.append((at.definition, at.nodes[0]))
        return len(self.slots) - 1

    def fields(self, type_name: str, selection_sets: list[SelectionSetNode]) -> list[FieldAt]:
        """The response keys of these selection sets on a concrete type, merged, in the executor's order."""
        gql_type = self.gql.get_type(type_name)
        assert isinstance(gql_type, GraphQLObjectType)
        merged: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(selection_set, gql_type, merged)
        definition = self.schema.get_type_by_name(type_name)
        by_name: dict[str, StrawberryField] = {}
        if isinstance(definition, StrawberryObjectDefinition):
            convert = self.schema.config.name_converter.get_graphql_name
            by_name = {convert(f): f for f in definition.fields}
        out = []
        for key, nodes in merged.items():
            name = nodes[0].name.value
            gql_field = gql_type.fields.get(name) if name != "__typename" else None
            if name != "__typename" and gql_field is None:
                raise Unsupported(f"{type_name}.{name}")
            out.append(FieldAt(key, type_name, name, gql_field, tuple(nodes), by_name.get(name)))  # type: ignore[arg-type]
        return out

    def _collect(self, selection_set: SelectionSetNode, on: GraphQLObjectType, out: dict[str, list[FieldNode]]) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise Unsupported("directives")
            if isinstance(selection, FieldNode):
                out.setdefault(selection.alias.value if selection.alias else selection.name.value, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                if self._applies(condition, on):
                    self._collect(selection.selection_set, on, out)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    raise Unsupported("unknown fragment")
                if self._applies(fragment.type_condition.name.value, on):
                    self._collect(fragment.selection_set, on, out)

    def _applies(self, condition: str | None, on: GraphQLObjectType) -> bool:
        if condition is None or condition == on.name:
            return True
        target = self.gql.get_type(condition)
        return target is not None and is_abstract_type(target) and self.gql.is_sub_type(target, on)

    def object_shape(self, type_name: str, selection_sets: list[SelectionSetNode], depth: int) -> Shape:
        """The shaper of an object of `type_name` under these selection sets."""
        parts: list[tuple[str, Getter, Shape]] = []
        for at in self.fields(type_name, selection_sets):
            if at.name == "__typename":
                parts.append((at.key, _constant(type_name), _same))
                continue
            plain = at.strawberry is not None and at.strawberry.base_resolver is None
            self.used.setdefault(type_name, set()).add((at.name, plain))
            special = self.specials.field(self, at, depth)
            getter, shape = special if special is not None else (self._plain(at), None)
            if shape is None:
                shape = self.value_shape(at.definition.type, subsets_of(at), depth + 1)
            parts.append((at.key, getter, shape))
        return _object(parts)

    def _plain(self, at: FieldAt) -> Getter:
        sfield = at.strawberry
        if sfield is None or sfield.base_resolver is not None or at.definition.args:
            raise Unsupported(f"{at.parent}.{at.name}")
        read = operator.attrgetter(sfield.python_name)
        return lambda obj, run: read(obj)

    def value_shape(self, gql_type: GraphQLOutputType, subsets: list[SelectionSetNode], depth: int) -> Shape:
        """The shaper of a value of this GraphQL type (non-null, list, leaf or object)."""
        if isinstance(gql_type, GraphQLNonNull):
            return _non_null(self.value_shape(gql_type.of_type, subsets, depth))
        if isinstance(gql_type, GraphQLList):
            return _listed(self.value_shape(gql_type.of_type, subsets, depth))
        if isinstance(gql_type, GraphQLLeafType):
            return _leaf(gql_type.serialize)
        if isinstance(gql_type, GraphQLObjectType):
            return self.object_shape(gql_type.name, subsets, depth)
        raise Unsupported(f"abstract type {gql_type}")


def subsets_of(at: FieldAt) -> list[SelectionSetNode]:
    """The selection sets under a response key, from each of its field nodes."""
    return [n.selection_set for n in at.nodes if n.selection_set is not None]


def _constant(value: str) -> Getter:
    return lambda obj, run: value


def _same(value: Any, run: Run) -> Any:
    return value


def _object(parts: list[tuple[str, Getter, Shape]]) -> Shape:
    def shape(obj: Any, run: Run) -> Any:
        if obj is None:
            return None
        return {key: form(get(obj, run), run) for key, get, form in parts}

    return shape


def _non_null(inner: Shape) -> Shape:
    def shape(value: Any, run: Run) -> Any:
        out = inner(value, run)
        if out is None:
            raise Fallback("null in a non-null place")
        return out

    return shape


def _listed(item: Shape) -> Shape:
    def shape(values: Any, run: Run) -> Any:
        if values is None:
            return None
        return [item(v, run) for v in values]

    return shape


def _leaf(serialize: Callable[[Any], Any]) -> Shape:
    def shape(value: Any, run: Run) -> Any:
        return None if value is None else serialize(value)

    return shape
