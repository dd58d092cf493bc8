"""Where a synthetic import stands, kept in Neo4j itself, so that a killed run continues where it stopped.

One `SyntheticImport` node per store (tracks, seed, customers, lines) holds the day the store was
generated for (its records depend on it) and, per phase, how many records are written: every
record below that number is committed. It moves only after a segment's batches have all
committed, so a run killed mid-segment rewrites at most that segment, and the write path makes
that harmless (releases and customers by MERGE on their keys, purchases skipped when their key
is stored, popularity recounted to absolute values).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.driver import Cypher, Graph

PHASES = ("releases", "customers", "purchases", "popularity")

CONSTRAINT = Cypher(
    "synthetic_import_constraint",
    "CREATE CONSTRAINT synthetic_import_key IF NOT EXISTS FOR (n:SyntheticImport) REQUIRE n.key IS UNIQUE",
)
OPEN = Cypher(
    "open_synthetic_import",
    """
    MERGE (x:SyntheticImport {key: $key})
    ON CREATE SET x.today = $today, x.startedAt = datetime(),
                  x.releases = 0, x.customers = 0, x.purchases = 0, x.popularity = 0
    RETURN x.today AS today, x.releases AS releases, x.customers AS customers,
           x.purchases AS purchases, x.popularity AS popularity, x.finishedAt IS NOT NULL AS finished
    """,
)
ADVANCE = Cypher(
    "advance_synthetic_import",
    "MATCH (x:SyntheticImport {key: $key}) SET x += $done",
)
FINISH = Cypher(
    "finish_synthetic_import",
    "MATCH (x:SyntheticImport {key: $key}) SET x.finishedAt = datetime()",
)


def import_key(tracks: int, seed: int, customers: int, lines: int) -> str:
    """The checkpoint's key: what decides the store's records, less the day."""
    return f"synthetic:tracks={tracks}:seed={seed}:customers={customers}:lines={lines}"


@dataclass
class Checkpoint:
    """A synthetic import's position: per phase, the records already committed."""

    key: str
    today: date
    done: dict[str, int]
    finished: bool

    @classmethod
    async def open(cls, graph: Graph, key: str, today: date) -> Checkpoint:
        """The import's checkpoint, made (for `today`) if this is its first run."""
        await graph.write(CONSTRAINT)
        row = (await graph.write(OPEN, {"key": key, "today": today}))[0]
        return cls(key, row["today"], {p: int(row[p]) for p in PHASES}, bool(row["finished"]))

    async def advance(self, graph: Graph, phase: str, done: int) -> None:
        """Record that `phase`'s records below `done` are committed."""
        await graph.write(ADVANCE, {"key": self.key, "done": {phase: done}})
        self.done[phase] = done

    async def finish(self, graph: Graph) -> None:
        """Record that the whole store is written."""
        await graph.write(FINISH, {"key": self.key})
        self.finished = True
