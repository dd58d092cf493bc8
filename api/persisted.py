"""Persisted queries: Apollo's automatic persisted queries (APQ) and a registered-only mode.

A client (Apollo Client's persisted-query link, urql's persistedExchange) sends
`extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}` without the query text. A
hash this process knows runs its query; an unknown one answers `PersistedQueryNotFound` (code
`PERSISTED_QUERY_NOT_FOUND`, HTTP 200), and the client sends the text with the hash once: the
hash is checked and the text kept. Over GET the request is then small and the same for every
client, so a CDN and the ETag caching serve it.

What clients register is kept per process in a store bounded in bytes (least recently used go
first). A manifest (`TUNEGRAPH_PERSISTED_QUERIES`, as `@apollo/generate-persisted-query-manifest`
writes it) is kept whole; with `TUNEGRAPH_PERSISTED_ONLY=1` only its queries run, by hash or text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from api.bytecache import ByteLRU
from api.context import Context
from api.errors import Code

STORE_BYTES = 8 * 1024 * 1024
"""What the queries clients register may take in one process (texts and hashes)."""
ENTRY_OVERHEAD = 64 + 100
"""Bytes counted for each kept query beyond its text: the hash and the bookkeeping."""
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
MANIFEST_FORMAT = "apollo-persisted-query-manifest"

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
TEXT_NOT_IN_LIST = "QUERY_NOT_IN_PERSISTED_QUERY_LIST"


def sha256_hex(query: str) -> str:
    """The hash a persisted query is known by: SHA-256 of its UTF-8 text, lower-case hex."""
    return hashlib.sha256(query.encode()).hexdigest()


class Refused(Exception):  # noqa: N818  (an answer to send, not a failure)
    """A persisted-query request answered with one error instead of running."""

    def __init__(self, message: str, code: str, status: int = 200, **extensions: Any) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code, **extensions})
        self.status = status


def _bad_request(message: str, reason: str | None = None) -> Refused:
    extra = {"reason": reason} if reason else {}
    return Refused(message, Code.BAD_REQUEST.value, 400, **extra)


def load_manifest(path: Path) -> dict[str, str]:
    """Query texts by hash from a manifest: Apollo's format, or a plain JSON map of hash to text.

    Every hash must be the SHA-256 of its text (the generator's default ids): clients send it.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"persisted query manifest {path}: cannot read it as JSON: {exc}") from None
    if isinstance(raw, dict) and "operations" in raw:
        if raw.get("format") != MANIFEST_FORMAT or raw.get("version") != 1:
            raise ValueError(f"persisted query manifest {path}: expected format {MANIFEST_FORMAT!r} version 1")
        operations = raw["operations"]
        if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
            raise ValueError(f"persisted query manifest {path}: `operations` must be a list of objects")
        pairs = [(op.get("id"), op.get("body")) for op in operations]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise ValueError(f"persisted query manifest {path}: expected an object")
    out: dict[str, str] = {}
    for i, (ident, body) in enumerate(pairs):
        if not isinstance(ident, str) or not isinstance(body, str):
            raise ValueError(f"persisted query manifest {path}: entry {i} needs a string id and body")
        if sha256_hex(body) != ident.lower():
            raise ValueError(f"persisted query manifest {path}: entry {i}: id {ident!r} is not the SHA-256 of its body")
        out[ident.lower()] = body
    return out


@dataclass
class QueryStore:
    """Query texts by hash: a manifest's, kept whole, and those clients registered, bounded in bytes (LRU)."""

    manifest: Mapping[str, str] = field(default_factory=dict)
    only: bool = False
    learned: ByteLRU[str, str] = field(default_factory=lambda: ByteLRU(STORE_BYTES, STORE_BYTES // 16))

    @classmethod
    def from_files(cls, manifest: Path | None, only: bool) -> QueryStore:
        """The store of a serving process; registered-only needs a manifest."""
        if only and manifest is None:
            raise ValueError("TUNEGRAPH_PERSISTED_ONLY needs TUNEGRAPH_PERSISTED_QUERIES (the manifest to allow)")
        return cls(load_manifest(manifest) if manifest else {}, only)

    def get(self, sha: str) -> str | None:
        """The query known by this hash, or None."""
        if (query := self.manifest.get(sha)) is not None:
            return query
        return None if self.only else self.learned.get(sha)

    def learn(self, sha: str, query: str) -> None:
        """Keep a query a client registered, the least recently used going to make room."""
        if not self.only and sha not in self.manifest:
            self.learned.put(sha, query, len(query.encode()) + ENTRY_OVERHEAD)

    def resolve(self, data: GraphQLRequestData) -> tuple[str | None, str | None]:
        """(query to run, hash to register once it ran); Refused when the request cannot run as sent."""
        extensions = data.extensions or {}
        if "persistedQuery" not in extensions:
            if self.only and data.query is not None and sha256_hex(data.query) not in self.manifest:
                raise _bad_request("This server runs only registered queries: send a persisted query's hash, "
                                   "not the text of one it does not know.", TEXT_NOT_IN_LIST)
            return data.query, None
        sha = _hash_of(extensions["persistedQuery"])
        if data.query is None:
            if (query := self.get(sha)) is not None:
                return query, None
            if self.only:
                raise _bad_request(f"Persisted query {sha} is not registered on this server.", NOT_IN_LIST)
            raise Refused("PersistedQueryNotFound", NOT_FOUND)
        if sha256_hex(data.query) != sha:
            raise _bad_request("provided sha does not match query")
        if self.only and sha not in self.manifest:
            raise _bad_request(f"Persisted query {sha} is not registered on this server.", NOT_IN_LIST)
        return data.query, sha


def _hash_of(persisted: object) -> str:
    """The hash of `extensions.persistedQuery`, checked; BAD_REQUEST naming what is wrong."""
    if not isinstance(persisted, dict):
        raise _bad_request("extensions.persistedQuery must be an object")
    if persisted.get("version") != 1:
        version = persisted.get("version")
        raise _bad_request(f"extensions.persistedQuery.version: only version 1 is supported, got {version!r}")
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not SHA256_HEX.fullmatch(sha):
        raise _bad_request("extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits")
    return sha.lower()


class PersistedGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with persisted queries: the query text looked up (or checked and kept) by hash."""

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET with only a persisted query's hash (no `query`) is an operation, not a browser visit."""
        if request.method == "GET" and "extensions" in request.query_params:
            return False
        return super().should_render_graphql_ide(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        store = context.services.persisted_queries
        try:
            query, register = store.resolve(request_data)
        except Refused as refused:
            if refused.status != 200:
                sub_response.status_code = refused.status
            return ExecutionResult(data=None, errors=[refused.error])
        request_data.query = query
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if register is not None and query is not None and result.data is not None:
            store.learn(register, query)
        return result
