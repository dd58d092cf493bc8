"""The guides' GraphQL examples run against the real API without errors, with the tokens they name."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import shlex
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cli
from graph.driver import Graph
from graph.interactions import purchase_triples
from recommend import store
from recommend.matrix import from_triples
from recommend.train import train
from server import create_app
from settings import PROJECT_ROOT, Settings
from tests.conftest import GraphQL

DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
TOKEN_COMMENT = re.compile(r"^# token: (.+)$", re.MULTILINE)


def examples(text: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(query, variables) of each ```graphql block; variables from a ```json block right after it."""
    blocks = list(FENCE.finditer(text))
    found = []
    for i, block in enumerate(blocks):
        if block.group(1) != "graphql":
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        variables = None
        if following and following.group(1) == "json" and not text[block.end():following.start()].strip():
            variables = json.loads(following.group(2))
        found.append((block.group(2), variables))
    return found


def token_for(query: str) -> str | None:
    """The token a `# token: ARGS` comment asks `tunegraph token ARGS` for."""
    wanted = TOKEN_COMMENT.search(query)
    if wanted is None:
        return None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["token", *shlex.split(wanted.group(1))]) == 0
    return out.getvalue().strip()


@pytest.fixture(scope="module")
async def api(graph: Graph, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[GraphQL]:
    """The API as `make run` serves it: Chinook, and a recommender trained on its purchases."""
    model_dir = tmp_path_factory.mktemp("models")
    store.save(train(from_triples([t async for t in purchase_triples(graph)])), model_dir)
    app = create_app(dataclasses.replace(settings, model_dir=model_dir))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as client:
            yield GraphQL(client)


CASES = [
    pytest.param(doc, n, query, variables, id=f"{doc.name}#{n}")
    for doc in DOCS
    for n, (query, variables) in enumerate(examples(doc.read_text(encoding="utf-8")), start=1)
]


def test_the_guides_have_examples_and_the_extraction_finds_them() -> None:
    assert any(doc.name == "getting-started.md" for doc in DOCS)
    fences = sum(doc.read_text(encoding="utf-8").count("```graphql\n") for doc in DOCS)
    assert len(CASES) == fences >= 5
    text = "```graphql\n# token: --partner p\n{ genres { name } }\n```\n\n```json\n{\"a\": 1}\n```\n```graphql\n{ x }\n```\n"
    assert examples(text) == [("# token: --partner p\n{ genres { name } }\n", {"a": 1}), ("{ x }\n", None)]


@pytest.mark.parametrize(("doc", "n", "query", "variables"), CASES)
async def test_example_runs_without_errors(
    api: GraphQL, doc: Path, n: int, query: str, variables: dict[str, Any] | None
) -> None:
    token = token_for(query)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    body = await api(query, variables, headers=headers)
    assert "errors" not in body, body
    data = body["data"]
    assert isinstance(data, dict)
    assert data, body
    assert all(value is not None for value in data.values()), data
