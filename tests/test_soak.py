"""The soak (bench/soak.py): its mix, how it judges answers, and a short soak of a served API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import soak
from bench.soak_report import refused, window
from graph.driver import Graph


def test_interleave_gives_each_kind_its_share_spread_evenly() -> None:
    requests = soak.interleave({"a": ["a1", "a2"], "b": ["b1"]}, {"a": 3, "b": 1, "unused": 5}, size=8)
    kinds = [r["kind"] for r in requests]
    assert (kinds.count("a"), kinds.count("b")) == (6, 2)
    assert [r["body"] for r in requests if r["kind"] == "a"] == ["a1", "a2"] * 3  # a kind cycles its bodies
    first, second = (i for i, kind in enumerate(kinds) if kind == "b")
    assert second - first == len(kinds) // 2


def test_every_kind_is_in_the_mix_at_least_once() -> None:
    requests = soak.interleave({"a": ["a"], "b": ["b"]}, {"a": 1000, "b": 1}, size=10)
    assert [r["kind"] for r in requests].count("b") == 1


@pytest.mark.parametrize(
    ("answer", "clear"),
    [("400", True), ("413", True), ("200 BAD_REQUEST", True), ("200 QUERY_TOO_COMPLEX", True),
     ("200", False), ("0", False), ("500", False), ("200 INTERNAL", False), ("200 UNAVAILABLE", False),
     ("503 UNAVAILABLE", False)],
)
def test_a_hostile_request_must_be_refused_as_the_clients_mistake(answer: str, clear: bool) -> None:
    assert refused(answer) is clear


def tally(latencies: list[float], errors: int, answers: dict[str, int], samples: list[str]) -> dict[str, Any]:
    return {"requests": len(latencies), "errors": errors, "answers": answers, "latencies_ms": latencies,
            "error_samples": samples}


def test_a_windows_errors_are_storefront_errors_and_hostile_requests_not_refused() -> None:
    outcome = {"requests": 7, "errors": 4, "elapsed": 2.0, "kinds": {
        "album page": tally([10, 20, 30], 1, {"200": 2, "200 UNAVAILABLE": 1}, ["HTTP 200: down"]),
        "bad JSON": tally([1, 1, 1], 2, {"400": 2, "500": 1}, ["HTTP 400: no", "HTTP 500: oops"]),
        "too deep": tally([1], 0, {"200": 1}, []),  # answered as if it were fine
    }}
    w = window(3, 12.5, outcome, {"bad JSON", "too deep"}, 14.0, 100.5, None)
    assert w.kinds["album page"].errors == 1
    assert (w.kinds["bad JSON"].errors, w.kinds["bad JSON"].error_samples) == (1, ["answered 500"])
    assert (w.kinds["too deep"].errors, w.kinds["too deep"].error_samples) == (1, ["answered 200"])
    assert (w.errors, w.hostile, w.requests) == (3, 4, 7)
    assert w.p50_ms == 20.0  # the storefront's: refusals take no time and would flatter it
    assert (w.rps, w.cypher_per_request, w.api_rss_mib, w.neo4j_rss_mib) == (3.5, 2.0, 100.5, None)


def test_windows_of_a_soak() -> None:
    assert soak.windows_of(soak.Soak(seconds=60, window=10, clients=1)) == [10.0] * 6
    assert soak.windows_of(soak.Soak(seconds=5, window=10, clients=1)) == [2.5, 2.5]  # a start and an end


def test_a_short_soak_reports_start_and_end_and_counts_errors(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "no-model"
    models.mkdir()
    monkeypatch.setenv("TUNEGRAPH_MODEL_DIR", str(models))  # so every recommendation answers UNAVAILABLE
    kinds = set(soak.WEIGHTS) | set(soak.HOSTILE)
    # --mix-size 1: each kind once in the cycle; as many clients as kinds: each kind sent in every window.
    status = soak.main(["--seconds", "4", "--window", "2", "--clients", str(len(kinds)), "--mix-size", "1",
                        "--warmup", "0", "--workers", "1", "--out", str(tmp_path), "--store", "chinook"])

    assert status == 1  # errors were counted
    [json_path] = tmp_path.glob("soak-*.json")
    [md_path] = tmp_path.glob("soak-*.md")
    report = json.loads(json_path.read_text())
    assert set(report) == {"meta", "baseline", "start", "end", "totals", "windows"}
    assert report["baseline"]["api_rss_mib"] > 0
    assert report["baseline"]["neo4j_rss_mib"] > 0
    windows = report["windows"]
    assert [w["index"] for w in windows] == [1, 2]
    assert (report["start"]["window"], report["end"]["window"]) == (1, 2)
    for w in windows:
        assert set(w["kinds"]) == kinds
        assert w["requests"] == sum(k["requests"] for k in w["kinds"].values())
        assert w["hostile"] == sum(w["kinds"][kind]["requests"] for kind in soak.HOSTILE) >= len(soak.HOSTILE)
        recommendations = w["kinds"]["recommendations"]
        # Without a model a recommendation fails whole: UNAVAILABLE, HTTP 503 with Retry-After.
        assert recommendations["errors"] == recommendations["requests"] == recommendations["answers"]["503 UNAVAILABLE"]
        assert recommendations["error_samples"][0].startswith("HTTP 503: No recommender model")
        # Nothing else failed: the storefront answered, and every hostile request was refused.
        assert w["errors"] == recommendations["errors"] >= 1
        assert all(refused(answer) for kind in soak.HOSTILE for answer in w["kinds"][kind]["answers"])
        assert w["api_rss_mib"] > 0
        assert w["neo4j_rss_mib"] > 0
        assert w["p99_ms"] >= w["p50_ms"] > 0
    assert report["totals"]["recommendations"]["errors"] == sum(
        w["kinds"]["recommendations"]["errors"] for w in windows)
    markdown = md_path.read_text()
    assert f"| errors | {windows[0]['errors']} | {windows[1]['errors']} | |" in markdown
    assert "- recommendations: HTTP 503: No recommender model" in markdown
