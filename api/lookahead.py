"""Selection lookahead: which fields of a type the client asked for under the current field."""

from __future__ import annotations

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.context import Info


def asked_fields(info: Info, type_name: str) -> set[str]:
    """Names selected one level below the current field that apply to `type_name` (fragments followed)."""
    names: set[str] = set()
    for field in info.selected_fields:
        _collect(field.selections, type_name, names)
    return names


def _collect(selections: list[Selection], type_name: str, names: set[str]) -> None:
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        elif isinstance(selection, InlineFragment | FragmentSpread) and selection.type_condition in (
            None, type_name, "Node"
        ):
            _collect(selection.selections, type_name, names)
