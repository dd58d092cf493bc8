"""Persisted query manifests built from a frontend's `.graphql` documents.

Each operation becomes one entry, its text the operation and the fragments it uses (by name),
printed by graphql-core; its id is the SHA-256 of that text. The file is in the format
`@apollo/generate-persisted-query-manifest` writes, which `TUNEGRAPH_PERSISTED_QUERIES` reads.
A client must send each operation's text exactly as printed here (or only its hash).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    Node,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from api.persisted import MANIFEST_FORMAT, sha256_hex


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spreads(node: Node) -> set[str]:
    found = _Spreads()
    visit(node, found)
    return found.names


def _documents(folder: Path) -> list[tuple[Path, DocumentNode]]:
    files = sorted(folder.rglob("*.graphql"))
    if not files:
        raise ValueError(f"no .graphql files under {folder}")
    out = []
    for path in files:
        try:
            out.append((path, parse(path.read_text(encoding="utf-8"))))
        except GraphQLError as exc:
            raise ValueError(f"{path}: {exc.message} {exc.locations or ''}".strip()) from None
    return out


def _fragments_used(operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    seen: set[str] = set()
    todo = sorted(_spreads(operation))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in fragments:
            raise ValueError(f"operation {operation.name.value if operation.name else '(anonymous)'}: "
                             f"no fragment {name!r} in the documents")
        seen.add(name)
        todo += sorted(_spreads(fragments[name]) - seen)
    return sorted(seen)


def build_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of every named operation in the `.graphql` files under `folder`."""
    documents = _documents(folder)
    definitions = [d for _, doc in documents for d in doc.definitions]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations = []
    names: set[str] = set()
    for path, doc in documents:
        for op in (d for d in doc.definitions if isinstance(d, OperationDefinitionNode)):
            if op.name is None:
                raise ValueError(f"{path}: every operation needs a name (the manifest lists them by name)")
            if op.name.value in names:
                raise ValueError(f"{path}: operation {op.name.value} is defined twice")
            names.add(op.name.value)
            parts = [op, *(fragments[n] for n in _fragments_used(op, fragments))]
            body = "\n\n".join(print_ast(p) for p in parts)
            operations.append({"id": sha256_hex(body), "body": body, "name": op.name.value,
                               "type": op.operation.value})
    return {"format": MANIFEST_FORMAT, "version": 1, "operations": operations}


def write_manifest(folder: Path, out: Path) -> str:
    """Build the manifest of `folder` into `out`; a one-line summary."""
    manifest = build_manifest(folder)
    out.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return f"{len(manifest['operations'])} operations written to {out}"
