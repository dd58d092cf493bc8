"""`tunegraph recs train|offline|evaluate` end to end through cli.main, against the real graph."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

import cli
from graph.driver import Cypher, Graph
from recommend import store
from recommend.evaluate import RECOMMENDERS

PURCHASE_COUNTS = Cypher(
    "test_purchase_counts",
    """
    MATCH (c:Customer)-[:MADE]->(:Purchase)-[:LINE]->(t:Track)
    WITH c, t, count(*) AS units
    RETURN count(DISTINCT c) AS users, count(DISTINCT t) AS items, count(*) AS pairs
    """,
)


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "models"
    monkeypatch.setenv("TUNEGRAPH_MODEL_DIR", str(directory))
    return directory


@pytest.fixture
def interactions(tmp_path: Path) -> tuple[Path, dict[str, set[str]]]:
    """A small generated interactions TSV: two taste groups, some noise; and who has what."""
    rng = random.Random(7)
    owned: dict[str, set[str]] = {}
    for u in range(60):
        group = [f"i{g}" for g in range(20)] if u % 2 else [f"i{g}" for g in range(20, 40)]
        owned[f"u{u}"] = set(rng.sample(group, 8)) | {f"i{rng.randrange(40)}"}
    path = tmp_path / "interactions.tsv"
    lines = ["user\titem\tweight"] + [f"{u}\t{i}\t{rng.randint(1, 3)}" for u, items in owned.items() for i in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, owned


@pytest.fixture
async def expected(graph: Graph) -> dict[str, int]:
    """Customers, tracks and (customer, track) pairs of the purchases in the graph."""
    counts: dict[str, int] = (await graph.read(PURCHASE_COUNTS))[0]
    return counts


def test_train_reads_the_graph_saves_a_version_and_if_missing_skips(
    expected: dict[str, int], model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["recs", "train"]) == 0
    out = capsys.readouterr().out
    assert f"trained on {expected['users']} users, {expected['items']} items, {expected['pairs']} interactions" in out
    assert str(store.path_of(model_dir, 1)) in out
    model = store.load_latest(model_dir)
    assert model is not None
    assert (len(model.user_ids), len(model.item_ids)) == (expected["users"], expected["items"])
    assert cli.main(["recs", "train", "--if-missing"]) == 0
    assert "not training" in capsys.readouterr().out
    assert store.latest_version(model_dir) == 1
    assert cli.main(["recs", "train"]) == 0
    assert store.latest_version(model_dir) == 2


def test_train_without_a_reachable_graph_fails_with_the_reason(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:9")
    assert cli.main(["recs", "train"]) == 1
    assert capsys.readouterr().err.startswith("tunegraph: ")
    assert store.latest_version(model_dir) is None


def test_offline_writes_top_k_new_items_per_user(
    interactions: tuple[Path, dict[str, set[str]]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, owned = interactions
    out = tmp_path / "top.tsv"
    assert cli.main(["recs", "offline", "--train", str(path), "--k", "5", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream, delimiter="\t"))
    assert rows[0] == ["user", "item", "rank", "score"]
    by_user: dict[str, list[tuple[int, str, float]]] = {}
    for user, item, rank, score in rows[1:]:
        by_user.setdefault(user, []).append((int(rank), item, float(score)))
    assert set(by_user) == set(owned)
    for user, ranked in by_user.items():
        assert [r for r, _, _ in ranked] == list(range(1, 6))
        assert not {i for _, i, _ in ranked} & owned[user]
        scores = [s for _, _, s in ranked]
        assert scores == sorted(scores, reverse=True)


def test_evaluate_prints_a_table_of_every_recommender(
    interactions: tuple[Path, dict[str, set[str]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, owned = interactions
    assert cli.main(["recs", "evaluate", "--interactions", str(path), "--min-items", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(owned)} users with >= 5 items")
    assert "nDCG@10" in out
    assert all(name in out for name in RECOMMENDERS)


@pytest.mark.parametrize(
    "argv",
    [
        ["recs", "offline", "--train", "missing.tsv", "--k", "5", "--out", "out.tsv"],
        ["recs", "evaluate", "--interactions", "missing.tsv"],
    ],
)
def test_bad_input_files_exit_non_zero_with_the_reason(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 1
    assert "missing.tsv" in capsys.readouterr().err


def test_k_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["recs", "offline", "--train", "x", "--k", "0", "--out", "y"])
    assert exited.value.code == 2
    assert "--k" in capsys.readouterr().err
