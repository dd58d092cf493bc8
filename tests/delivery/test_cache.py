"""The encode cache: one make however many ask, whole files only, least recently used evicted first."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from delivery.cache import MediaCache


class Producer:
    """Writes `size` bytes slowly enough for requests to overlap, counting how often it ran."""

    def __init__(self, size: int = 100, fail: bool = False) -> None:
        self.size, self.fail, self.runs = size, fail, 0
        self.lock = threading.Lock()

    def __call__(self, partial: Path) -> None:
        with self.lock:
            self.runs += 1
        partial.write_bytes(b"x" * (self.size // 2))
        time.sleep(0.2)
        if self.fail:
            raise ValueError("cannot encode")
        with partial.open("ab") as f:
            f.write(b"y" * (self.size - self.size // 2))


def _files_in(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file()]


def _age(path: Path, seconds_ago: float) -> None:
    then = time.time() - seconds_ago
    os.utime(path, (then, path.stat().st_mtime))


async def test_sixteen_concurrent_requests_make_the_file_once(tmp_path: Path) -> None:
    cache, make = MediaCache(tmp_path, 10_000), Producer()
    paths = await asyncio.gather(*(cache.get("a.mp3", make) for _ in range(16)))
    assert make.runs == 1 == cache.made
    assert {p.read_bytes() for p in paths} == {b"x" * 50 + b"y" * 50}


async def test_another_process_s_cache_finds_the_file_made_under_the_lock(tmp_path: Path) -> None:
    first, second, make = MediaCache(tmp_path, 10_000), MediaCache(tmp_path, 10_000), Producer()
    await asyncio.gather(first.get("a.mp3", make), second.get("a.mp3", make))
    assert make.runs == 1 == first.made + second.made


async def test_a_failed_make_fails_every_waiter_and_leaves_no_file(tmp_path: Path) -> None:
    cache, make = MediaCache(tmp_path, 10_000), Producer(fail=True)
    outcomes = await asyncio.gather(*(cache.get("a.mp3", make) for _ in range(4)), return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert make.runs == 1
    assert _files_in(tmp_path) == []
    assert cache.files() == []


async def test_the_least_recently_used_files_go_past_the_budget(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, 250)
    for name in ("a", "b", "c"):
        await cache.get(name, Producer())
    for name, ago in (("a", 300), ("b", 200), ("c", 100)):
        _age(tmp_path / name, ago)
    assert await cache.get("a", Producer()) == tmp_path / "a"  # a hit: a is now the most recently used
    await cache.get("d", Producer())
    assert sorted(p.name for p, _ in cache.files()) == ["a", "d"]
    assert cache.made == 4


async def test_files_used_within_the_last_minute_are_kept_even_over_budget(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, 50)
    await cache.get("a", Producer())
    await cache.get("b", Producer())
    assert sorted(p.name for p, _ in cache.files()) == ["a", "b"]
    _age(tmp_path / "a", 120)
    assert [p.name for p in cache.evict()] == ["a"]


@pytest.mark.parametrize("budget", [0, 99])
async def test_the_file_just_made_is_never_evicted(tmp_path: Path, budget: int) -> None:
    cache = MediaCache(tmp_path, budget)
    path = await cache.get("only", Producer())
    assert path.is_file()
