"""tools.sizes: function lengths from the source, and the summary line of a distribution."""

from __future__ import annotations

from pathlib import Path

from tools.sizes import distribution, function_sizes, report

SOURCE = '''
def one():
    return 1


class Thing:
    def method(self):
        x = 1

        def inner():
            return x
        return inner
'''


def test_every_function_and_method_counts_from_def_to_its_last_line() -> None:
    assert sorted(function_sizes(SOURCE)) == [2, 2, 6]


def test_the_summary_names_count_median_p90_max_and_those_over_the_limit() -> None:
    line = distribution("functions", list(range(1, 101)), 50)
    assert line.split() == ["functions", "n=100", "median=50.5", "p90=90.1", "max=100", ">50:", "50"]


def test_the_report_reads_the_packages_under_a_root(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SOURCE)
    lines = report(tmp_path, ["pkg"], largest=1).splitlines()
    assert lines[0].split()[:2] == ["modules", "n=1"]
    assert lines[2].split() == [str(len(SOURCE.splitlines())), "pkg/a.py"]
