"""Feed problems: what is wrong with a feed, one `Problem` each, and the `FeedError` listing them."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS_SHOWN = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a feed: `line 17: tracks[3].isrc: not a valid ISRC`."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        if self.path:
            return f"line {self.line}: {self.path}: {self.message}"
        return f"line {self.line}: {self.message}"


class FeedError(ValueError):
    """A feed rejected whole; `problems` holds every problem, in line order."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        where = f"{self.source}: " if self.source else ""
        head = f"{where}feed rejected, {count} problem{'' if count == 1 else 's'}:"
        lines = [head, *(str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN])]
        if count > MAX_PROBLEMS_SHOWN:
            lines.append(f"... and {count - MAX_PROBLEMS_SHOWN} more")
        return "\n".join(lines)
