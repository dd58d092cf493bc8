"""Versioned model files (`model-000001.npz`, ...): save the next version atomically, load one or the newest."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from recommend.ann import IvfIndex
from recommend.model import Model
from recommend.weighting import Bm25

FORMAT = 1
_NAME = re.compile(r"^model-(\d{6,})\.npz$")


def path_of(directory: Path, version: int) -> Path:
    """The file name of a version."""
    return Path(directory) / f"model-{version:06d}.npz"


def latest_version(directory: Path | str) -> int | None:
    """The highest version in the directory, None if there is none (one directory listing)."""
    try:
        with os.scandir(directory) as entries:
            versions = [int(m.group(1)) for e in entries if (m := _NAME.match(e.name))]
    except FileNotFoundError:
        return None
    return max(versions, default=None)


def save(model: Model, directory: Path | str) -> Path:
    """Write the model as the next version; readers never see a partly written file.

    Assumes one writer at a time (two concurrent trainers could pick the same number).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    version = (latest_version(directory) or 0) + 1
    target = path_of(directory, version)
    metadata = {**model.metadata, "version": version, "format": FORMAT}
    handle, temporary = tempfile.mkstemp(prefix=".model-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, allow_pickle=False, **_arrays(model, metadata))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load(path: Path | str) -> Model:
    """Read one model file."""
    with np.load(path, allow_pickle=False) as data:
        metadata: dict[str, Any] = json.loads(str(data["metadata"][0]))
        if metadata.get("format") != FORMAT:
            raise ValueError(f"{path}: unsupported model format {metadata.get('format')!r}")
        weighting = metadata["weighting"]
        index = None
        if data["ann_centroids"].size:
            index = IvfIndex(data["ann_centroids"], data["ann_offsets"])
        return Model(
            item_ids=data["item_ids"].tolist(),
            user_ids=data["user_ids"].tolist(),
            item_factors=data["item_factors"],
            user_factors=data["user_factors"],
            popularity=data["popularity"],
            weighting=Bm25(
                idf=data["idf"], average_length=weighting["average_length"],
                k1=weighting["k1"], b=weighting["b"], binarize=weighting["binarize"],
            ),
            regularization=metadata["regularization"],
            alpha=metadata["alpha"],
            index=index,
            metadata={k: v for k, v in metadata.items() if k not in _MODEL_KEYS},
        )


def load_latest(directory: Path | str) -> Model | None:
    """The newest model in the directory, None if there is none."""
    version = latest_version(directory)
    return None if version is None else load(path_of(Path(directory), version))


_MODEL_KEYS = {"weighting", "regularization", "alpha", "format"}


def _arrays(model: Model, metadata: dict[str, Any]) -> dict[str, np.ndarray]:
    w = model.weighting
    stored = {
        **metadata,
        "weighting": {"average_length": w.average_length, "k1": w.k1, "b": w.b,
                      "binarize": w.binarize},
        "regularization": model.regularization,
        "alpha": model.alpha,
    }
    empty = np.zeros((0, model.factors), dtype=np.float32)
    return {
        "item_ids": np.array(model.item_ids, dtype=np.str_),
        "user_ids": np.array(model.user_ids, dtype=np.str_),
        "item_factors": model.item_factors,
        "user_factors": model.user_factors,
        "popularity": model.popularity,
        "idf": w.idf,
        "ann_centroids": model.index.centroids if model.index else empty,
        "ann_offsets": model.index.offsets if model.index else np.zeros(0, dtype=np.int64),
        "metadata": np.array([json.dumps(stored, sort_keys=True)], dtype=np.str_),
    }

