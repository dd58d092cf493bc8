"""Token buckets on this host: the same arithmetic in memory and in the SQLite file the workers share."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from api.buckets import WINDOW_SECONDS, MemoryBuckets, Quota, SqliteBuckets
from api.ratelimit import RateLimiter, rate_limiter, share_buckets
from settings import PROJECT_ROOT, Settings

NOW = 1_000_000.0
Store = MemoryBuckets | SqliteBuckets


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return MemoryBuckets() if request.param == "memory" else SqliteBuckets(tmp_path / "buckets.sqlite3")


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
from api.buckets import SqliteBuckets
buckets = SqliteBuckets(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
print(sum(buckets.take("shared", 1, 400, 1e6).granted for _ in range(300)), flush=True)
"""


def test_workers_on_one_file_share_one_budget(tmp_path: Path) -> None:
    path = str(tmp_path / "buckets.sqlite3")
    SqliteBuckets(Path(path)).close()  # the file exists before both open it
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
    assert sum(granted) == 400  # 600 charges of 1 at a fixed clock: every grant counted once, no more
    assert all(g > 0 for g in granted)


def test_the_shared_file_stays_bounded(tmp_path: Path) -> None:
    buckets = SqliteBuckets(tmp_path / "buckets.sqlite3", max_callers=100, sweep_every=50)
    for i in range(1000):
        buckets.take(f"caller-{i}", 1, 10, NOW + i / 1000)
    rows = buckets.db.execute("SELECT count(*) FROM bucket").fetchone()[0]
    assert 100 <= rows <= 150
    latest = {r[0] for r in buckets.db.execute("SELECT key FROM bucket")}
    assert "caller-999" in latest
    assert "caller-0" not in latest
    buckets.sweep(NOW + 1 + WINDOW_SECONDS)  # idle a whole window: full, nothing to remember
    assert buckets.db.execute("SELECT count(*) FROM bucket").fetchone()[0] == 0


def test_memory_stays_bounded() -> None:
    buckets = MemoryBuckets(max_callers=100)
    for i in range(1000):
        buckets.take(f"caller-{i}", 1, 10, NOW)
    assert len(buckets.buckets) <= 100
    assert "caller-999" in buckets.buckets


def test_a_failing_shared_file_falls_back_to_the_process(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shared = SqliteBuckets(tmp_path / "buckets.sqlite3")
    limiter = RateLimiter(10, lambda: NOW, shared=shared)
    assert limiter.take_here("a", 10, 10).granted
    shared.close()
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        assert limiter.take_here("a", 10, 10).granted  # a fresh bucket of this process's
        for _ in range(3):
            assert limiter.take_here("a", 10, 10).retry_after > 0
    assert len([r for r in caplog.records if "buckets file" in r.message]) == 1  # then left alone a while


def test_a_broken_shared_file_leaves_each_worker_its_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "ratelimit.sqlite3").write_bytes(b"not a database" * 1000)
    settings = Settings(rate_limit=10, workers=2, data_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        limiter = rate_limiter(settings)
    assert limiter.shared is None
    assert any("each worker keeps its own budgets" in r.message for r in caplog.records)
    assert limiter.take("a", 10) == 0.0
    with pytest.raises(sqlite3.DatabaseError):
        SqliteBuckets(tmp_path / "ratelimit.sqlite3")


def test_the_limiter_settings_choose(tmp_path: Path) -> None:
    assert rate_limiter(Settings(rate_limit=10, workers=1, data_dir=tmp_path)).shared is None
    shared = rate_limiter(Settings(rate_limit=10, workers=4, data_dir=tmp_path)).shared
    assert shared is not None
    assert shared.path == tmp_path / "ratelimit.sqlite3"
    limiter = rate_limiter(Settings(rate_limit=10, rate_limit_max=25, data_dir=tmp_path))
    assert (limiter.limit_for(None), limiter.limit_for(5), limiter.limit_for(20), limiter.limit_for(99)) == (10, 5, 20, 25)
    assert rate_limiter(Settings(rate_limit=10, data_dir=tmp_path)).limit_for(10**9) == 100  # 10 x by default
    assert not rate_limiter(Settings(rate_limit=0, workers=4, data_dir=tmp_path)).enabled


def test_each_serve_starts_the_shared_buckets_afresh(tmp_path: Path) -> None:
    settings = Settings(rate_limit=10, workers=2, data_dir=tmp_path)
    before = rate_limiter(settings)
    assert before.take("a", 10) == 0.0
    assert before.take("a", 10) > 0.0
    share_buckets(settings)
    assert not list(tmp_path.glob("ratelimit.sqlite3*"))
    assert rate_limiter(settings).take("a", 10) == 0.0
