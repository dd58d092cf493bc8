"""The recommender a server holds: the served model (polled, with its artist space) and the sale indexes."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from graph import catalog_version, interactions
from graph.driver import Graph
from graph.sale_index import SaleIndexes
from recommend.holder import POLL_SECONDS as POLL_SECONDS
from recommend.holder import ModelHolder, Served
from recommend.model import Model


class Recommender:
    """What recommendation panels read besides the graph; `open` it in a lifespan and `close` it after.

    A new model version is swapped in only once its artist space and its sale index are built, so no
    request waits for them.
    """

    def __init__(self, graph: Graph, model_dir: Path, poll_seconds: float = POLL_SECONDS) -> None:
        self._graph = graph
        self.sales = SaleIndexes(graph)
        self.models = ModelHolder(model_dir, partial(interactions.artist_tracks, graph), poll_seconds, self._prepare)

    @property
    def current(self) -> Served | None:
        """The model version served now (with its artist space), None before one is trained."""
        return self.models.current

    @property
    def version(self) -> int | None:
        """The model version number served now."""
        return self.models.version

    @classmethod
    async def open(cls, model_dir: Path, graph: Graph, poll_seconds: float = POLL_SECONDS) -> Recommender:
        """A recommender serving the newest model in `model_dir` (if any), polling it for newer ones."""
        recommender = cls(graph, model_dir, poll_seconds)
        await recommender.models.start()
        return recommender

    async def close(self) -> None:
        """Stop polling."""
        await self.models.stop()

    async def _prepare(self, model: Model) -> None:
        await self.sales.prepare(model.item_index, await catalog_version.current(self._graph))
