"""Plans kept by document text, and the schema extension that answers with them in place of the executor.

The extension is the last of the schema's: by the time its `on_execute` runs, the document was parsed,
measured against the limits and validated, the token checked and the rate budget charged; a request any
of those refused has its result already and is left alone.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator

from graphql import DocumentNode, GraphQLSchema, get_operation_ast
from graphql import ExecutionResult as GraphQLExecutionResult
from prometheus_client import Counter
from strawberry import Schema as StrawberrySchema
from strawberry.extensions import SchemaExtension

from api.bytecache import ByteLRU
from api.compiled.node_plan import NodePlan
from api.compiled.selection import Fallback, Unsupported

log = logging.getLogger("tunegraph.api")

PLAN_BYTES = 16 * 1024 * 1024
"""What the plans kept may hold in all, by the estimate below."""
PLAN_OVERHEAD = 32 * 1024
"""An upper bound on what one plan's closures and argument slots keep, beside its document's text."""
COMPILED = Counter(
    "tunegraph_compiled_requests", "Operations offered to compiled plans, by outcome", ["outcome"]
)
"""planned: answered by a plan; fallback: a plan's document, this request left to the executor;
error: the plan failed (Neo4j away), the executor answers; unsupported: a document no plan covers."""


class PlanCache:
    """Plans (or the verdict that none covers it) by schema, document text and operation name."""

    def __init__(self, capacity: int = PLAN_BYTES) -> None:
        self.plans: ByteLRU[tuple[GraphQLSchema, str, str | None], tuple[NodePlan | None]] = ByteLRU(
            capacity, capacity // 16
        )

    def known(
        self, schema: StrawberrySchema, query: str, operation: str | None, document: DocumentNode
    ) -> NodePlan | None:
        """The plan compiled for this document's operation before, if any (nothing is compiled here).

        Without an operation name the executor names the document's only operation: plans are kept
        under that name.
        """
        if operation is None and (only := get_operation_ast(document)) is not None and only.name is not None:
            operation = only.name.value
        found = self.plans.get((schema._schema, query, operation))
        return found[0] if found is not None else None

    def plan(
        self, schema: StrawberrySchema, query: str, operation: str | None, document: DocumentNode
    ) -> NodePlan | None:
        """The plan of this document's operation, compiled on first sight; None where no plan covers it."""
        key = (schema._schema, query, operation)
        if (found := self.plans.get(key)) is not None:
            return found[0]
        try:
            made: NodePlan | None = NodePlan(schema, document, operation)
        except Unsupported:
            made = None
        self.plans.put(key, (made,), 2 * sys.getsizeof(query) + PLAN_OVERHEAD)
        return made


PLANS = PlanCache()


def enabled(context: object) -> bool:
    """Whether this app answers with plans (TUNEGRAPH_COMPILED, on by default)."""
    settings = getattr(getattr(context, "services", None), "settings", None)
    return bool(getattr(settings, "compiled", False))


class CompiledPlans(SchemaExtension):
    """Answer a covered operation with its plan, after every check; the executor answers the rest."""

    async def on_execute(self) -> AsyncIterator[None]:
        """Set the result from the plan, unless a check already set it or the plan falls back."""
        ctx = self.execution_context
        if ctx.result is None and not ctx.pre_execution_errors and ctx.query and enabled(ctx.context):
            assert ctx.graphql_document is not None
            plan = PLANS.plan(ctx.schema, ctx.query, ctx.operation_name, ctx.graphql_document)
            if plan is None:
                COMPILED.labels("unsupported").inc()
            else:
                try:
                    data = await plan.run(ctx.context, ctx.variables)
                except Fallback as reason:
                    log.debug("compiled plan fell back: %s", reason)
                    COMPILED.labels("fallback").inc()
                except Exception:  # Neo4j away, or a plan's own fault: the executor answers (and reports) it
                    log.warning("compiled plan failed; the executor answers", exc_info=True)
                    COMPILED.labels("error").inc()
                else:
                    COMPILED.labels("planned").inc()
                    ctx.result = GraphQLExecutionResult(data=data, errors=None)
        yield
