"""The served model's lifecycle: load, derive, swap as one, poll, skip a corrupt file, roll back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from pathlib import Path

import pytest

from recommend import store
from recommend.holder import ModelHolder
from recommend.model import Model
from recommend.serve import recommend_for_items, similar_groups


async def by_first_letter(tracks: Collection[str]) -> dict[str, list[str]]:
    """Artist groups of the two-cluster model: "a" items by one artist, "b" items by another."""
    return {artist: [t for t in tracks if t.startswith(artist)] for artist in ("a", "b")}


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_newer_versions_are_swapped_in_whole_and_readers_keep_theirs(model: Model, tmp_path: Path) -> None:
    holder = ModelHolder(tmp_path, by_first_letter)
    assert holder.current is None
    assert await holder.refresh() is False
    store.save(model, tmp_path)
    assert await holder.refresh() is True
    first = holder.current
    assert first is not None
    assert first.version == holder.version == 1
    assert similar_groups(first.model, first.artists, "a", 1)[0].item_id == "b"
    assert await holder.refresh() is False
    assert holder.current is first
    store.save(model, tmp_path)
    assert await holder.refresh() is True
    second = holder.current
    assert second is not None
    assert second is not first
    assert (first.version, second.version) == (1, 2)
    assert recommend_for_items(first.model, ["a1"], 3) == recommend_for_items(second.model, ["a1"], 3)


async def test_a_version_is_served_only_once_it_is_prepared(model: Model, tmp_path: Path) -> None:
    gate = asyncio.Event()
    prepared: list[Model] = []

    async def prepare(m: Model) -> None:
        prepared.append(m)
        await gate.wait()

    holder = ModelHolder(tmp_path, by_first_letter, prepare=prepare)
    store.save(model, tmp_path)
    gate.set()
    assert await holder.refresh() is True
    first = holder.current
    gate.clear()
    store.save(model, tmp_path)
    swapping = asyncio.create_task(holder.refresh())
    await until(lambda: len(prepared) == 2)
    assert holder.current is first
    gate.set()
    assert await swapping is True
    assert holder.current is not None
    assert holder.current.model is prepared[1]
    assert holder.version == 2


async def test_start_serves_the_newest_and_polls_for_the_next(model: Model, tmp_path: Path) -> None:
    store.save(model, tmp_path)
    store.save(model, tmp_path)
    holder = ModelHolder(tmp_path, by_first_letter, poll_seconds=0.02)
    await holder.start()
    try:
        assert holder.version == 2
        store.save(model, tmp_path)
        await until(lambda: holder.version == 3)
    finally:
        await holder.stop()
    store.save(model, tmp_path)
    await asyncio.sleep(0.1)
    assert holder.version == 3


async def test_a_failure_to_derive_leaves_the_version_unserved_until_a_retry(model: Model, tmp_path: Path) -> None:
    failures = [ConnectionError("graph down")]

    async def flaky(tracks: Collection[str]) -> dict[str, list[str]]:
        if failures:
            raise failures.pop()
        return await by_first_letter(tracks)

    holder = ModelHolder(tmp_path, flaky)
    store.save(model, tmp_path)
    with pytest.raises(ConnectionError):
        await holder.refresh()
    assert holder.current is None
    assert await holder.refresh() is True
    assert holder.version == 1


async def test_a_corrupt_file_is_skipped_and_the_last_good_version_kept(
    model: Model, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store.save(model, tmp_path)
    holder = ModelHolder(tmp_path, by_first_letter)
    await holder.refresh()
    store.path_of(tmp_path, 2).write_bytes(b"not a zip file")
    assert await holder.refresh() is False
    assert holder.version == 1
    assert "cannot load model version 2" in caplog.text
    assert await holder.refresh() is False
    store.save(model, tmp_path)
    assert await holder.refresh() is True
    assert holder.version == 3


async def test_removing_the_newest_file_rolls_back(model: Model, tmp_path: Path) -> None:
    store.save(model, tmp_path)
    newest = store.save(model, tmp_path)
    holder = ModelHolder(tmp_path, by_first_letter)
    await holder.refresh()
    assert holder.version == 2
    newest.unlink()
    assert await holder.refresh() is True
    assert holder.version == 1
