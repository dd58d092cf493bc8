"""bench.scale: size names, and the side-by-side table of the newest report per size."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from bench.scale import beside, markdown, tracks_of


def report(size: str, when: str, p99: float, hits: int, scans: list[str]) -> dict[str, Any]:
    return {
        "size": size, "when": when, "file": f"scale-{size}-{when}.md",
        "neo4j": {"uri": "bolt://x", "heap": "2g", "pageCache": "3g"},
        "storefront": {"report": "bench.json", "catalog": {"tracks": 1},
                       "scenarios": {"album page": {"rps": 10.0, "p50_ms": 5.0, "p99_ms": p99, "errors": 0,
                                                    "cypher_per_request": 1.0}},
                       "scenariosCachesOff": {"album page": {"rps": 8.0, "p50_ms": 6.0, "p99_ms": p99 + 1,
                                                             "errors": 0, "cypher_per_request": 1.0}}},
        "dbHits": {"album page": {"requests": 5, "dbHitsPerRequestP50": hits, "dbHitsPerRequestMax": hits,
                                  "statements": {"album_pages_by_keys": hits}, "scans": scans}},
    }


def test_size_names() -> None:
    assert tracks_of("chinook") is None
    assert (tracks_of("1m"), tracks_of("10m"), tracks_of("300k")) == (1_000_000, 10_000_000, 300_000)
    for bad in ("10", "m", "-1m", "0k", "10g"):
        with pytest.raises(argparse.ArgumentTypeError, match="--size"):
            tracks_of(bad)


def test_beside_takes_the_newest_report_of_each_size_in_size_order(tmp_path: Path) -> None:
    for data in (report("10m", "20261201T010000Z", 90.0, 600, []),
                 report("1m", "20261201T000000Z", 70.0, 999, []),
                 report("1m", "20261201T020000Z", 60.0, 550, []),
                 report("chinook", "20261201T000000Z", 40.0, 500, ["NodeByLabelScan p:Purchase"])):
        (tmp_path / f"scale-{data['size']}-{data['when']}.json").write_text(json.dumps(data))

    text = beside(tmp_path).read_text()

    assert "(chinook / 1m / 10m)" in text
    assert ("| album page | 40.0 / 60.0 / 90.0 | 41.0 / 61.0 / 91.0 | 500 / 550 / 600 | NodeByLabelScan p:Purchase |"
            in text)


def test_markdown_names_p99_db_hits_and_scans() -> None:
    text = markdown(report("1m", "20261201T000000Z", 61.5, 541, []))
    assert ("| album page | 10.0 | 5.0 | 61.5 | 0 | 8.0 | 6.0 | 62.5 | 0 | 541 | 541 | album_pages_by_keys 541 | none |"
            in text)
