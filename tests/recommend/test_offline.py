"""`recs offline`: top-k per user as TSV."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from recommend.matrix import read_tsv
from recommend.offline import run_offline
from tests.recommend.conftest import SMALL, clustered, write_tsv


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


@pytest.mark.parametrize("ann_min_items", [1_000_000, 10])
def test_offline_writes_top_k_new_items_per_user(tmp_path: Path, ann_min_items: int) -> None:
    source = write_tsv(clustered(), tmp_path / "train.tsv")
    out = tmp_path / "recs.tsv"
    config = dataclasses.replace(SMALL, ann_min_items=ann_min_items, ann_lists=4)
    summary = run_offline(source, k=5, out=out, config=config)
    assert "\n" not in summary
    assert "400 recommendations for 80 users" in summary
    assert out.read_text().splitlines()[0] == "user\titem\trank\tscore"
    rows = _rows(out)
    owned = read_tsv(source)
    by_user: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_user.setdefault(row["user"], []).append(row)
    assert set(by_user) == set(owned.user_ids)
    for user, recs in by_user.items():
        assert [int(r["rank"]) for r in recs] == [1, 2, 3, 4, 5]
        scores = [float(r["score"]) for r in recs]
        assert scores == sorted(scores, reverse=True)
        mine = set(owned.matrix[owned.user_index[user]].indices)
        assert not {owned.item_index[r["item"]] for r in recs} & mine
        assert all(r["item"][0] == user[0] for r in recs)


def test_offline_gives_fewer_than_k_when_fewer_are_new(tmp_path: Path) -> None:
    source = tmp_path / "tiny.tsv"
    source.write_text("user\titem\nu\ta\nu\tb\nv\ta\n")
    out = tmp_path / "recs.tsv"
    run_offline(source, k=5, out=out, config=SMALL)
    rows = _rows(out)
    assert [(r["user"], r["item"], r["rank"]) for r in rows] == [("v", "b", "1")]


def test_offline_refuses_a_non_positive_k(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="k must be positive"):
        run_offline(tmp_path / "x.tsv", k=0, out=tmp_path / "o.tsv")
