"""The import pipeline: every batch is written once, by concurrent writers, and a failure surfaces as itself."""

from __future__ import annotations

import asyncio

import pytest

from graph.importers import pipeline


async def test_every_batch_is_written_once_with_writers_overlapping() -> None:
    in_flight = 0
    most = 0
    written: list[list[int]] = []
    sizes: list[int] = []

    async def write(batch: list[int]) -> int:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        written.append(batch)
        return sum(batch)

    totals: list[int] = []

    def done(size: int, total: int) -> None:
        sizes.append(size)
        totals.append(total)

    await pipeline.write_batches(range(95), list, write, done, 10)

    assert sorted(x for batch in written for x in batch) == list(range(95))
    assert sorted(sizes) == [5] + [10] * 9
    assert sum(totals) == sum(range(95))
    assert most == pipeline.WRITERS


async def test_a_failing_write_raises_its_own_error() -> None:
    async def write(batch: list[int]) -> int:
        if 30 in batch:
            raise ValueError("batch with 30")
        await asyncio.sleep(0.01)
        return len(batch)

    with pytest.raises(ValueError, match="batch with 30"):
        await pipeline.write_batches(range(100), list, write, lambda size, result: None, 10)
