"""Admission of a query document before execution: each step bounded in work, each cache in bytes.

In order: the text's size; parsing (tokens and nesting bounded by the parser); the census of the whole
document (api/census.py); the measure of the operation to run (api/limits.py); only then validation, whose
rule for overlapping fields grows with the square of same-name fields; last, the caller's rate budget.
Documents that pass are kept, parsed and validated, in a cache that counts the bytes they hold.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from graphql.language.parser import MAX_NESTING_DEPTH as PARSER_NESTING
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from api.bytecache import ByteLRU
from api.census import Census, take_census
from api.limits import (
    MAX_BYTES,
    MAX_NESTING,
    MAX_TOKENS,
    Measure,
    MeasureCache,
    judge,
    measure,
    operation_of,
    too_complex,
)
from api.ratelimit import charge

DOCUMENT_BYTES = 64 * 1024 * 1024
"""What the parsed documents kept may hold in all, by `retained_bytes`."""
LARGEST_DOCUMENT = 2 * 1024 * 1024
"""A parsed document that holds more is parsed again each time rather than kept."""
NODE_BYTES = 320
"""An upper bound on what one AST node or token keeps (tracemalloc measures 170-230 bytes)."""

_TOKENS_ERROR = re.compile(r"Document contains more than \d+ tokens")
_NESTING_ERROR = re.compile(r"Document is nested too deeply")


def retained_bytes(query: str, census: Census) -> int:
    """What a parsed document keeps, at most: its text, the values its tokens copy, its nodes and tokens."""
    return 2 * sys.getsizeof(query) + NODE_BYTES * (census.nodes + census.tokens)


class QueryCaches:
    """Documents parsed and validated, by schema and query text; and the measures of their operations."""

    def __init__(self, document_bytes: int = DOCUMENT_BYTES) -> None:
        self.documents: ByteLRU[tuple[GraphQLSchema, str], DocumentNode] = ByteLRU(document_bytes, LARGEST_DOCUMENT)
        self.measures = MeasureCache()


CACHES = QueryCaches()


class QueryLimits(SchemaExtension):
    """Refuse a document over any limit before validation and before any Cypher; charge the caller its cost."""

    def __init__(self, caches: QueryCaches = CACHES) -> None:
        super().__init__()
        self.caches = caches
        self.refusal: GraphQLError | None = None
        self.validated = False

    def on_operation(self) -> Iterator[None]:
        """Parse with the token limit."""
        self.execution_context.parse_options["max_tokens"] = MAX_TOKENS
        yield

    def on_parse(self) -> Iterator[None]:
        """The document kept for this text, else the text parsed within its limits."""
        ctx = self.execution_context
        if ctx.query and ctx.graphql_document is None:
            found = self.caches.documents.get((ctx.schema._schema, ctx.query))
            self.validated = found is not None
            ctx.graphql_document = self.parse(ctx.query) if found is None else found
        yield

    def parse(self, query: str) -> DocumentNode:
        """The document; a stand-in, with `refusal` set, when its text is over a limit or does not parse."""
        ctx = self.execution_context
        size = len(query.encode("utf-8", "surrogatepass"))
        if size > MAX_BYTES:
            return self.refuse(too_complex("bytes", size, MAX_BYTES))
        try:
            return parse(query, **ctx.parse_options)
        except GraphQLError as error:
            if _TOKENS_ERROR.search(error.message):
                error = too_complex("tokens", MAX_TOKENS + 1, MAX_TOKENS)  # the parser stops at the first past it
            elif _NESTING_ERROR.search(error.message):
                error = too_complex("nesting", PARSER_NESTING + 1, MAX_NESTING)
            return self.refuse(error)

    def refuse(self, error: GraphQLError) -> DocumentNode:
        """A stand-in document for the operation asked for, that no one runs: the refusal is reported instead.

        strawberry reports errors raised from a parse hook outside the operation, past ErrorPolicy; an error
        put in place of validation's is reported like any other.
        """
        self.refusal = error
        name = self.execution_context.operation_name
        typename = SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),))
        operation = OperationDefinitionNode(
            operation=OperationType.QUERY, name=NameNode(value=name) if name else None, selection_set=typename
        )
        return DocumentNode(definitions=(operation,))

    def on_validate(self) -> Iterator[None]:
        """The refusal, or the limits and validation in their place of validation (then RateLimit charges)."""
        ctx = self.execution_context
        if self.refusal is not None:
            ctx.pre_execution_errors = [self.refusal]
        elif ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            ctx.pre_execution_errors = self.admit(ctx.graphql_document)
        yield

    def admit(self, document: DocumentNode) -> list[GraphQLError]:
        """The errors that keep this operation from running, a limit or validation; else its cost is charged."""
        ctx = self.execution_context
        census = None if self.validated else take_census(document)
        if census is not None and (error := census.refusal()) is not None:
            return [error]
        found = self.measure(document)
        if (error := judge(found, operation_of(document, ctx.operation_name))) is not None:
            return [error]
        if census is not None:
            rules = (*ctx.validation_rules, MaxIntrospectionDepthRule)
            if errors := validate_document(ctx.schema._schema, document, rules):
                return errors
            if ctx.query is not None:
                key = (ctx.schema._schema, ctx.query)
                self.caches.documents.put(key, document, retained_bytes(ctx.query, census))
        charge(ctx.context, found.cost)
        return []

    def measure(self, document: DocumentNode) -> Measure:
        """The measure of the operation to run, from the cache when this text and its sizing values were seen."""
        ctx = self.execution_context
        schema = ctx.schema._schema
        if ctx.query is None:
            return measure(schema, document, ctx.operation_name, ctx.variables)
        return self.caches.measures.measure(schema, ctx.query, document, ctx.operation_name, ctx.variables)
