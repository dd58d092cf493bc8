"""Real servers for the tests that need a socket: free ports, the app under uvicorn, `python server.py`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette

from settings import PROJECT_ROOT

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served_in_thread(app: Starlette, start_seconds: float = 60.0) -> Iterator[str]:
    """The app under a real uvicorn in a thread of its own (one event loop, as a worker has); its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_seconds
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, f"uvicorn did not start within {start_seconds:.0f} s"
        time.sleep(0.05)
    try:
        yield f"http://{LOOPBACK}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def server_process(
    env: Mapping[str, str], ready: Callable[[str], bool], data_dir: Path | None = None, start_seconds: float = 60.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python server.py` with `env` over this environment, on a free port, once `ready(base)` holds."""
    port = free_port()
    merged = {**os.environ, "TUNEGRAPH_HOST": LOOPBACK, "TUNEGRAPH_PORT": str(port), **env}
    if data_dir is not None:
        merged["TUNEGRAPH_DATA_DIR"] = str(data_dir)
    merged.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([sys.executable, "server.py"], cwd=PROJECT_ROOT, env=merged,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while not ready(base):
            assert proc.poll() is None, f"server.py exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"server.py was not ready within {start_seconds:.0f} s"
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def summed_metric(base: str, prefix: str) -> float:
    """The lines of the server's /metrics that start with `prefix`, summed (over labels and workers); 0 while it
    does not answer."""
    try:
        text = httpx.get(base + "/metrics", timeout=5).text
    except (httpx.HTTPError, OSError):
        return 0.0
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def workers_started(base: str) -> float:
    """How many worker processes of the server have started (replaced ones included)."""
    return summed_metric(base, "tunegraph_worker_starts_total")


@contextmanager
def two_workers_serving(data_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python server.py` with two workers and no rate limit, once both have started."""
    env = {"TUNEGRAPH_WORKERS": "2", "TUNEGRAPH_RATE_LIMIT": "0"}
    with server_process(env, lambda base: workers_started(base) == 2, data_dir) as served:
        yield served
