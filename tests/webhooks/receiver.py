"""A partner's webhook receiver on a free loopback port: answers 500 or stalls when told to, records what it took."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webhooks import signing


@dataclass
class Receiver:
    """Deliveries per path: every request seen, and the events of those answered 200 (taken)."""

    port: int = 0
    fail_rate: float = 0.0
    stall_rate: float = 0.0
    stall_seconds: float = 1.0
    rng: random.Random = field(default_factory=lambda: random.Random(15))
    secrets: dict[str, str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    taken: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bad_signatures: int = 0

    def url(self, path: str) -> str:
        """The URL of one partner's endpoint."""
        return f"http://127.0.0.1:{self.port}/{path}"

    async def handle(self, request: Request) -> Response:
        path = request.path_params["path"]
        body = await request.body()
        self.seen[path] = self.seen.get(path, 0) + 1
        header = request.headers.get(signing.HEADER, "")
        timestamp = int(header.partition("t=")[2].partition(",")[0] or 0)
        if not signing.verify(self.secrets.get(path, ""), header, body, timestamp):
            self.bad_signatures += 1
            return Response(status_code=400)
        roll = self.rng.random()
        if roll < self.stall_rate:
            await asyncio.sleep(self.stall_seconds)  # the sender gives up first; this one is not taken
            return Response(status_code=503)
        if roll < self.stall_rate + self.fail_rate:
            return Response(status_code=500)
        self.taken.setdefault(path, []).extend(json.loads(body)["events"])
        return Response(status_code=204)


@asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    """Serve the receiver on a free loopback port for the duration of the block."""
    app = Starlette(routes=[Route("/{path}", receiver.handle, methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    receiver.port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
        sock.close()
