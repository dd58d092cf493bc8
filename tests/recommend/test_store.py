"""Versioned model files: atomic saves, loads, the newest version."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from recommend import store
from recommend.model import Model
from recommend.serve import recommend_for_items, similar_items
from recommend.synthetic import random_model


def _same(a: Model, b: Model) -> None:
    assert a.item_ids == b.item_ids
    assert a.user_ids == b.user_ids
    assert np.array_equal(a.item_factors, b.item_factors)
    assert np.array_equal(a.user_factors, b.user_factors)
    assert np.array_equal(a.popularity, b.popularity)
    assert np.array_equal(a.weighting.idf, b.weighting.idf)
    assert a.weighting.average_length == b.weighting.average_length
    assert (a.regularization, a.alpha) == (b.regularization, b.alpha)


def test_round_trip_gives_the_same_model_and_answers(model: Model, tmp_path: Path) -> None:
    path = store.save(model, tmp_path)
    loaded = store.load(path)
    _same(model, loaded)
    assert loaded.index is None
    assert loaded.version == 1
    assert loaded.metadata["counts"] == model.metadata["counts"]
    assert loaded.metadata["created_at"] == model.metadata["created_at"]
    assert recommend_for_items(loaded, ["a1", "a2"], 5) == recommend_for_items(
        model, ["a1", "a2"], 5)


def test_round_trip_keeps_the_ann_index(tmp_path: Path) -> None:
    indexed = random_model(2_000, factors=8, seed=2)
    loaded = store.load(store.save(indexed, tmp_path))
    _same(indexed, loaded)
    assert indexed.index is not None
    assert loaded.index is not None
    assert np.array_equal(loaded.index.centroids, indexed.index.centroids)
    assert np.array_equal(loaded.index.offsets, indexed.index.offsets)
    assert similar_items(loaded, "i7", 5) == similar_items(indexed, "i7", 5)


def test_files_hold_no_pickles_and_plain_metadata(model: Model, tmp_path: Path) -> None:
    path = store.save(model, tmp_path)
    with np.load(path, allow_pickle=False) as data:
        assert data["item_ids"].dtype.kind == "U"
        metadata = json.loads(str(data["metadata"][0]))
    assert metadata["version"] == 1
    assert metadata["config"]["factors"] == model.factors


def test_versions_count_up_and_leave_no_temporary_files(model: Model, tmp_path: Path) -> None:
    assert store.latest_version(tmp_path) is None
    assert store.latest_version(tmp_path / "missing") is None
    assert store.load_latest(tmp_path) is None
    paths = [store.save(model, tmp_path) for _ in range(3)]
    assert [p.name for p in paths] == [f"model-00000{n}.npz" for n in (1, 2, 3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]
    assert store.latest_version(tmp_path) == 3
    latest = store.load_latest(tmp_path)
    assert latest is not None
    assert latest.version == 3


def test_unfinished_and_foreign_files_are_not_versions(model: Model, tmp_path: Path) -> None:
    store.save(model, tmp_path)
    (tmp_path / ".model-abc.tmp").write_bytes(b"half a file")
    (tmp_path / "model-000009.npz.tmp").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("hello")
    assert store.latest_version(tmp_path) == 1
    assert store.save(model, tmp_path).name == "model-000002.npz"


def test_a_failed_save_leaves_nothing_behind(model: Model, tmp_path: Path) -> None:
    broken = dataclasses.replace(model, metadata={"not json": object()})
    with pytest.raises(TypeError):
        store.save(broken, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_an_unknown_format(model: Model, tmp_path: Path) -> None:
    path = store.save(model, tmp_path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    metadata = json.loads(str(arrays["metadata"][0]))
    arrays["metadata"] = np.array([json.dumps({**metadata, "format": 99})])
    np.savez(path, allow_pickle=False, **arrays)
    with pytest.raises(ValueError, match="unsupported model format 99"):
        store.load(path)
    assert zipfile.is_zipfile(path)
