"""What every resolver can reach during one request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from api.auth import Viewer
from api.errors import ApiError
from api.loaders import Loaders
from graph.driver import Graph

if TYPE_CHECKING:  # api.services imports the limiter, which imports this module
    from api.services import Services


@dataclass
class Context:
    """The request, the graph, per-request loaders, the process's services and the caller."""

    request: Request | WebSocket
    response: Response | None
    graph: Graph
    loaders: Loaders
    services: Services
    viewer: Viewer | None = None
    token_error: ApiError | None = None
    cost: int | None = None  # measured by QueryLimits, charged by RateLimit
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def today(self) -> date:
        """Today in UTC: the day rights are judged on."""
        return self.now.date()


Info = StrawberryInfo[Context, None]
