"""The served model's lifecycle: load the newest version, derive what it needs, swap, poll for the next."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zipfile
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from recommend import blas, store
from recommend.model import Model
from recommend.serve import GroupSpace, group_space

POLL_SECONDS = 2.0
"""How long a newly saved model version may go unserved."""

ArtistGroups = Callable[[Collection[str]], Awaitable[Mapping[str, Sequence[str]]]]
"""The tracks of each artist, restricted to the given track keys (read from the graph by the caller)."""
Prepare = Callable[[Model], Awaitable[None]]
"""Whatever else must be ready for a model before it is served (the caller's per-model indexes)."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Served:
    """One model version with what is derived from it; requests take it once and keep it."""

    model: Model
    version: int
    artists: GroupSpace


class ModelHolder:
    """Loads the newest model version of a directory, builds its artist space, swaps both in at once.

    A swap is one reference assignment of a complete `Served`, so a request in flight keeps the
    version it started with and never sees a model without its artist vectors. `start` loads what
    is there and polls every `poll_seconds` for newer versions; `stop` ends the polling. Starting a
    holder makes BLAS single-threaded for the process (see `recommend.blas.serve_single_threaded`).
    """

    def __init__(
        self, directory: Path | str, artist_groups: ArtistGroups, poll_seconds: float = POLL_SECONDS,
        prepare: Prepare | None = None,
    ) -> None:
        self._directory = Path(directory)
        self._artist_groups = artist_groups
        self._prepare = prepare
        self._poll_seconds = poll_seconds
        self._served: Served | None = None
        self._failed: int | None = None
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None

    @property
    def current(self) -> Served | None:
        """The version served now, None until one is loaded."""
        return self._served

    @property
    def version(self) -> int | None:
        """The version number served now."""
        served = self._served
        return served.version if served else None

    async def start(self) -> None:
        """Serve the newest version there is (a failure is logged) and keep polling for newer ones."""
        blas.serve_single_threaded()
        try:
            await self.refresh()
        except Exception as exc:  # the API still starts; the poll retries
            _log.warning("could not prepare recommender model: %s", exc)
        self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        """Stop polling; the current version stays readable."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def refresh(self) -> bool:
        """Swap in the directory's newest version if it is not the one served; True if swapped.

        Cheap when nothing changed (one directory listing). Deleting the newest file rolls back to
        the one before. A file that fails to load is logged and skipped until another version
        appears; a failure to derive (the graph is down) is raised and retried at the next poll.
        """
        latest = await asyncio.to_thread(store.latest_version, self._directory)
        if latest is None or latest in (self._failed, self.version):
            return False
        async with self._lock:
            if latest == self.version:
                return False
            try:
                model = await asyncio.to_thread(store.load, store.path_of(self._directory, latest))
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                _log.exception("cannot load model version %d", latest)
                self._failed = latest
                return False
            groups = await self._artist_groups(model.item_index.keys())
            artists = await asyncio.to_thread(group_space, model, groups)
            if self._prepare is not None:
                await self._prepare(model)
            self._served = Served(model, latest, artists)
            _log.info("recommender model version %d served", latest)
            return True

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.refresh()
            except Exception as exc:  # a bad poll must not end polling; the next one retries
                _log.warning("could not prepare recommender model: %s", exc)
