"""`python server.py` with two workers: the primary hands each connection to the worker holding the fewest."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from settings import PROJECT_ROOT
from tests.servers import LOOPBACK, free_port, two_workers_serving, workers_started

GENRES = b'{"query": "{ genres { name } }"}'
ESTABLISHED = "01"
"""The state of a connection in /proc/net/tcp; a worker's socket in any state is one uvicorn has not closed yet."""


@pytest.fixture
def opened() -> Iterator[list[socket.socket]]:
    """The test's client connections, closed at its end whatever happens."""
    conns: list[socket.socket] = []
    yield conns
    for conn in conns:
        conn.close()


def _connect(base: str, count: int, opened: list[socket.socket]) -> list[socket.socket]:
    """`count` keep-alive connections, opened at once, each with one request answered."""
    port = int(base.rsplit(":", 1)[1])
    conns = [socket.create_connection((LOOPBACK, port), timeout=10) for _ in range(count)]
    opened += conns
    request = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(GENRES), GENRES))
    for conn in conns:
        conn.sendall(request)
    for conn in conns:
        assert conn.recv(65536).startswith(b"HTTP/1.1 200"), "a connection was not answered"
    return conns


def _holders(primary: int, port: int) -> Counter[int]:
    """Established connections to `port` per worker process of `primary` (from /proc)."""
    return Counter(_served(primary, port).values())


def _served(primary: int, port: int, established: bool = True) -> dict[int, int]:
    """The worker pid holding each connection to `port` (only established ones, or any), by the client's port."""
    owners = {inode: pid for pid in _children(primary) for inode in _sockets(pid)}
    found: dict[int, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(f.split(":")[1], 16) for f in fields[1:3])
        if local == port and (fields[3] == ESTABLISHED or not established) and fields[9] in owners:
            found[remote] = owners[fields[9]]
    return found


def _sockets(pid: int) -> list[str]:
    """The socket inodes a process holds open."""
    inodes = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.append(target[8:-1])
    return inodes


def _children(pid: int) -> list[int]:
    """The worker processes of the primary `pid` (not multiprocessing's resource tracker)."""
    children = {int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()}
    return sorted(c for c in children if b"spawn_main" in _cmdline(c))


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _settle(primary: int, port: int, expected: dict[int, int], seconds: float = 10.0) -> None:
    """Wait until the workers hold `expected` connections, counting those closed by clients that uvicorn has not
    closed yet (the primary counts them until then)."""
    deadline = time.monotonic() + seconds
    while (held := Counter(_served(primary, port, established=False).values())) != expected:
        assert time.monotonic() < deadline, f"the workers hold {held}, not {expected}"
        time.sleep(0.05)


def test_a_burst_of_connections_is_split_evenly(
    two_workers: tuple[str, subprocess.Popen[bytes]], opened: list[socket.socket]
) -> None:
    base, proc = two_workers
    port = int(base.rsplit(":", 1)[1])
    for _ in range(3):
        _settle(proc.pid, port, Counter())
        conns = _connect(base, 16, opened)
        held = _holders(proc.pid, port)
        assert sorted(held.values()) == [8, 8], held
        for conn in conns:
            conn.close()


def test_new_connections_go_to_the_worker_holding_fewest(
    two_workers: tuple[str, subprocess.Popen[bytes]], opened: list[socket.socket]
) -> None:
    base, proc = two_workers
    port = int(base.rsplit(":", 1)[1])
    _settle(proc.pid, port, Counter())
    conns = _connect(base, 8, opened)
    held = _holders(proc.pid, port)
    assert sorted(held.values()) == [4, 4], held
    emptied = min(held)
    serving = _served(proc.pid, port)
    for conn in conns:
        if serving[conn.getsockname()[1]] == emptied:
            conn.close()
    _settle(proc.pid, port, Counter({p: n for p, n in held.items() if p != emptied}))
    _connect(base, 4, opened)  # round robin would give the other worker two of these
    assert _holders(proc.pid, port) == {pid: 4 for pid in held}


def test_a_killed_worker_is_replaced_and_no_request_fails(
    two_workers: tuple[str, subprocess.Popen[bytes]], opened: list[socket.socket]
) -> None:
    base, proc = two_workers
    port = int(base.rsplit(":", 1)[1])
    victim = _children(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    for _ in range(20):  # new connections while the worker is gone and while its replacement starts
        body = httpx.post(base + "/graphql", json={"query": "{ genres { name } }"}, timeout=30).json()
        assert "errors" not in body
    deadline = time.monotonic() + 60
    while workers_started(base) < 3:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.2)
    assert victim not in _children(proc.pid)
    _settle(proc.pid, port, Counter())
    _connect(base, 8, opened)
    assert sorted(_holders(proc.pid, port).values()) == [4, 4]


def test_sigterm_stops_the_workers_and_the_primary(tmp_path: Path) -> None:
    with two_workers_serving(tmp_path) as (_, proc):
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


BROKEN = """
import sys
from settings import Settings
from workers import Pool
pool = Pool(Settings.from_env(), 2, app="tests.test_workers:broken_app")
pool.run()
sys.exit(3 if pool.failed else 0)
"""


def broken_app() -> None:
    """An app factory that cannot build its app, as a worker with a broken setting would."""
    raise RuntimeError("broken on purpose")


def test_a_worker_that_cannot_start_stops_the_pool_instead_of_restarting(tmp_path: Path) -> None:
    env = {**os.environ, "TUNEGRAPH_PORT": str(free_port()), "TUNEGRAPH_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", BROKEN], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3, done.stderr[-2000:]
    assert done.stderr.count("RuntimeError: broken on purpose") <= 2, "a worker that cannot start was started again"


def test_a_port_in_use_is_named_and_nothing_starts(tmp_path: Path) -> None:
    with socket.create_server((LOOPBACK, 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "TUNEGRAPH_WORKERS": "2", "TUNEGRAPH_HOST": LOOPBACK, "TUNEGRAPH_PORT": str(port),
               "TUNEGRAPH_DATA_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "server.py"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
    assert done.returncode == 3, done.stderr[-2000:]
    assert f"cannot listen on {LOOPBACK}:{port}" in done.stderr
    assert "Started server process" not in done.stderr


def test_sighup_replaces_every_worker_while_requests_keep_being_answered(
    two_workers: tuple[str, subprocess.Popen[bytes]], opened: list[socket.socket]
) -> None:
    base, proc = two_workers
    port = int(base.rsplit(":", 1)[1])
    before = set(_children(proc.pid))
    proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 90
    while not (set(_children(proc.pid)).isdisjoint(before) and len(_children(proc.pid)) == 2):
        body = httpx.post(base + "/graphql", json={"query": "{ genres { name } }"}, timeout=30).json()
        assert "errors" not in body
        assert proc.poll() is None, "the primary stopped on SIGHUP"
        assert time.monotonic() < deadline, "the workers were not all replaced"
        time.sleep(0.1)
    assert workers_started(base) == 4
    _settle(proc.pid, port, Counter())
    _connect(base, 8, opened)
    assert sorted(_holders(proc.pid, port).values()) == [4, 4]
