"""Bench reports side by side: the newest report of a store, one table row per scenario and level."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import compare
from bench.report import Figures


def figures(scenario: str, level: int, rps: float) -> Figures:
    return Figures(scenario, level, 100, 0, rps, 10.0, 20.0, 2.0, 5.0, 3.0, [])


def report(path: Path, store: str | None, rows: list[Figures], **meta: Any) -> Path:
    path.write_text(json.dumps({"meta": {"store": store, **meta}, "results": [asdict(r) for r in rows]}))
    return path


def test_newest_report_of_a_store(tmp_path: Path) -> None:
    old = report(tmp_path / "bench-20260101T000000Z.json", "chinook", [figures("album page", 1, 10)])
    new = report(tmp_path / "bench-20260102T000000Z.json", "chinook", [figures("album page", 1, 20)])
    report(tmp_path / "bench-20260103T000000Z.json", "1m-tracks", [figures("album page", 1, 5)])
    report(tmp_path / "bench-20260104T000000Z.json", None, [figures("album page", 1, 7)])
    (tmp_path / "bench-20260105T000000Z.json").write_text("not json")
    found = compare.newest(tmp_path, "chinook")
    assert found is not None
    assert found.path == new
    assert compare.newest(tmp_path, "chinook", besides=new) == compare.read(old)
    assert compare.newest(tmp_path, "5m-tracks") is None


def test_table_puts_each_figure_beside_the_other_store(tmp_path: Path) -> None:
    small = compare.read(report(tmp_path / "a.json", "chinook", [figures("album page", 1, 60), figures(
        "album page", 16, 90), figures("bestsellers", 16, 50)], catalog={"tracks": 3503}))
    big = compare.read(report(tmp_path / "b.json", "1m-tracks", [figures("album page", 1, 40), figures(
        "album page", 16, 70)], catalog={"tracks": 1224732}))
    lines = compare.table([small, big]).splitlines()
    assert lines[0].startswith("| scenario | clients | req/s (chinook / 1m-tracks) |")
    assert lines[2].startswith("| album page | 1 | 60 / 40 | 10 / 10 | 20 / 20 |")
    assert lines[3].startswith("| album page | 16 | 90 / 70 |")
    assert lines[4].startswith("| bestsellers | 16 | 50 / - |")
    assert "- 1m-tracks: 1,224,732 tracks" in lines[-1]


def test_write_makes_the_table_and_the_chart(tmp_path: Path) -> None:
    runs = [compare.read(report(tmp_path / f"{s}.json", s, [figures("genre page 3", 16, 100)])) for s in ("x", "y")]
    md, png = compare.write(runs, tmp_path, "beside")
    assert md.read_text() == compare.table(runs) + "\n"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
