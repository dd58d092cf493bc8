"""Industry codes of the generated catalog: a UPC per release and an ISRC per track, unique."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from graph.importers.synthetic_sampling import BytesArray, IntArray

ISRC_COUNTRIES = ("US", "GB", "DE", "FR", "SE", "JP", "CA", "AU", "NL", "BR", "QM", "QZ")


def gtin13(body12: str) -> str:
    """A 13-digit GTIN from its first 12 digits, with the GS1 check digit appended."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body12)))
    return body12 + str((10 - total % 10) % 10)


def base36(value: int, width: int) -> str:
    """`value` in `width` base-36 digits (0-9, A-Z), as ISRC registrants are written."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(width):
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out


@dataclass(frozen=True, slots=True)
class Codes:
    """Stage 6: a UPC per release and an ISRC per track, unique."""

    upcs: list[str]
    isrcs: BytesArray  # ASCII, 12 bytes each

    def isrc_list(self, index: IntArray | slice) -> list[str]:
        """The ISRCs of these tracks, as strings."""
        codes: list[str] = self.isrcs[index].astype("U12").tolist()
        return codes


def draw_codes(rng: np.random.Generator, album: IntArray, label: IntArray, day: IntArray, n_labels: int) -> Codes:
    """Stage 6: a UPC per release and an ISRC per track (`album[t]` its release), unique."""
    n_rel, n_tracks = len(label), len(album)
    offset = int(rng.integers(0, 10**9))
    body = (np.arange(n_rel, dtype=np.int64) * 777_777_777 + offset) % 10**9
    upcs = [gtin13(f"019{b:09d}") for b in body.tolist()]
    # ISRCs: a registrant per label (and per 100,000 tracks of a label and year), numbered within.
    years = np.array([date.fromordinal(d).year % 100 for d in day.tolist()], dtype=np.int64)
    year = years[album]
    label_of_track = label[album]
    group = label_of_track * 100 + year
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    first = np.searchsorted(sorted_group, sorted_group, side="left")
    serial = np.empty(n_tracks, dtype=np.int64)
    serial[order] = np.arange(n_tracks) - first
    registrant = label_of_track + n_labels * (serial // 100_000)
    if n_tracks and int(registrant.max()) >= 36**3:
        raise ValueError("too many tracks per label and year for distinct ISRCs")
    mix = int(rng.integers(0, 36**3))
    label_cc = rng.integers(0, len(ISRC_COUNTRIES), n_labels)
    prefixes = np.array(
        [
            ISRC_COUNTRIES[int(label_cc[r % n_labels])] + base36((r * 7919 + mix) % 36**3, 3)
            for r in range(int(registrant.max()) + 1 if n_tracks else 0)
        ],
        dtype="U5",
    )
    isrcs = np.char.add(
        np.char.add(prefixes[registrant], np.char.zfill(year.astype("U2"), 2)),
        np.char.zfill((serial % 100_000).astype("U5"), 5),
    )
    return Codes(upcs, isrcs.astype("S12"))
