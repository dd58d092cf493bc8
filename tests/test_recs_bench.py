"""bench.recs_bench --saved: a model file served as the API loads it, with its size, load time and ANN recall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.recs_bench import saved_report
from recommend import store
from recommend.synthetic import random_model


def test_a_saved_model_is_served_as_it_was_indexed(tmp_path: Path) -> None:
    model = random_model(20_000, n_users=7, factors=16, seed=5, topics=50, n_lists=64)
    path = store.save(model, tmp_path)

    report: dict[str, Any] = saved_report(path, queries=30)

    assert (report["items"], report["users"], report["factors"]) == (20_000, 7, 16)
    assert report["ann_lists"] == 64  # the file's own index, not one rebuilt with today's settings
    assert report["file_gb"] == round(path.stat().st_size / 1e9, 2)
    assert isinstance(report["load_seconds"], float)
    assert 0.5 <= report["ann_recall_at_10"] <= 1.0
    assert {"p50_ms", "p99_ms"} <= set(report["ann"])
