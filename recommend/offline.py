"""Batch top-k for every user of an interactions file (`tunegraph recs offline`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

import recommend.train as training
from recommend.matrix import Interactions, read_tsv
from recommend.model import Model, factors_for
from recommend.ranking import top_k_rows
from recommend.serve import search

HEADER = "user\titem\trank\tscore\n"


def run_offline(
    train: Path, k: int, out: Path, config: training.TrainConfig | None = None
) -> str:
    """Train the production model on a file and write each user's top k new items as TSV."""
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    started = time.perf_counter()
    interactions = read_tsv(train)
    model = training.train(interactions, config)
    rows = 0
    with Path(out).open("w", encoding="utf-8", newline="") as stream:
        stream.write(HEADER)
        for user, ranked in _recommendations(model, interactions, k):
            rows += _write(stream, user, ranked)
    seconds = time.perf_counter() - started
    return (
        f"wrote {rows} recommendations for {interactions.n_users} users "
        f"({interactions.n_items} items, {interactions.matrix.nnz} interactions) "
        f"to {out} in {seconds:.1f}s"
    )


def _recommendations(
    model: Model, interactions: Interactions, k: int
) -> Iterator[tuple[str, list[tuple[str, float]]]]:
    if model.index is None:
        yield from _exact(model, interactions, k)
    else:
        yield from _approximate(model, interactions, k)


def _exact(
    model: Model, interactions: Interactions, k: int
) -> Iterator[tuple[str, list[tuple[str, float]]]]:
    items = factors_for(model, interactions.item_ids)
    rows = np.arange(interactions.n_users)
    top, scores = top_k_rows(
        lambda batch: model.user_factors[batch] @ items.T, interactions.matrix, rows, k
    )
    for user, (indices, values) in enumerate(zip(top, scores, strict=True)):
        ranked = [(interactions.item_ids[i], float(s))
                  for i, s in zip(indices, values, strict=True) if i >= 0]
        yield interactions.user_ids[user], ranked


def _approximate(
    model: Model, interactions: Interactions, k: int
) -> Iterator[tuple[str, list[tuple[str, float]]]]:
    # the model's items are in ANN cluster order, so owned items are mapped by id
    to_model = np.array([model.item_index[i] for i in interactions.item_ids], dtype=np.int64)
    for user in range(interactions.n_users):
        owned = to_model[interactions.items_of(user)]
        ranked = search(model, model.user_factors[user], k, owned)
        yield interactions.user_ids[user], [(model.item_ids[i], s) for i, s in ranked]


def _write(stream: TextIO, user: str, ranked: list[tuple[str, float]]) -> int:
    for rank, (item, value) in enumerate(ranked, start=1):
        stream.write(f"{user}\t{item}\t{rank}\t{value:.6g}\n")
    return len(ranked)
