"""Module and function size distributions of the Python packages: `python -m tools.sizes [ROOT] [PACKAGE...]`.

Lines per module are physical lines; a function's lines run from its `def` to its last line (methods and
nested functions count on their own as well). Reports count, median, p90, max and how many exceed the house
limits (400 lines a module, 50 a function).
"""

from __future__ import annotations

import argparse
import ast
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("api", "graph", "recommend")
MODULE_LIMIT = 400
FUNCTION_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Distribution:
    """Summary figures of a list of sizes."""

    count: int
    median: float
    p90: float
    largest: int
    over: int

    @classmethod
    def of(cls, sizes: Sequence[int], limit: int) -> Distribution:
        """The figures of `sizes`, counting those above `limit`."""
        ordered = sorted(sizes) or [0]
        p90 = statistics.quantiles(ordered, n=10, method="inclusive")[-1] if len(ordered) > 1 else ordered[0]
        return cls(len(sizes), statistics.median(ordered), p90, ordered[-1], sum(s > limit for s in sizes))

    def line(self, what: str, limit: int) -> str:
        """One readable line."""
        return (f"{what:<10} n={self.count:<5} median={self.median:<6g} p90={self.p90:<6.1f} max={self.largest:<5}"
                f" >{limit}: {self.over}")


def modules(root: Path, packages: Sequence[str]) -> list[Path]:
    """Every .py file under the packages, sorted."""
    return sorted(p for package in packages for p in (root / package).rglob("*.py"))


def function_sizes(source: str) -> list[int]:
    """Lines of every function and method in one module's source."""
    tree = ast.parse(source)
    return [node.end_lineno - node.lineno + 1 for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None]


def report(root: Path, packages: Sequence[str], largest: int) -> str:
    """The two distributions and the largest modules and functions, as text."""
    files = modules(root, packages)
    texts = {path: path.read_text() for path in files}
    module_sizes = {path: len(text.splitlines()) for path, text in texts.items()}
    functions = [size for text in texts.values() for size in function_sizes(text)]
    lines = [
        Distribution.of(list(module_sizes.values()), MODULE_LIMIT).line("modules", MODULE_LIMIT),
        Distribution.of(functions, FUNCTION_LIMIT).line("functions", FUNCTION_LIMIT),
    ]
    if largest:
        top = sorted(module_sizes.items(), key=lambda item: -item[1])[:largest]
        lines += [f"  {size:>5}  {path.relative_to(root)}" for path, size in top]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report for ROOT (default: the current directory)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("root", nargs="?", type=Path, default=Path())
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    parser.add_argument("--largest", type=int, default=0, help="also list the N largest modules")
    args = parser.parse_args(argv)
    print(report(args.root, args.packages, args.largest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
