"""Building the interactions matrix from triples and TSV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommend.matrix import Interactions, from_triples, read_tsv


def test_from_triples_sums_duplicates_and_maps_ids() -> None:
    data = from_triples([("u1", "i1", 1.0), ("u2", "i2", 2.0), ("u1", "i1", 3.0)])
    assert data.user_ids == ["u1", "u2"]
    assert data.item_ids == ["i1", "i2"]
    assert data.matrix.dtype == np.float32
    assert data.matrix[data.user_index["u1"], data.item_index["i1"]] == 4.0
    assert data.matrix[data.user_index["u2"], data.item_index["i2"]] == 2.0
    assert data.matrix.nnz == 2


def test_read_tsv_accepts_any_header_names_and_default_weight(tmp_path: Path) -> None:
    path = tmp_path / "plays.tsv"
    path.write_text("userID\tartistID\tweight\n7\t100\t5\n7\t101\n8\t100\t2.5\n")
    data = read_tsv(path)
    assert data.matrix[data.user_index["7"], data.item_index["100"]] == 5.0
    assert data.matrix[data.user_index["7"], data.item_index["101"]] == 1.0
    assert data.matrix[data.user_index["8"], data.item_index["100"]] == 2.5


def test_read_tsv_two_column_file(tmp_path: Path) -> None:
    path = tmp_path / "owned.tsv"
    path.write_text("user\titem\nalice\tx\nbob\ty\n")
    data = read_tsv(path)
    assert (data.n_users, data.n_items, data.matrix.nnz) == (2, 2, 2)


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("u1\ti1\tmany", "line 3: weight 'many' is not a number"),
        ("u1", "line 3: expected 2 or 3 tab-separated fields, got 1"),
        ("u1\ti1\t1\textra", "line 3: expected 2 or 3 tab-separated fields, got 4"),
        ("u1\t\t1", "line 3: empty user or item id"),
        ("u1\ti1\t-2", "line 3: weight '-2' must be finite and not negative"),
    ],
)
def test_read_tsv_names_the_bad_line(tmp_path: Path, bad_line: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(f"user\titem\tweight\nu0\ti0\t1\n{bad_line}\n")
    with pytest.raises(ValueError, match=message):
        read_tsv(path)


def test_interactions_rejects_mismatched_ids() -> None:
    matrix = from_triples([("u", "i", 1.0)]).matrix
    with pytest.raises(ValueError, match="1x1"):
        Interactions(matrix, ["u", "v"], ["i"])


def test_zero_weights_are_not_interactions() -> None:
    data = from_triples([("u", "a", 0.0), ("u", "b", 2.0), ("v", "a", 1.0), ("v", "a", -1.0)])
    assert data.matrix.nnz == 1
    assert data.matrix[data.user_index["u"], data.item_index["b"]] == 2.0
