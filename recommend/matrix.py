"""The user x item interactions matrix and its builders."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Interactions:
    """A float32 CSR users x items matrix with the string ids of its rows and columns."""

    matrix: sp.csr_matrix
    user_ids: list[str]
    item_ids: list[str]
    user_index: dict[str, int] = field(init=False, repr=False, compare=False)
    item_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows, cols = self.matrix.shape
        if (rows, cols) != (len(self.user_ids), len(self.item_ids)):
            raise ValueError(
                f"matrix is {rows}x{cols} but there are {len(self.user_ids)} user ids "
                f"and {len(self.item_ids)} item ids"
            )
        object.__setattr__(self, "user_index", _index(self.user_ids, "user"))
        object.__setattr__(self, "item_index", _index(self.item_ids, "item"))

    @property
    def n_users(self) -> int:
        """Number of users (rows)."""
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return len(self.item_ids)

    def items_of(self, user: int) -> np.ndarray:
        """Column indices of the items a user (row index) has."""
        start, end = self.matrix.indptr[user], self.matrix.indptr[user + 1]
        return np.asarray(self.matrix.indices[start:end])


def _index(ids: list[str], what: str) -> dict[str, int]:
    index = {name: position for position, name in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError(f"duplicate {what} ids")
    return index


def from_arrays(
    users: np.ndarray, items: np.ndarray, weights: np.ndarray,
    user_ids: list[str], item_ids: list[str],
) -> Interactions:
    """Build from parallel row/column/weight arrays; duplicates are summed, zeros dropped."""
    coo = sp.coo_matrix(
        (weights.astype(np.float32), (users, items)), shape=(len(user_ids), len(item_ids))
    )
    matrix = sp.csr_matrix(coo, dtype=np.float32)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return Interactions(matrix, user_ids, item_ids)


def from_triples(triples: Iterable[tuple[str, str, float]]) -> Interactions:
    """Build from (user, item, weight) triples; weights of repeated pairs are summed."""
    user_index: dict[str, int] = {}
    item_index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for user, item, weight in triples:
        rows.append(user_index.setdefault(user, len(user_index)))
        cols.append(item_index.setdefault(item, len(item_index)))
        weights.append(weight)
    return from_arrays(
        np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
        np.asarray(weights, dtype=np.float32), list(user_index), list(item_index),
    )


def read_tsv(path: Path | str) -> Interactions:
    """Read a tab-separated file with a header (user, item[, weight]; names are free)."""
    with Path(path).open(encoding="utf-8") as lines:
        return from_triples(_parse(lines))


def _parse(lines: Iterable[str]) -> Iterator[tuple[str, str, float]]:
    header_seen = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if not header_seen:
            header_seen = True
            continue
        yield _parse_line(line, number)


def _parse_line(line: str, number: int) -> tuple[str, str, float]:
    fields = line.split("\t")
    if len(fields) not in (2, 3):
        raise ValueError(f"line {number}: expected 2 or 3 tab-separated fields, got {len(fields)}")
    user, item = fields[0].strip(), fields[1].strip()
    if not user or not item:
        raise ValueError(f"line {number}: empty user or item id")
    if len(fields) == 2 or not fields[2].strip():
        return user, item, 1.0
    try:
        weight = float(fields[2])
    except ValueError:
        raise ValueError(f"line {number}: weight {fields[2]!r} is not a number") from None
    if not np.isfinite(weight) or weight < 0:
        raise ValueError(f"line {number}: weight {fields[2]!r} must be finite and not negative")
    return user, item, weight
