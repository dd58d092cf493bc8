"""Token buckets on this host: the same arithmetic in memory and in the file the workers share."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from api.buckets import _SLOT, WINDOW_SECONDS, MemoryBuckets, Quota, SharedBuckets
from api.ratelimit import RateLimiter, rate_limiter, share_buckets
from settings import PROJECT_ROOT, Settings

NOW = 1_000_000.0
Store = MemoryBuckets | SharedBuckets


@pytest.fixture(params=["memory", "shared"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return MemoryBuckets() if request.param == "memory" else SharedBuckets(tmp_path / "ratelimit.buckets")


def test_a_bucket_refills_continuously(store: Store) -> None:
    assert store.take("a", 600, 600, NOW) == Quota(True, 600, 600, 0.0)
    refused = store.take("a", 50, 600, NOW)
    assert not refused.granted
    assert refused.retry_after == 5.0  # 50 at 10 per second
    assert store.take("a", 50, 600, NOW + 2).retry_after == 3.0  # 20 refilled, 30 missing
    assert store.take("a", 50, 600, NOW + 5) == Quota(True, 50, 600, 0.0)


def test_refusals_cost_nothing_and_a_bucket_holds_at_most_its_limit(store: Store) -> None:
    assert store.take("a", 60, 60, NOW).granted
    for _ in range(5):
        assert store.take("a", 30, 60, NOW).retry_after == 30.0
    full = store.take("a", 0, 60, NOW + 3600)
    assert full == Quota(True, 0, 60, 60.0)
    assert full.reset_seconds == 0.0
    assert store.take("a", 61, 60, NOW + 3600).retry_after == WINDOW_SECONDS  # never affordable


def test_a_clock_that_goes_back_refills_nothing(store: Store) -> None:
    assert store.take("a", 10, 10, NOW).granted
    assert store.take("a", 1, 10, NOW - 3600).tokens == 0.0


def test_callers_and_budgets_are_separate(store: Store) -> None:
    assert store.take("a", 10, 10, NOW).granted
    assert not store.take("a", 1, 10, NOW).granted
    assert store.take("b", 10, 10, NOW).granted
    # a bigger budget (a token's claim) fills the same bucket further
    assert store.take("a", 15, 20, NOW + 60).tokens == 5.0
    assert store.take("a", 0, 20, NOW + 60).reset_seconds == 45.0


SPENDER = """
import sys
from pathlib import Path
from api.buckets import SharedBuckets
buckets = SharedBuckets(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
print(sum(buckets.take("shared", 1, 4000, 1e6).granted for _ in range(3000)), flush=True)
"""


def test_workers_on_one_file_share_one_budget(tmp_path: Path) -> None:
    path = str(tmp_path / "ratelimit.buckets")
    spenders = [subprocess.Popen([sys.executable, "-c", SPENDER, path], cwd=PROJECT_ROOT, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for spender in spenders:
            assert spender.stdout is not None
            assert spender.stdout.readline().strip() == "ready"
        for spender in spenders:  # both charge at once
            assert spender.stdin is not None
            spender.stdin.write("go\n")
            spender.stdin.flush()
        granted = [int(spender.communicate(timeout=60)[0]) for spender in spenders]
    finally:
        for spender in spenders:
            spender.kill()
    assert sum(granted) == 4000  # 6000 charges of 1 at a fixed clock: every grant counted once, no more
    assert all(g > 0 for g in granted)


def test_the_shared_file_has_a_fixed_size_and_forgets_the_least_recently_charged(tmp_path: Path) -> None:
    buckets = SharedBuckets(tmp_path / "ratelimit.buckets", slots=64)
    size = (tmp_path / "ratelimit.buckets").stat().st_size
    for i in range(1000):
        buckets.take(f"caller-{i}", 1, 10, NOW + i / 1000)
    assert (tmp_path / "ratelimit.buckets").stat().st_size == size == 16 + 64 * 32
    assert buckets.take("caller-999", 1, 10, NOW + 999 / 1000).tokens == 8.0  # still known
    assert buckets.take("caller-0", 1, 10, NOW + 1).tokens == 9.0  # forgotten: a full bucket again


def test_in_a_full_neighbourhood_the_idle_give_way(tmp_path: Path) -> None:
    buckets = SharedBuckets(tmp_path / "ratelimit.buckets", slots=8)  # one neighbourhood of PROBE slots
    for i in range(8):
        buckets.take(f"caller-{i}", 5, 10, NOW)
    busy = [f"caller-{i}" for i in range(8) if i != 3]
    for key in busy:
        buckets.take(key, 0, 10, NOW + 1)
    assert buckets.take("newcomer", 10, 10, NOW + 1).granted
    assert [buckets.take(key, 0, 10, NOW + 1).tokens for key in busy] == [5 + 10 / 60] * 7
    assert buckets.take("caller-3", 0, 10, NOW + 1).tokens == 10.0  # its slot went to the newcomer


def test_a_damaged_bucket_reads_as_full(tmp_path: Path) -> None:
    buckets = SharedBuckets(tmp_path / "ratelimit.buckets", slots=8)
    buckets.take("a", 10, 10, NOW)
    for offset in range(16, 16 + 8 * 32, 32):  # as a worker killed halfway through a write could leave it
        digest, _, stamp = _SLOT.unpack_from(buckets.map, offset)
        _SLOT.pack_into(buckets.map, offset, digest, float("nan"), stamp)
    assert buckets.take("a", 0, 10, NOW).tokens == 10.0


def test_memory_stays_bounded() -> None:
    buckets = MemoryBuckets(max_callers=100)
    for i in range(1000):
        buckets.take(f"caller-{i}", 1, 10, NOW)
    assert len(buckets.buckets) <= 100
    assert "caller-999" in buckets.buckets


def test_a_failing_shared_file_falls_back_to_the_process(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shared = SharedBuckets(tmp_path / "ratelimit.buckets")
    limiter = RateLimiter(10, lambda: NOW, shared=shared)
    assert limiter.take_here("a", 10, 10).granted
    shared.close()
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        assert limiter.take_here("a", 10, 10).granted  # a fresh bucket of this process's
        for _ in range(3):
            assert limiter.take_here("a", 10, 10).retry_after > 0
    assert len([r for r in caplog.records if "buckets file" in r.message]) == 1  # then left alone a while


def test_a_broken_shared_file_leaves_each_worker_its_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "ratelimit.buckets").write_bytes(b"not a buckets file" * 1000)
    settings = Settings(rate_limit=10, workers=2, data_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        limiter = rate_limiter(settings)
    assert limiter.shared is None
    assert any("each worker keeps its own budgets" in r.message for r in caplog.records)
    assert limiter.take("a", 10) == 0.0
    with pytest.raises(ValueError, match="not a buckets file"):
        SharedBuckets(tmp_path / "ratelimit.buckets")


def test_the_limiter_settings_choose(tmp_path: Path) -> None:
    assert rate_limiter(Settings(rate_limit=10, workers=1, data_dir=tmp_path)).shared is None
    shared = rate_limiter(Settings(rate_limit=10, workers=4, data_dir=tmp_path)).shared
    assert shared is not None
    assert shared.path == tmp_path / "ratelimit.buckets"
    limiter = rate_limiter(Settings(rate_limit=10, rate_limit_max=25, data_dir=tmp_path))
    assert (limiter.limit_for(None), limiter.limit_for(5), limiter.limit_for(20), limiter.limit_for(99)) == (10, 5, 20, 25)
    assert rate_limiter(Settings(rate_limit=10, data_dir=tmp_path)).limit_for(10**9) == 100  # 10 x by default
    assert RateLimiter(10, max_per_minute=-5).limit_for(50) == 10  # never below the base
    assert not rate_limiter(Settings(rate_limit=0, workers=4, data_dir=tmp_path)).enabled


def test_each_serve_starts_the_shared_buckets_afresh(tmp_path: Path) -> None:
    settings = Settings(rate_limit=10, workers=2, data_dir=tmp_path)
    before = rate_limiter(settings)
    assert before.take("a", 10) == 0.0
    assert before.take("a", 10) > 0.0
    share_buckets(settings)
    assert not list(tmp_path.glob("ratelimit.buckets*"))
    assert rate_limiter(settings).take("a", 10) == 0.0
