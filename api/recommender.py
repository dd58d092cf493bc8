"""The recommender model a serving process answers with: loaded, polled for new versions, and what each derives."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from api.recommendations import ModelDerived
from graph.driver import Graph
from recommend.model import Model
from recommend.serve import GroupSpace
from recommend.store import ModelHolder

log = logging.getLogger("tunegraph")
POLL_SECONDS = 2.0
"""How often the model directory is looked at for a version `tunegraph recs train` saved."""


class Recommender:
    """The current model version (taken once per request) and its artist space, kept up to date by a poll."""

    def __init__(self, holder: ModelHolder, graph: Graph) -> None:
        self.holder = holder
        self.graph = graph
        self.derived = ModelDerived()
        self.poller: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, directory: Path, graph: Graph, every: float = POLL_SECONDS) -> Recommender:
        """Load the latest model in `directory` (if any) and start polling it every `every` seconds."""
        recommender = cls(await asyncio.to_thread(ModelHolder, directory), graph)
        recommender.poller = asyncio.create_task(recommender.poll(every))
        return recommender

    @property
    def current(self) -> Model | None:
        """The model requests answer with now, None before one is trained."""
        return self.holder.current

    @property
    def version(self) -> int | None:
        """The loaded model's version number."""
        return self.holder.version

    async def artist_space(self, model: Model) -> GroupSpace:
        """Unit vectors of the artists of `model`'s tracks, built once per version."""
        return await self.derived.artist_space(self.graph, model)

    async def poll(self, every: float) -> None:
        """Swap in newer model versions as `tunegraph recs train` saves them, without a restart,
        and build what each version derives (artist vectors) before a request has to wait for it."""
        swapped = self.holder.current is not None
        while True:
            try:
                if swapped and (model := self.holder.current) is not None:
                    await self.artist_space(model)
            except Exception as exc:  # requests build it themselves when the graph is back
                log.warning("could not prepare recommender model version %s: %s", self.holder.version, exc)
            await asyncio.sleep(every)
            try:
                swapped = await asyncio.to_thread(self.holder.reload_if_newer)
                if swapped:
                    log.info("recommender model version %s loaded", self.holder.version)
            except Exception:  # a bad poll must not end polling; the next one retries
                swapped = False
                log.exception("could not check for a new recommender model")

    async def close(self) -> None:
        """Stop polling."""
        if self.poller is not None:
            self.poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.poller
