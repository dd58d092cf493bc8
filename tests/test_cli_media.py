"""`tunegraph media generate` through cli.main, against the real graph (Chinook)."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from delivery.masters import masters_for
from graph.driver import Graph


def test_generate_writes_demo_masters_once_for_the_first_tracks(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUNEGRAPH_MEDIA_DIR", str(tmp_path))
    monkeypatch.delenv("TUNEGRAPH_MASTERS_DIR", raising=False)
    assert cli.main(["media", "generate", "--limit", "3", "--seconds", "1"]) == 0
    assert capsys.readouterr().out.startswith("3 demo masters written, 0 already there")
    written = sorted(p.name for p in (tmp_path / "masters").glob("*.flac"))
    assert written == sorted(masters_for(tmp_path, None).path_of(k).name for k in sorted(["1", "10", "100"]))
    assert cli.main(["media", "generate", "--limit", "4", "--seconds", "1"]) == 0
    assert capsys.readouterr().out.startswith("1 demo masters written, 3 already there")


def test_generate_refuses_to_touch_a_real_masters_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUNEGRAPH_MASTERS_DIR", str(tmp_path / "real"))
    assert cli.main(["media", "generate", "--limit", "1"]) == 1
    assert "TUNEGRAPH_MASTERS_DIR is set" in capsys.readouterr().err
    assert not (tmp_path / "real").exists()
