"""What a store costs in memory and on disk: peak RSS of processes, and the local Neo4j's files."""

from __future__ import annotations

import os
import resource
from pathlib import Path

from graph.driver import Cypher, Graph
from graph.localdb.layout import Layout
from settings import Settings

MB = 1024 * 1024


def neo4j_pid(settings: Settings) -> int | None:
    """The pid of the local Neo4j of this data folder (its pid file), if it runs here."""
    try:
        pid = int(Layout.of(settings).pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def peak_rss_mb(pid: int | None) -> float | None:
    """A live process's peak resident memory so far (VmHWM), in MiB."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds a live process has used so far, from /proc."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User + system CPU seconds of the child processes waited for so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def children_peak_rss_mb() -> float:
    """The largest peak resident memory of the child processes waited for so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def own_peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_blocks * 512
            except OSError:
                continue
    return total


def store_mb(settings: Settings) -> dict[str, float] | None:
    """The local Neo4j's database files and transaction logs on disk (MiB).

    Pages still dirty in the page cache are not on disk yet: read it after `tunegraph db stop`
    (Community Edition has no `db.checkpoint()` to flush them on demand).
    """
    data = Layout.of(settings).home / "data"
    if not data.is_dir():
        return None
    return {
        "storeMB": round(_bytes(data / "databases" / "neo4j") / MB, 1),
        "transactionLogsMB": round(_bytes(data / "transactions" / "neo4j") / MB, 1),
    }


MEMORY_SETTINGS = Cypher(
    "bench_memory_settings",
    """
    SHOW SETTINGS YIELD name, value
    WHERE name IN ['server.memory.heap.max_size', 'server.memory.pagecache.size']
    RETURN name, value
    """,
)


async def memory_settings(graph: Graph) -> dict[str, str | None]:
    """The serving Neo4j's heap and page cache as it reports them (a heap set by -Xmx reads None)."""
    rows = {r["name"]: r["value"] for r in await graph.read(MEMORY_SETTINGS)}
    return {"heap": rows.get("server.memory.heap.max_size"), "pageCache": rows.get("server.memory.pagecache.size")}
