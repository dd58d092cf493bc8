"""A throw-away Neo4j for the tests that stop and restart one (outages), on a port of its own."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

from settings import PROJECT_ROOT
from tests.servers import free_port

__all__ = ["SpareNeo4j", "free_port"]

JVM = PROJECT_ROOT / "graph" / "localdb" / "jvm"


class SpareNeo4j:
    """A Neo4j on `port` over a data folder that outlives restarts."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.log = home / "launcher.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def uri(self) -> str:
        """Its Bolt URI."""
        return f"bolt://127.0.0.1:{self.port}"

    async def start(self, limit: float = 180.0) -> None:
        """Start it and wait until it says it is ready."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                "java", "-Xmx512m", "-cp", "lib/*", "Launcher.java", str(self.home / "db"), "127.0.0.1",
                str(self.port), "128m", cwd=JVM, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + limit
        while "ready on bolt" not in self.log.read_text(errors="replace")[offset:]:
            assert self.process.returncode is None, self.log.read_text(errors="replace")[offset:]
            assert time.monotonic() < deadline, "the spare Neo4j did not start in time"
            await asyncio.sleep(0.25)

    async def stop(self) -> None:
        """SIGTERM, and wait for it to exit."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 120)
